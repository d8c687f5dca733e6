"""Alert groups from Alertmanager: one open row per `groupKey`, its card, its incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.alerts import AlertNotification
from storage import upserts
from storage.models import AlertGroup


def open_group(s: Session, group_hash: str, *, for_update: bool = False) -> AlertGroup | None:
    query = select(AlertGroup).where(AlertGroup.open_key == group_hash)
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def open_new(s: Session, note: AlertNotification, now: datetime) -> AlertGroup | None:
    """Opens the group; None when another delivery opened it first (INSERT ... ON CONFLICT DO
    NOTHING on `open_key`, so racing notifications make one card)."""
    values = dict(group_hash=note.group_hash, open_key=note.group_hash, group_key=note.group_key, status=note.status,
                  summary=note.summary, labels=note.labels, description=note.description, starts_at=note.starts_at,
                  ends_at=note.ends_at, first_seen_at=now, last_seen_at=now)
    new_id = upserts.insert_new(s, AlertGroup.__table__, values, key=["open_key"], returning="id")
    return s.get(AlertGroup, new_id) if new_id is not None else None


def get(s: Session, group_id: int, *, for_update: bool = False) -> AlertGroup | None:
    query = select(AlertGroup).where(AlertGroup.id == group_id)
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def seen_again(group: AlertGroup, note: AlertNotification, now: datetime) -> None:
    group.status, group.last_seen_at = note.status, now
    group.ends_at = note.ends_at
    if note.starts_at and (group.starts_at is None or note.starts_at < group.starts_at):
        group.starts_at = note.starts_at


def close(group: AlertGroup, now: datetime) -> None:
    group.open_key, group.closed_at = None, now


def close_for_a_new_episode(s: Session, group: AlertGroup, now: datetime) -> None:
    """Closes a group whose incident is over, written at once so a new group of the same alerts
    can open (open_key is unique)."""
    close(group, now)
    s.flush()


def take(s: Session, group_id: int, incident_id: int) -> AlertGroup | None:
    """Ties the alert group to the incident declared from it; None when it is gone or another
    declaration took it first (the row is locked: of two at the same moment, the first wins)."""
    group = get(s, group_id, for_update=True)
    if group is None or group.incident_id is not None:
        return None
    group.incident_id = incident_id
    return group


def set_card(s: Session, group_id: int, channel_id: str, ts: str) -> None:
    s.execute(update(AlertGroup).where(AlertGroup.id == group_id).values(card_channel_id=channel_id, card_ts=ts))


def for_incident(s: Session, incident_id: int) -> list[AlertGroup]:
    return list(s.scalars(select(AlertGroup).where(AlertGroup.incident_id == incident_id).order_by(AlertGroup.id)))
