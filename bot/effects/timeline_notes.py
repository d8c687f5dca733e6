"""`timeline.note`: a `/incident note` shown in the incident channel.

The entry is recorded with the command (so it is on the timeline even if the channel refuses
the message); this effect posts the note there once (a retry finds its message in history)
and its recorder attaches the message to the entry: its ts, its permalink, and the key under
which an emoji on that message would add it again (so it does not)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core import timeline as core
from bot.effects.registry import deliverer
from bot.effects.slack_messages import INCIDENT_CHANNEL, explain_not_posted, post_once, target_channel
from storage import Session, timeline
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

NOTE = "timeline.note"


@deliverer(NOTE)
def post_note(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    channel = target_channel(effect, deps, INCIDENT_CHANNEL)
    posted = post_once(deps, effect, channel, effect.payload["text"])
    return {**posted, "permalink": deps.slack.permalink(posted["channel"], posted["ts"])}


@post_note.recorder
def _attach(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    p = effect.payload
    timeline.attach_message(s, int(p["entry_id"]), message_ts=result["ts"], permalink=result.get("permalink"),
                            dedupe_key=core.message_key(result["channel"], result["ts"], p["kind"]))


# Told like any post in the incident channel (archived, posting restricted...).
post_note.explainer(explain_not_posted)
