"""Comms nags and the handover nudge: reminder effects, planned by the nag tick.

Any number of schedulers may plan against one database: each nag is an effect with the
unique key (incident, kind, due time), inserted with ON CONFLICT DO NOTHING, and the effect
worker claims it once (storage/effects.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.core.deadlines import NagPolicy, NagState, next_nag_at
from bot.core.incident import INCIDENT_MANAGER
from storage import effects
from storage.models import Effect, Incident


def look_at(incident: Incident, at: datetime | None) -> None:
    """The one writer of `next_nag_at`: when the nag tick should next look at the incident
    (None: nothing can be due, e.g. resolved)."""
    incident.next_nag_at = at


def nag_state(incident: Incident) -> NagState:
    """What the core's deadline rules need of an incident (its roles loaded)."""
    im = next((r for r in incident.roles if r.role == INCIDENT_MANAGER and r.relieved_at is None), None)
    return NagState(
        severity=incident.severity, status=incident.status, reporter_id=incident.reporter_id,
        declared_at=incident.declared_at, comms_deadline=incident.next_update_due,
        last_update_at=incident.last_update_at, incident_manager=im.user_id if im else None,
        incident_manager_since=im.assigned_at if im else None, handover_nudged_at=incident.handover_nudged_at,
    )


def reschedule(incident: Incident, now: datetime, rules: NagPolicy) -> None:
    """After a change the deadlines depend on: next_nag_at follows the core's rule."""
    look_at(incident, next_nag_at(nag_state(incident), now, rules))


def record_comms_update(incident: Incident, *, at: datetime, next_update_due: datetime, rules: NagPolicy) -> None:
    """An update was posted: the comms deadline moves on, and with it the nags."""
    incident.last_update_at = at
    incident.next_update_due = next_update_due
    reschedule(incident, at, rules)


def due_incidents(s: Session, *, now: datetime, limit: int) -> list[Incident]:
    """Incidents the tick must look at (next_nag_at <= now), oldest first. The index on
    next_nag_at makes this cost follow what is due. PostgreSQL: rows another scheduler is
    looking at are skipped, not waited for."""
    query = (select(Incident).where(Incident.next_nag_at <= now).order_by(Incident.next_nag_at, Incident.id)
             .limit(limit).options(selectinload(Incident.roles)))
    if s.bind is not None and s.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Incident)
    return list(s.scalars(query))


def create_if_absent(
    s: Session, *, incident_id: int, kind: str, due_at: datetime, recipient_id: str | None, now: datetime,
    data: dict[str, Any] | None = None,
) -> bool:
    """Enqueues the nag unless (incident, kind, due_at) exists; True when this call created it."""
    return effects.enqueue(
        s, kind=kind, incident_id=incident_id, payload=data, now=now, due_at=due_at, recipient_id=recipient_id,
        dedupe_key=effects.reminder_key(incident_id, kind, due_at),
    ) is not None


def skip_unsent(
    s: Session, *, incident_id: int, kinds: Sequence[str], now: datetime, reason: str,
    before: datetime | None = None,
) -> int:
    """Pending nags of these kinds are done without being sent: superseded by a newer nag,
    or made stale by an update."""
    return effects.skip_pending(s, incident_id=incident_id, kinds=kinds, now=now, reason=reason, before=before)


def for_incident(s: Session, incident_id: int) -> list[Effect]:
    return list(s.scalars(select(Effect).where(Effect.incident_id == incident_id).order_by(Effect.due_at, Effect.id)))
