"""Keeps the incident channel true: its topic and its pinned info message follow the database.

Both are effects (bot/effects/declaration.py: `slack.topic`, `slack.info_message`) that
render the incident as it is when they are delivered, each kind in order per incident, so
the channel always catches up with the last change.
"""

from __future__ import annotations

from bot.effects import declaration
from bot.deps import Deps
from storage import effects


def sync_channel(deps: Deps, incident_id: int) -> None:
    """After a change the topic or the info message shows: both follow, right after this commit."""
    now = deps.now()
    with deps.sessions.begin() as s:
        effects.enqueue(s, kind=declaration.TOPIC, incident_id=incident_id, now=now,
                        ordering_key=declaration.topic_key(incident_id))
        effects.enqueue(s, kind=declaration.INFO_EDIT, incident_id=incident_id, now=now,
                        ordering_key=declaration.info_key(incident_id))
