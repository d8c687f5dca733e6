"""Listeners for the timeline: emoji reactions, messages, edits and deletions in incident
channels. The work (exactly once, no read per reaction) is in bot/flows/timeline_ingest.py."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest

from bot.deps import Deps
from bot.flows import channel_messages as remembered
from bot.flows.timeline_ingest import message_changed, message_deleted, message_posted, reaction_added, reaction_removed


def register(app: App, deps: Deps) -> None:
    @app.event("reaction_added")
    def on_reaction_added(event: dict[str, Any], body: dict[str, Any], request: BoltRequest) -> None:
        reaction_added(deps, event, event_id=body.get("event_id", ""), bot_user=_bot_user(body),
                       redelivered=_redelivered(request))

    @app.event("reaction_removed")
    def on_reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction_removed(deps, event, bot_user=_bot_user(body))

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message_changed(deps, event)
        elif subtype == "message_deleted":
            message_deleted(deps, event)
        elif subtype in remembered.STORED_SUBTYPES and event.get("ts"):
            message_posted(deps, event)


def _redelivered(request: BoltRequest) -> bool:
    """Slack's retry number (HTTP header; Bolt copies Socket Mode's retry_attempt into it):
    0 or absent on a first delivery."""
    values = request.headers.get("x-slack-retry-num") or ["0"]
    try:
        return int(values[0]) > 0
    except ValueError:
        return True


def _bot_user(body: dict[str, Any]) -> str | None:
    """The bot's own user ID from the envelope, so no auth.test is needed to skip its reactions."""
    for auth in body.get("authorizations") or ():
        if auth.get("is_bot"):
            return auth.get("user_id")
    return None
