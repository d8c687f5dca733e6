"""Who is in an incident channel, kept in the database: the member events Slack sends (the
people the bot invites are recorded by the invite effects, bot/effects/slack_channel.py and
declaration.py). Authority checks and private listings read only this."""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps
from bot.effects import outbox
from storage import incidents, members, timeline

log = logging.getLogger(__name__)


def joined(deps: Deps, event: dict[str, Any]) -> None:
    channel_id, user_id = event.get("channel") or "", event.get("user") or ""
    with deps.sessions.begin() as s:
        if channel_id and user_id and incidents.get_by_channel(s, channel_id) is not None:
            members.add(s, channel_id=channel_id, user_ids=[user_id], now=deps.now())


def left(deps: Deps, event: dict[str, Any]) -> None:
    channel_id, user_id = event.get("channel") or "", event.get("user") or ""
    with deps.sessions.begin() as s:
        if channel_id and user_id:
            members.remove(s, channel_id=channel_id, user_id=user_id)


def renamed(deps: Deps, event: dict[str, Any]) -> None:
    """Someone renamed an incident channel: the bot follows (links and lists use the new name)."""
    channel = event.get("channel") or {}
    channel_id, name = channel.get("id") or "", channel.get("name") or ""
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get_by_channel(s, channel_id, for_update=True) if channel_id else None
        if incident is None or not name or incident.channel_name == name:
            return
        old = incidents.rename_channel(incident, name)
        timeline.record_system(s, incident.id, f"The channel was renamed from #{old} to #{name}", now=now,
                               data={"event": "channel_renamed", "from": old, "to": name})


def archive_changed(deps: Deps, event: dict[str, Any], *, archived: bool) -> None:
    """Someone archived (or unarchived) an incident channel: the incident records it and its
    timeline says who. While archived, what is meant for the channel stops with that reason
    (bot/effects); unarchived, the topic and pinned message catch up and later changes post again."""
    channel_id = event.get("channel")
    if isinstance(channel_id, dict):  # some channel events carry the channel object
        channel_id = channel_id.get("id")
    now = deps.now()
    with deps.sessions.begin() as s:
        incident_id = incidents.follow_archive(s, str(channel_id or ""), archived=archived,
                                               by=event.get("user") or None, now=now)
        if incident_id is not None and not archived:
            outbox.sync_channel(s, incident_id, now=now)

