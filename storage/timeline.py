"""The append-only incident timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import TimelineEntry


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


def entries(s: Session, incident_id: int, *, include_deleted: bool = False) -> list[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    if not include_deleted:
        query = query.where(TimelineEntry.deleted_at.is_(None))
    return list(s.scalars(query.order_by(TimelineEntry.occurred_at, TimelineEntry.id)))
