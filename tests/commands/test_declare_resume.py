"""A declaration killed part-way is finished on restart: no second channel, no second announcement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.views.ids import Callback
from commands import declare_setup
from storage.models import Incident, SetupStep
from tests.support import declare_values


class Killed(BaseException):
    """Stands in for the process dying (BaseException: nothing in the bot catches it)."""


def _declare_until_killed(bot, slack, monkeypatch, *, kill_after: str) -> None:
    real_mark = declare_setup._mark

    def mark_then_die(services, incident_id, step, **columns):
        if step == kill_after:
            # Slack did the step; the process dies before the database records it.
            raise Killed(step)
        real_mark(services, incident_id, step, **columns)

    monkeypatch.setattr(declare_setup, "_mark", mark_then_die)
    bot.command("declare Payments down", user="UREPORTER", channel=slack.general_channel_id)
    view = bot.last_view(Callback.DECLARE)
    with pytest.raises(Killed):
        # A BaseException escapes Bolt's listener runner just as a dying process would stop it.
        bot.caller.submit_view(view, declare_values("Payments down", severity=1), user_id="UREPORTER")
        bot.executor.drain()
    monkeypatch.setattr(declare_setup, "_mark", real_mark)


def test_killed_after_creating_the_channel_resumes_into_the_same_channel(bot, slack, services, monkeypatch):
    _declare_until_killed(bot, slack, monkeypatch, kill_after="channel")
    assert [c.name for c in slack.channels.values() if c.name.startswith("hot-")] == ["hot-1"]

    resumed = declare_setup.resume(services)

    assert len(resumed) == 1
    assert [c.name for c in slack.channels.values() if c.name.startswith("hot-")] == ["hot-1"]
    assert len(slack.calls_to("conversations.create")) == 1
    channel = slack.channel_by_name("hot-1")
    assert channel.topic.startswith("HOT-1 | Sev 1 | Pending")
    assert len(channel.pins) == 1
    announcements = [m for m in slack.messages_in(slack.incidents_channel_id) if "HOT-1" in m["text"]]
    assert len(announcements) == 1
    with services.sessions() as s:
        assert s.scalars(select(Incident.channel_id)).one() == channel.id
        assert len(set(s.scalars(select(SetupStep.step)))) == len(declare_setup.STEPS)
    assert declare_setup.resume(services) == []


def test_killed_after_announcing_does_not_announce_again(bot, slack, services, monkeypatch):
    _declare_until_killed(bot, slack, monkeypatch, kill_after="tell_reporter")
    before = len([m for m in slack.messages_in(slack.incidents_channel_id) if "HOT-1" in m["text"]])
    assert before == 1

    declare_setup.resume(services)

    announcements = [m for m in slack.messages_in(slack.incidents_channel_id) if "HOT-1" in m["text"]]
    assert len(announcements) == 1
    assert len(slack.channel_by_name("hot-1").pins) == 1
    assert len(slack.calls_to("conversations.create")) == 1


def test_a_failed_step_is_reported_and_finished_on_resume(bot, slack, services):
    slack.fail_next("pins.add", "internal_error", times=1)

    bot.declare("DNS flapping")

    told = slack.dm_messages("UREPORTER")[-1]["text"]
    assert "Some set-up steps failed (info)" in told
    assert slack.channel_by_name("hot-1").pins == []
    declare_setup.resume(services)
    assert len(slack.channel_by_name("hot-1").pins) == 1
    assert len([m for m in slack.messages_in(slack.channel_by_name("hot-1").id) if "HOT-1" in m["text"]]) == 1


def test_an_archived_incidents_channel_is_explained_and_the_rest_of_the_declaration_stands(bot, slack):
    slack.channels[slack.incidents_channel_id].is_archived = True

    channel = bot.declare("Queue backlog")

    assert channel.topic.startswith("HOT-1 | Sev 2 | Pending") and len(channel.pins) == 1
    told = slack.dm_messages("UREPORTER")[-1]["text"]
    assert "Some set-up steps failed (announce)" in told
    assert "is archived, so nothing was announced" in told and "INCIDENTS_CHANNEL" in told
