"""Who is in which incident channel: written from Slack's member events and the declaration's
one conversations.members call, read by authority checks and private listings (no Slack call)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import upserts
from storage.models import ChannelMember, Incident


def add(s: Session, *, channel_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """Idempotent: a redelivered join event or a second invite adds nothing."""
    rows = [{"channel_id": channel_id, "user_id": u, "joined_at": now} for u in dict.fromkeys(user_ids) if u]
    if not rows:
        return
    upserts.insert_new_rows(s, ChannelMember.__table__, rows)


def remove(s: Session, *, channel_id: str, user_id: str) -> None:
    s.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id))


def replace(s: Session, *, channel_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """The whole membership as Slack listed it; marks the channel's incident as synced."""
    s.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id))
    add(s, channel_id=channel_id, user_ids=user_ids, now=now)
    incident = s.scalars(select(Incident).where(Incident.channel_id == channel_id)).first()
    if incident is not None:
        incident.members_synced_at = now


def is_member(s: Session, *, channel_id: str | None, user_id: str) -> bool:
    if not channel_id:
        return False
    return s.scalars(select(ChannelMember.user_id).where(
        ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)).first() is not None


def channels_of(s: Session, *, user_id: str, channel_ids: Iterable[str | None]) -> set[str]:
    """Which of these channels the person is in: one query for a whole list."""
    wanted = [c for c in channel_ids if c]
    if not wanted:
        return set()
    return set(s.scalars(select(ChannelMember.channel_id).where(
        ChannelMember.user_id == user_id, ChannelMember.channel_id.in_(wanted))))


def members_of(s: Session, *, channel_id: str) -> set[str]:
    return set(s.scalars(select(ChannelMember.user_id).where(ChannelMember.channel_id == channel_id)))


def unsynced_channels(s: Session, *, limit: int = 20) -> list[str]:
    """Incident channels whose membership was never read from Slack (declared before it was kept)."""
    return list(s.scalars(select(Incident.channel_id).where(
        Incident.channel_id.is_not(None), Incident.members_synced_at.is_(None)).order_by(Incident.id).limit(limit)))
