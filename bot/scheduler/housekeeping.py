"""Housekeeping on each tick: forget processed-event keys once Slack can no longer redeliver,
and channel messages past their retention.

Slack retries an event for minutes (at once, ~1 min, ~5 min) and Socket Mode redelivers
unacknowledged envelopes on reconnect; a day is far past both, and keeps the table small.
Messages of incident channels are kept MESSAGE_RETENTION after they were posted: a
reaction on an older one costs one Slack read again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.deps import Deps
from bot.slack_edge import SlackFailure
from storage import events, members, messages

log = logging.getLogger(__name__)

KEEP_EVENT_KEYS = timedelta(days=1)
MESSAGE_RETENTION = timedelta(days=30)


def run_due(deps: Deps, worker_id: str) -> int:
    with deps.sessions.begin() as s:
        forgotten = events.forget_before(s, deps.now() - KEEP_EVENT_KEYS)
        old_messages = messages.forget_before(s, deps.now() - MESSAGE_RETENTION)
    if forgotten:
        log.info("forgot %s processed-event keys older than %s", forgotten, KEEP_EVENT_KEYS)
    if old_messages:
        log.info("forgot %s channel messages older than %s", old_messages, MESSAGE_RETENTION)
    return forgotten + old_messages + sync_members(deps)


def sync_members(deps: Deps) -> int:
    """Incident channels whose membership was never read (declared before it was kept, or the
    declaration's read failed) are read once here, off the request path; events keep them after."""
    with deps.sessions() as s:
        channels = members.unsynced_channels(s)
    synced = 0
    for channel_id in channels:
        try:
            listed = deps.slack.members(channel_id)
        except SlackFailure as exc:
            log.warning("cannot read the members of %s (%s); its private incident stays hidden", channel_id, exc)
            continue
        with deps.sessions.begin() as s:
            members.replace(s, channel_id=channel_id, user_ids=listed, now=deps.now())
        synced += 1
    return synced
