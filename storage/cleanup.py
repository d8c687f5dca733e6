"""The reminders of bot.core.cleanup as effects with a due time, written in the transaction of
the change that sets the deadline (a role taken, a resolve, an approval request)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.cleanup import ARCHIVE_CHANNEL, POSTMORTEM_APPROVAL_REMINDER, ROLE_HANDOVER_NUDGE
from storage import effects
from storage.models import RoleAssignment


def schedule_role_nudge(s: Session, *, incident_id: int, assignment: RoleAssignment, due_at: datetime,
                        now: datetime) -> int | None:
    """One nudge per role assignment: whoever holds a role long enough is asked once."""
    return effects.enqueue(
        s, kind=ROLE_HANDOVER_NUDGE, incident_id=incident_id, now=now, due_at=due_at,
        recipient_id=assignment.user_id, dedupe_key=f"{ROLE_HANDOVER_NUDGE}:{assignment.id}",
        payload={"assignment_id": assignment.id, "role": assignment.role},
    )


def assignment(s: Session, assignment_id: int) -> RoleAssignment | None:
    return s.get(RoleAssignment, assignment_id)


def schedule_archive(s: Session, *, incident_id: int, resolved_at: datetime, due_at: datetime,
                     now: datetime) -> int | None:
    # No channel ordering key: a future archive must not hold up the channel's other messages.
    return effects.enqueue(
        s, kind=ARCHIVE_CHANNEL, incident_id=incident_id, now=now, due_at=due_at,
        dedupe_key=f"{ARCHIVE_CHANNEL}:{incident_id}:{resolved_at.isoformat()}",
        payload={"resolved_at": resolved_at.isoformat()},
    )


def cancel_archive(s: Session, *, incident_id: int, now: datetime) -> int:
    """Reopened: the pending archive is skipped; returns how many were."""
    return effects.skip_pending(s, incident_id=incident_id, kinds=[ARCHIVE_CHANNEL], now=now, reason="reopened")


def schedule_approval_reminders(s: Session, *, incident_id: int, postmortem_id: int, approvers: Iterable[str],
                                every: timedelta, now: datetime) -> None:
    for approver in approvers:
        schedule_approval_reminder(s, incident_id=incident_id, postmortem_id=postmortem_id, approver=approver,
                                   due_at=now + every, every=every, now=now)


def schedule_approval_reminder(s: Session, *, incident_id: int, postmortem_id: int, approver: str,
                               due_at: datetime, every: timedelta, now: datetime) -> int | None:
    """The next reminder of one approver; it carries its period, so the one after it follows."""
    return effects.enqueue(
        s, kind=POSTMORTEM_APPROVAL_REMINDER, incident_id=incident_id, now=now, due_at=due_at,
        recipient_id=approver, dedupe_key=f"{POSTMORTEM_APPROVAL_REMINDER}:{postmortem_id}:{approver}:"
                                          f"{due_at.isoformat()}",
        payload={"postmortem_id": postmortem_id, "every_seconds": int(every.total_seconds())},
    )


def cancel_approval_reminders(s: Session, *, incident_id: int, now: datetime, reason: str) -> int:
    return effects.skip_pending(s, incident_id=incident_id, kinds=[POSTMORTEM_APPROVAL_REMINDER], now=now,
                                reason=reason)
