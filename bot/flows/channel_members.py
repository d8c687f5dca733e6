"""Who is in an incident channel, kept in the database: the member events Slack sends, and
the people the bot itself invites. Authority checks and private listings read only this."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.deps import Deps
from bot.views.invites import refused_invites
from storage import effects, incidents, members, timeline

log = logging.getLogger(__name__)


def invite(deps: Deps, channel_id: str, user_ids: Sequence[str], *, actor: str | None = None,
           incident_id: int | None = None, key: str = "", why: str = "") -> dict[str, str]:
    """Invites them and records the ones now in the channel; returns who Slack refused and why.
    The refusals are told once to `actor` (a DM, through the effect pipeline): guests, Slack
    Connect users... stay out, the change they were invited for stands."""
    refused = deps.slack.invite(channel_id, user_ids)
    joined = [u for u in user_ids if u not in refused]
    if channel_id and (joined or (refused and actor)):
        now = deps.now()
        with deps.sessions.begin() as s:
            if joined:
                members.add(s, channel_id=channel_id, user_ids=joined, now=now)
            if refused and actor:
                effects.enqueue(s, kind="slack.dm", incident_id=incident_id, now=now, recipient_id=actor,
                                payload={"text": refused_invites(key, channel_id, refused, why=why)})
    return refused


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
