"""Processed events: Slack retries and Socket Mode redelivers, so an effect is keyed here.

The key is written in the same transaction as the effect it stands for: a handler that
dies part-way leaves no key, and the redelivery does the work (at-least-once delivery,
exactly-once effect).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import upserts
from storage.models import ProcessedEvent


def seen(s: Session, key: str, now: datetime) -> bool:
    """Marks `key` processed; True when it already was (INSERT ... ON CONFLICT DO NOTHING,
    so two replicas racing on one key get exactly one False)."""
    return upserts.insert_new(s, ProcessedEvent.__table__, {"key": key, "received_at": now}, key=["key"],
                              returning="key") is None


def is_processed(s: Session, key: str) -> bool:
    """A read-only look, to skip Slack calls for an event whose effect is already committed."""
    return s.scalar(select(ProcessedEvent.key).where(ProcessedEvent.key == key)) is not None


def forget_before(s: Session, cutoff: datetime) -> int:
    """Drops keys older than `cutoff` (Slack stops retrying after minutes); returns how many."""
    return s.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff)).rowcount
