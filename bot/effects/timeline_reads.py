"""`timeline.read`: a timeline emoji on a message the bot never saw. The message is read
(one conversations.replies call) and its entry recorded; a 429 waits out Retry-After in the
row, not in a thread, and a restart picks the read up again (bot/flows/timeline_ingest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.effects.registry import deliverer
from bot.flows import timeline_ingest
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


@deliverer(timeline_ingest.READ)
def read_reacted_message(effect: PendingEffect, deps: Deps) -> dict[str, Any] | None:
    timeline_ingest.read_and_record(deps, timeline_ingest.Reaction.from_payload(effect.payload))
    return None
