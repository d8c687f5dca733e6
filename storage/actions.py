"""Postmortem actions, and the overdue reminders the scheduler sends their owners.

Reminders are effects keyed (incident, "action_overdue:<id>", start of the overdue period):
the unique key decides that one is planned, and the effect worker claims it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal, select
from sqlalchemy.orm import Session

from bot.core.actions import REMINDER_EVERY, ActionItem, reminder_due
from storage import effects
from storage.models import Action, Effect, Incident

REMINDER_KIND = "action_overdue"


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


def set_category(action: Action, category: str) -> str | None:
    """One of the handbook's six categories; returns the one it had."""
    before, action.category = action.category, category
    return before


def close(s: Session, action: Action, *, by: str, now: datetime) -> None:
    """Marks it done; its reminders that were not sent yet are dropped."""
    action.done_at = now
    action.done_by = by
    effects.skip_pending(s, incident_id=action.incident_id, kinds=[reminder_kind(action.id)], now=now,
                         reason="action closed")


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

def plan_reminders(s: Session, *, now: datetime, limit: int = 500) -> int:
    """Enqueues this period's reminder of every open overdue action that has none yet (one
    per action and overdue period, `reminder_due`); returns how many were new. The effect
    worker delivers them; of two due ones of one action only the newest goes out."""
    # The current period began in (now - REMINDER_EVERY, now]: an action with a row due in that
    # window is already reminded for it, so only the actions still owed a reminder are read.
    reminded = (
        select(Effect.id)
        .where(Effect.incident_id == Action.incident_id,
               Effect.kind == literal(f"{REMINDER_KIND}:") + cast(Action.id, String),
               Effect.due_at > now - REMINDER_EVERY)
        .exists()
    )
    rows = s.execute(
        select(Action.id, Action.incident_id, Action.owner_id, Action.due_at)
        .where(Action.done_at.is_(None), Action.due_at <= now, Action.owner_id.is_not(None), ~reminded)
        .order_by(Action.due_at, Action.id).limit(limit)
    ).all()
    planned = 0
    for action_id, incident_id, owner_id, due_at in rows:
        period = reminder_due(due_at, now)
        if period is None:
            continue
        kind = reminder_kind(action_id)
        planned += effects.enqueue(
            s, kind=kind, incident_id=incident_id, now=now, due_at=period, recipient_id=owner_id,
            payload={"action_id": action_id}, dedupe_key=effects.reminder_key(incident_id, kind, period),
        ) is not None
    return planned
