"""Processed-event keys are forgotten a day after they were seen, and not before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import scheduler
from bot.scheduler import housekeeping
from storage import events
from storage.models import ProcessedEvent


def test_keys_older_than_a_day_are_forgotten_on_the_tick(services, clock):
    with services.sessions.begin() as s:
        events.seen(s, "event:old", clock() - timedelta(days=1, minutes=1))
        events.seen(s, "event:recent", clock() - timedelta(hours=23))

    scheduler.tick(services, "w1")

    with services.sessions() as s:
        assert list(s.scalars(select(ProcessedEvent.key))) == ["event:recent"]
    assert housekeeping.run_due(services, "w1") == 0
