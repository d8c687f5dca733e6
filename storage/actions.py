"""Postmortem actions, and the overdue reminders the scheduler sends their owners.

Reminders are rows of the `nags` table keyed (incident, "action_overdue:<id>", start of
the overdue period): the row is inserted already claimed, so the unique key decides which
replica sends it, and a conditional UPDATE re-claims one whose sender died.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.core.actions import REMINDER_EVERY, ActionItem, reminder_due
from storage.models import Action, Incident, Nag

REMINDER_KIND = "action_overdue"
# A claim older than this belongs to a worker that died before sending; another may take it.
STALE_CLAIM = timedelta(minutes=10)


def reminder_kind(action_id: int) -> str:
    return f"{REMINDER_KIND}:{action_id}"


def add(s: Session, *, incident_id: int, kind: str, text: str, owner_id: str | None, due_at: datetime,
        created_by: str, now: datetime, category: str | None = None) -> Action:
    action = Action(incident_id=incident_id, kind=kind, text=text, owner_id=owner_id, due_at=due_at,
                    created_by=created_by, created_at=now, category=category)
    s.add(action)
    s.flush()
    return action


def get(s: Session, action_id: int, *, for_update: bool = False) -> Action | None:
    query = select(Action).where(Action.id == action_id)
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def close(s: Session, action: Action, *, by: str, now: datetime) -> None:
    """Marks it done; its reminders that were not sent yet are dropped."""
    action.done_at = now
    action.done_by = by
    s.execute(delete(Nag).where(Nag.kind == reminder_kind(action.id), Nag.sent_at.is_(None)))


def _items(s: Session, query: Any) -> list[ActionItem]:
    rows = s.execute(query.join(Incident, Incident.id == Action.incident_id)
                     .add_columns(Incident.key, Incident.channel_id, Incident.private))
    return [
        ActionItem(id=a.id, incident_id=a.incident_id, incident_key=key, kind=a.kind, text=a.text,
                   owner_id=a.owner_id, due_at=a.due_at, done_at=a.done_at, done_by=a.done_by,
                   channel_id=channel_id, private=private, category=a.category)
        for a, key, channel_id, private in rows
    ]


def for_incident(s: Session, incident_id: int) -> list[ActionItem]:
    """Open ones first (soonest due first), then the done ones."""
    return _items(s, select(Action).where(Action.incident_id == incident_id)
                  .order_by(Action.done_at.is_not(None), Action.due_at, Action.id))


def open_owned_by(s: Session, owner_id: str, *, limit: int = 50) -> list[ActionItem]:
    return _items(s, select(Action).where(Action.owner_id == owner_id, Action.done_at.is_(None))
                  .order_by(Action.due_at, Action.id).limit(limit))


def items(s: Session, action_ids: Sequence[int]) -> dict[int, ActionItem]:
    return {i.id: i for i in _items(s, select(Action).where(Action.id.in_(action_ids)))} if action_ids else {}


# -- overdue reminders ----------------------------------------------------------------

def claim_reminders(s: Session, *, now: datetime, worker_id: str, late_after: timedelta,
                    limit: int = 500) -> list[Nag]:
    """The reminders this worker is to send now.

    One row per open overdue action and overdue period (`reminder_due`), inserted already
    claimed: the unique (incident, kind, due_at) key decides which replica wins, so a row is
    never visible unclaimed (nor claimable by another tick job's generic query). A row whose
    claim is older than STALE_CLAIM belongs to a worker that died before sending; it is
    re-claimed with a conditional UPDATE (SKIP LOCKED on PostgreSQL)."""
    # The current period began in (now - REMINDER_EVERY, now]: an action with a row due in that
    # window is already reminded for it, so only the actions still owed a reminder are read.
    reminded = (
        select(Nag.id)
        .where(Nag.incident_id == Action.incident_id,
               Nag.kind == literal(f"{REMINDER_KIND}:") + cast(Action.id, String),
               Nag.due_at > now - REMINDER_EVERY)
        .exists()
    )
    rows = s.execute(
        select(Action.id, Action.incident_id, Action.owner_id, Action.due_at)
        .where(Action.done_at.is_(None), Action.due_at <= now, Action.owner_id.is_not(None), ~reminded)
        .order_by(Action.due_at, Action.id).limit(limit)
    ).all()
    values = []
    for action_id, incident_id, owner_id, due_at in rows:
        period = reminder_due(due_at, now)
        if period is not None:
            values.append(dict(
                incident_id=incident_id, kind=reminder_kind(action_id), due_at=period, recipient_id=owner_id,
                created_at=now, claimed_at=now, claimed_by=worker_id,
                # Sent well after its period began (the bot was down): one reminder, marked late.
                late=now - period > late_after, data={"action_id": action_id}))
    won: list[int] = []
    if values:
        insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
        won = list(s.scalars(insert(Nag).values(values).on_conflict_do_nothing(
            index_elements=[Nag.incident_id, Nag.kind, Nag.due_at]).returning(Nag.id)))
    stale = (
        select(Nag.id)
        .where(Nag.sent_at.is_(None), Nag.kind.like(f"{REMINDER_KIND}:%"), Nag.claimed_at < now - STALE_CLAIM)
        .order_by(Nag.due_at, Nag.id).limit(limit)
    )
    if s.bind.dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    stale_ids = list(s.scalars(stale))
    if stale_ids:
        won += list(s.scalars(
            update(Nag).where(Nag.id.in_(stale_ids), Nag.sent_at.is_(None), Nag.claimed_at < now - STALE_CLAIM)
            .values(claimed_at=now, claimed_by=worker_id).returning(Nag.id)
            .execution_options(synchronize_session=False)))
    if not won:
        return []
    return list(s.scalars(select(Nag).where(Nag.id.in_(won)).order_by(Nag.due_at, Nag.id)))


def mark_sent(s: Session, nag_id: int, *, now: datetime, outcome: str = "sent") -> None:
    nag = s.get(Nag, nag_id)
    if nag is not None:
        nag.sent_at = now
        nag.data = {**(nag.data or {}), "outcome": outcome}


def superseded(s: Session, nag: Nag) -> bool:
    """An older period's reminder whose action already has a newer one: skip it."""
    newer = s.scalar(select(Nag.id).where(Nag.incident_id == nag.incident_id, Nag.kind == nag.kind,
                                          Nag.due_at > nag.due_at).limit(1))
    return newer is not None
