"""Comms updates (the handbook's 5-point checklist): saved with their new deadline, then posted
by effects that record where the posts landed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import CommsUpdate


def latest_fields(s: Session, incident_id: int) -> dict[str, Any] | None:
    """The fields of the newest update, to pre-fill the next one."""
    return s.scalars(select(CommsUpdate.fields).where(CommsUpdate.incident_id == incident_id)
                     .order_by(CommsUpdate.posted_at.desc(), CommsUpdate.id.desc()).limit(1)).first()


def add(s: Session, *, incident_id: int, author_id: str, posted_at: datetime, next_update_at: datetime,
        fields: dict[str, Any]) -> int:
    row = CommsUpdate(incident_id=incident_id, author_id=author_id, posted_at=posted_at,
                      next_update_at=next_update_at, fields=fields)
    s.add(row)
    s.flush()
    return row.id


def set_posted(s: Session, update_id: int, *, channel_ts: str | None = None, announcement_ts: str | None = None) -> None:
    """Where a post of the update landed (the incident channel, the incidents channel)."""
    values = {k: v for k, v in (("channel_ts", channel_ts), ("announcement_ts", announcement_ts)) if v}
    if values:
        s.execute(update(CommsUpdate).where(CommsUpdate.id == update_id).values(**values)
                  .execution_options(synchronize_session=False))
