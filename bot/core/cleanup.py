"""Due-time rules of the handbook's clean-up and fatigue reminders (effects with a due time).

- Fatigue: every role holder, not only the IM, is asked once whether to plan a handover after
  HANDOVER_NUDGE_AFTER in the role (the IM's own nudge is bot.core.deadlines.HANDOVER_NUDGE).
- Clean-up: the incident channel is archived ARCHIVE_AFTER after resolve; reopening cancels it.
- Approval: approvers who have not decided are reminded once per POSTMORTEM_APPROVAL_REMINDER.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2024, 5, 6, 12, tzinfo=timezone.utc)
>>> next_approval_reminder(t, timedelta(days=2), t + timedelta(days=5)) == t + timedelta(days=6)
True
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from bot.core.incident import INCIDENT_MANAGER, RESOLVED

ROLE_HANDOVER_NUDGE = "role_handover_nudge"
ARCHIVE_CHANNEL = "archive_channel"
POSTMORTEM_APPROVAL_REMINDER = "postmortem_approval_reminder"


def role_nudge_wanted(role: str) -> bool:
    """The IM has its own nudge (once per IM, planned by the nag tick); every other role gets this one."""
    return role != INCIDENT_MANAGER


def role_nudge_still_due(*, status: str, severity: int, nag_severities: Collection[int], still_held: bool) -> bool:
    """Asked only while the incident is open, the person still holds the role, and the
    severity is one whose deadlines are nagged (as for the IM's nudge)."""
    return status != RESOLVED and still_held and severity in nag_severities


def archive_due_at(resolved_at: datetime, archive_after: timedelta | None) -> datetime | None:
    """When the channel is archived; None when ARCHIVE_AFTER is empty (never)."""
    return resolved_at + archive_after if archive_after is not None else None


def archive_still_due(*, status: str, resolved_at: datetime | None, scheduled_for: datetime | None) -> bool:
    """Still resolved, and by the same resolve that scheduled it (a reopen and a new resolve
    schedule their own)."""
    return status == RESOLVED and resolved_at is not None and resolved_at == scheduled_for


def approval_reminder_still_due(*, status: str, approver: str, approvers: Collection[str],
                                decided: Collection[str]) -> bool:
    """In review, still an approver, and not decided in this round."""
    return status == "in_review" and approver in approvers and approver not in decided


def next_approval_reminder(due_at: datetime, period: timedelta, now: datetime) -> datetime:
    """The next reminder after `now`: one per period, never a burst for periods missed while down."""
    following = due_at + period
    if following <= now:
        following += ((now - following) // period + 1) * period
    return following
