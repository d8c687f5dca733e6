"""Listeners for who is in an incident channel and what it is called (the work, kept in the
database for authority checks and private listings, is in bot/flows/channel_members.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.flows.channel_members import archive_changed, joined, left, renamed


def register(app: App, deps: Deps) -> None:
    for name in ("channel_rename", "group_rename"):
        app.event(name)(lambda ack, event: (ack(), renamed(deps, event)))
    for name in ("channel_archive", "group_archive"):
        app.event(name)(lambda ack, event: (ack(), archive_changed(deps, event, archived=True)))
    for name in ("channel_unarchive", "group_unarchive"):
        app.event(name)(lambda ack, event: (ack(), archive_changed(deps, event, archived=False)))

    @app.event("member_joined_channel")
    def member_joined(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        joined(deps, event)

    @app.event("member_left_channel")
    def member_left(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        left(deps, event)
