"""Messages seen in incident channels: what a reaction on them needs, without a Slack read.

Every message, edit and deletion the Events API delivers from an incident channel (and
every message a catch-up read finds) is kept here, keyed by (channel, ts). Rows older
than the retention housekeeping applies are forgotten; a reaction on such a message costs
one read again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage import upserts
from storage.models import ChannelMessage, Incident


def get(s: Session, channel_id: str, ts: str) -> ChannelMessage | None:
    return s.scalars(select(ChannelMessage).where(ChannelMessage.channel_id == channel_id,
                                                  ChannelMessage.ts == ts)).one_or_none()


def in_incident_channel(s: Session, channel_id: str, ts: str) -> tuple[int, ChannelMessage | None] | None:
    """The incident whose channel this is, and its message `ts` when remembered (None if
    not); None when the channel is no incident's. One query: the busiest path, a reaction."""
    row = s.execute(
        select(Incident.id, ChannelMessage)
        .outerjoin(ChannelMessage, (ChannelMessage.channel_id == Incident.channel_id) & (ChannelMessage.ts == ts))
        .where(Incident.channel_id == channel_id)
    ).first()
    return None if row is None else (row[0], row[1])


def remember(s: Session, *, channel_id: str, ts: str, thread_ts: str | None, user_id: str | None, from_bot: bool,
             text: str, files: list[Any] | None, posted_at: datetime, edited_at: datetime | None = None) -> None:
    """Inserts the message, or refreshes what may change (text, files, edit time) when it is
    known already: one statement (INSERT ... ON CONFLICT DO UPDATE), safe when two replicas
    or a redelivery race."""
    values = dict(channel_id=channel_id, ts=ts, thread_ts=thread_ts, user_id=user_id, from_bot=from_bot, text=text,
                  files=files, posted_at=posted_at, edited_at=edited_at)
    refresh = ("text", "files", "edited_at") if edited_at is not None else ("text", "files")
    upserts.upsert(s, ChannelMessage.__table__, values, key=("channel_id", "ts"), refresh=refresh)


def mark_edited(s: Session, channel_id: str, ts: str, *, text: str, edited_at: datetime) -> int:
    return s.execute(update(ChannelMessage).where(ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts)
                     .values(text=text, edited_at=edited_at)).rowcount


def mark_deleted(s: Session, channel_id: str, ts: str, *, deleted_at: datetime) -> int:
    return s.execute(update(ChannelMessage).where(ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts,
                                                  ChannelMessage.deleted_at.is_(None))
                     .values(deleted_at=deleted_at)).rowcount


def last_seen_ts(s: Session, channel_id: str, *, before: datetime) -> str | None:
    """The newest message of the channel posted before `before` (the moment the bot stopped
    hearing events): a catch-up read starts there. Messages heard after it do not count, so
    an event arriving during the catch-up cannot hide the gap."""
    return s.scalar(select(func.max(ChannelMessage.ts)).where(ChannelMessage.channel_id == channel_id,
                                                              ChannelMessage.posted_at < before))


def active_threads(s: Session, channel_id: str, *, since: datetime, limit: int) -> list[str]:
    """Threads of the channel with a reply posted since `since`, newest first: replies in them
    during a gap are not in conversations.history (their parent is older than the gap)."""
    latest = func.max(ChannelMessage.posted_at)
    return list(s.scalars(
        select(ChannelMessage.thread_ts)
        .where(ChannelMessage.channel_id == channel_id, ChannelMessage.thread_ts.is_not(None),
               ChannelMessage.posted_at >= since)
        .group_by(ChannelMessage.thread_ts).order_by(latest.desc()).limit(limit)))


def forget_before(s: Session, cutoff: datetime) -> int:
    return s.execute(delete(ChannelMessage).where(ChannelMessage.posted_at < cutoff)).rowcount
