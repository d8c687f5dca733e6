"""Processed-event keys are forgotten a day after they were seen, and not before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import scheduler
from bot.scheduler import housekeeping
from storage import events
from storage.models import ProcessedEvent


def test_keys_older_than_a_day_are_forgotten_on_the_tick(deps, clock):
    with deps.sessions.begin() as s:
        events.seen(s, "event:old", clock() - timedelta(days=1, minutes=1))
        events.seen(s, "event:recent", clock() - timedelta(hours=23))

    scheduler.tick(deps, "w1")

    with deps.sessions() as s:
        assert list(s.scalars(select(ProcessedEvent.key))) == ["event:recent"]
    assert housekeeping.run_due(deps, "w1") == 0


def test_channel_messages_are_kept_30_days(deps, clock):
    from storage import messages
    from storage.models import ChannelMessage

    with deps.sessions.begin() as s:
        for ts, age in (("1.000001", timedelta(days=30, minutes=1)), ("2.000001", timedelta(days=29))):
            messages.remember(s, channel_id="C1", ts=ts, thread_ts=None, user_id="UALICE", from_bot=False,
                              text="hi", files=None, posted_at=clock() - age)

    scheduler.tick(deps, "w1")

    with deps.sessions() as s:
        assert list(s.scalars(select(ChannelMessage.ts))) == ["2.000001"]
