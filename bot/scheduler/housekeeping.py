"""Housekeeping on each tick: forget processed-event keys once Slack can no longer redeliver.

Slack retries an event for minutes (at once, ~1 min, ~5 min) and Socket Mode redelivers
unacknowledged envelopes on reconnect; a day is far past both, and keeps the table small.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.services import Services
from storage import events

log = logging.getLogger(__name__)

KEEP_EVENT_KEYS = timedelta(days=1)


def run_due(services: Services, worker_id: str) -> int:
    with services.sessions.begin() as s:
        forgotten = events.forget_before(s, services.now() - KEEP_EVENT_KEYS)
    if forgotten:
        log.info("forgot %s processed-event keys older than %s", forgotten, KEEP_EVENT_KEYS)
    return forgotten
