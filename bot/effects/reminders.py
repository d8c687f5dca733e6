"""Reminders declared in one line: a due-time rule in the core, a message in the views.

    reminder("archive_channel", still_due=archive_still_due, message=archive_notice, to="archive")

- `still_due(snapshot, due_at, now) -> bool` (pure, bot/core): asked at delivery time; False
  skips the reminder (resolved meanwhile, the deadline moved).
- `message(snapshot, effect, now) -> (text, blocks | None)` (bot/views): what is said; it
  reads `effect.late` to say that it is late (bot/core/reminders.py has the one late rule).
- `to`: "recipient" DMs `effect.recipient_id` (the channel hears it when they cannot be
  reached); "channel" posts in the incident channel; "archive" posts there, then archives it.

Enqueue it where the deadline is set: `effects.enqueue(s, kind=..., incident_id=...,
due_at=..., recipient_id=..., dedupe_key=effects.reminder_key(incident_id, kind, due_at))`.
Of several due ones of one incident, kind and recipient only the newest is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.incident import IncidentSnapshot
from bot.effects.errors import CANNOT_REACH, Skip, channel_archived
from bot.effects.registry import Deliverer, deliverer
from bot.effects.slack_messages import post_once
from bot.slack_edge import SlackFailure
from bot.views.slack_text import mention
from storage import incidents
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

StillDue = Callable[[IncidentSnapshot, datetime, datetime], bool]
Message = Callable[[IncidentSnapshot, PendingEffect, datetime], "tuple[str, list[dict[str, Any]] | None]"]
RECIPIENT, CHANNEL, ARCHIVE = "recipient", "channel", "archive"


def reminder(kind: str, *, still_due: StillDue, message: Message, to: str = RECIPIENT) -> Deliverer:
    if to not in (RECIPIENT, CHANNEL, ARCHIVE):
        raise ValueError(f"reminder {kind!r}: to={to!r} is not one of recipient, channel, archive")

    def deliver(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
        if effect.incident_id is None:
            raise Skip("a reminder belongs to an incident")
        now = deps.now()
        with deps.sessions.begin() as s:
            snap = incidents.snapshot(incidents.get(s, effect.incident_id))
        if not still_due(snap, effect.due_at, now):
            raise Skip("no longer due")
        text, blocks = message(snap, effect, now)
        if to == RECIPIENT:
            return _to_recipient(deps, effect, snap, text, blocks)
        if not snap.channel_id:
            raise Skip("the incident has no channel")
        if snap.channel_archived:
            if to == ARCHIVE:
                raise Skip("a person archived the channel already")
            raise channel_archived()
        result = post_once(deps, effect, snap.channel_id, text, blocks)
        if to == ARCHIVE:
            deps.slack.archive(snap.channel_id)
            result["archived"] = True
        return result

    return deliverer(kind, reminder=True)(deliver)


def _to_recipient(deps: Deps, effect: PendingEffect, snap: IncidentSnapshot, text: str,
                  blocks: list[dict[str, Any]] | None) -> dict[str, Any]:
    if not effect.recipient_id:
        raise Skip("nobody to remind")
    try:
        return post_once(deps, effect, effect.recipient_id, text, blocks, dm=True)
    except SlackFailure as exc:
        if exc.error not in CANNOT_REACH or not snap.channel_id or snap.channel_archived:
            raise
        # They cannot get a DM (deactivated, gone): the channel hears it, so someone else acts.
        return post_once(deps, effect, snap.channel_id, f"{mention(effect.recipient_id)} cannot be reached. {text}")
