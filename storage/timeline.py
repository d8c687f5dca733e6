"""The incident timeline: system changes, notes and reacted messages, in one table.

Entries that come from a Slack message carry a unique `dedupe_key` (see
`bot.core.timeline.message_key`), so redelivered events and several people reacting
record one row.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage import upserts
from storage.models import Incident, TimelineEntry


def incident_for_channel(s: Session, channel_id: str) -> int | None:
    """The incident whose channel this is: one indexed lookup (channel_id is unique), so events
    from other channels cost one query and no Slack call."""
    return s.scalar(select(Incident.id).where(Incident.channel_id == channel_id))


def record(
    s: Session, *, incident_id: int, kind: str, text: str, occurred_at: datetime, recorded_at: datetime,
    source: str = "system", actor_id: str | None = None, message_ts: str | None = None,
    thread_ts: str | None = None, permalink: str | None = None, dedupe_key: str | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident_id, kind=kind, text=text, occurred_at=occurred_at, recorded_at=recorded_at,
        source=source, actor_id=actor_id, message_ts=message_ts, thread_ts=thread_ts, permalink=permalink,
        dedupe_key=dedupe_key, data=data,
    )
    s.add(entry)
    s.flush()
    return entry


def record_once(
    s: Session, *, dedupe_key: str, incident_id: int, kind: str, text: str, occurred_at: datetime,
    recorded_at: datetime, source: str, actor_id: str | None = None, message_ts: str | None = None,
    thread_ts: str | None = None, permalink: str | None = None, data: dict[str, Any] | None = None,
) -> bool:
    """Inserts the entry unless its key exists (INSERT ... ON CONFLICT DO NOTHING: safe when two
    deliveries race, on SQLite and PostgreSQL); True when this call inserted it."""
    values = dict(incident_id=incident_id, kind=kind, text=text, occurred_at=occurred_at, recorded_at=recorded_at,
                  source=source, actor_id=actor_id, message_ts=message_ts, thread_ts=thread_ts, permalink=permalink,
                  dedupe_key=dedupe_key, data=data)
    # RETURNING, not rowcount: the driver's rowcount for ON CONFLICT DO NOTHING is not portable.
    return upserts.insert_new(s, TimelineEntry.__table__, values, key=["dedupe_key"], returning="id") is not None


def record_system(
    s: Session, incident_id: int, text: str, *, now: datetime, actor_id: str | None = None,
    occurred_at: datetime | None = None, source: str = "system", data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """A change the bot made or heard of (declared, a role, the severity, the status, a page...):
    kind "system", recorded `now`, at `occurred_at` (default `now`). With `dedupe_key`, recorded
    once whatever redelivers it; True when this call recorded it."""
    entry = dict(incident_id=incident_id, kind="system", text=text, occurred_at=occurred_at or now, recorded_at=now,
                 source=source, actor_id=actor_id, data=data)
    if dedupe_key is not None:
        return record_once(s, dedupe_key=dedupe_key, **entry)
    record(s, **entry)
    return True


def get_by_key(s: Session, dedupe_key: str) -> TimelineEntry | None:
    return s.scalars(select(TimelineEntry).where(TimelineEntry.dedupe_key == dedupe_key)).one_or_none()


def remove_by_key(s: Session, dedupe_key: str, *, source: str | None = None) -> bool:
    """Deletes the entry (a reaction taken back); with `source`, only an entry from that source,
    so removing an emoji never removes what a prefix or a command recorded."""
    statement = delete(TimelineEntry).where(TimelineEntry.dedupe_key == dedupe_key)
    if source is not None:
        statement = statement.where(TimelineEntry.source == source)
    return s.execute(statement).rowcount > 0


def for_message(s: Session, incident_id: int, message_ts: str) -> list[TimelineEntry]:
    return list(s.scalars(select(TimelineEntry).where(
        TimelineEntry.incident_id == incident_id, TimelineEntry.message_ts == message_ts,
    ).order_by(TimelineEntry.id)))


def mark_edited(s: Session, incident_id: int, message_ts: str, *, text: str, edited_at: datetime,
                sources: Collection[str] | None = None) -> int:
    """The message was edited: its entries (from `sources`, default all) show the new text.
    Returns how many changed."""
    statement = update(TimelineEntry).where(
        TimelineEntry.incident_id == incident_id, TimelineEntry.message_ts == message_ts,
    )
    if sources is not None:
        statement = statement.where(TimelineEntry.source.in_(list(sources)))
    return s.execute(statement.values(text=text, edited_at=edited_at)).rowcount


def mark_deleted(s: Session, incident_id: int, message_ts: str, *, deleted_at: datetime) -> int:
    """The message was deleted: its entries leave the timeline (kept, with `deleted_at`)."""
    return s.execute(update(TimelineEntry).where(
        TimelineEntry.incident_id == incident_id, TimelineEntry.message_ts == message_ts,
        TimelineEntry.deleted_at.is_(None),
    ).values(deleted_at=deleted_at)).rowcount


def entries(s: Session, incident_id: int, *, include_deleted: bool = False) -> list[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    if not include_deleted:
        query = query.where(TimelineEntry.deleted_at.is_(None))
    return list(s.scalars(query.order_by(TimelineEntry.occurred_at, TimelineEntry.id)))


def latest_of_kinds(s: Session, incident_id: int, kinds: Collection[str], *, limit: int) -> list[TimelineEntry]:
    """The newest `limit` live entries of `kinds`, oldest first (the status card's theories)."""
    query = (select(TimelineEntry)
             .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind.in_(list(kinds)),
                    TimelineEntry.deleted_at.is_(None))
             .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit))
    return list(reversed(list(s.scalars(query))))


def attach_message(s: Session, entry_id: int, *, message_ts: str, permalink: str | None, dedupe_key: str) -> None:
    """The message a recorded entry was posted as (a `/incident note`, posted after its commit):
    a reaction to that message then finds the entry instead of adding a second one."""
    taken = get_by_key(s, dedupe_key)
    values: dict[str, object] = {"message_ts": message_ts, "permalink": permalink}
    if taken is None:
        values["dedupe_key"] = dedupe_key
    s.execute(update(TimelineEntry).where(TimelineEntry.id == entry_id).values(**values)
              .execution_options(synchronize_session=False))
