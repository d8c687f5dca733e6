"""A declaration killed part-way is finished by the next worker: no second channel, no second
announcement, no second pinned message (the real-process SIGKILL version is in
tests/reliability/test_declare_sigkill.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.effects import declaration
from bot.effects.worker import EffectWorker
from bot.views.ids import Callback
from storage import effects
from storage.models import Effect, Incident
from tests.support import declare_values


class Killed(BaseException):
    """Stands in for the process dying (BaseException: nothing in the bot catches it)."""


def _declare_until_killed(bot, slack, monkeypatch, *, kill_after: str) -> None:
    """Declares; the effect `kill_after` is carried out by Slack, then the process dies
    before the database records it."""
    real_complete = effects.complete

    def complete_or_die(s, effect_id, **kw):  # type: ignore[no-untyped-def]
        kind = s.get(Effect, effect_id).kind
        if kind == kill_after:
            raise Killed(kind)
        return real_complete(s, effect_id, **kw)

    bot.auto_deliver = False
    bot.command("declare Payments down", user="UREPORTER", channel=slack.general_channel_id)
    view = bot.last_view(Callback.DECLARE)
    bot.submit(view, declare_values("Payments down", severity=1), user="UREPORTER")
    monkeypatch.setattr(effects, "complete", complete_or_die)
    with pytest.raises(Killed):
        bot.effects.drain()
    monkeypatch.setattr(effects, "complete", real_complete)


def _restart(bot) -> None:
    """A new process: the dead one's claim is taken over after EFFECT_STALE_CLAIM."""
    bot.clock.advance(bot.deps.settings.effect_stale_claim + timedelta(seconds=1))
    EffectWorker(bot.deps, "restarted").drain()


def _announcements(slack):  # type: ignore[no-untyped-def]
    return [m for m in slack.messages_in(slack.incidents_channel_id) if "HOT-1" in m["text"]]


def _assert_one_of_each(bot, slack, deps) -> None:
    assert [c.name for c in slack.channels.values() if c.name.startswith("hot-")] == ["hot-1"]
    channel = slack.channel_by_name("hot-1")
    assert channel.topic.startswith("HOT-1 | Sev 1 | Pending")
    assert len(channel.pins) == 1
    infos = [m for m in slack.messages_in(channel.id) if "/incident role incident-manager me" in str(m.get("blocks"))]
    assert len(infos) == 1 and infos[0]["ts"] == channel.pins[0]
    assert len(_announcements(slack)) == 1
    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.channel_id == channel.id and incident.info_message_ts == channel.pins[0]
        assert {e.outcome for e in s.scalars(select(Effect))} == {"sent"}
    told = [m for m in slack.dm_messages("UREPORTER") if "You declared" in m["text"]]
    assert len(told) == 1


@pytest.mark.parametrize("kill_after", [declaration.CHANNEL, declaration.INFO, declaration.ANNOUNCE,
                                        declaration.TOPIC, declaration.TELL_REPORTER])
def test_killed_after_slack_did_a_step_finishes_with_one_of_each(bot, slack, deps, monkeypatch, kill_after):
    _declare_until_killed(bot, slack, monkeypatch, kill_after=kill_after)
    _restart(bot)
    _assert_one_of_each(bot, slack, deps)
    assert len(slack.calls_to("conversations.create")) == 1


def test_a_failed_step_is_retried_and_the_rest_goes_on(bot, slack, deps):
    slack.fail_next("pins.add", "internal_error", times=1)

    bot.declare("DNS flapping")

    channel = slack.channel_by_name("hot-1")
    assert channel.pins == [] and len(_announcements(slack)) == 1
    bot.clock.advance(seconds=1)
    bot.deliver()
    assert len(channel.pins) == 1
    assert len([m for m in slack.messages_in(channel.id) if "HOT-1" in m["text"]]) == 1


def test_an_archived_incidents_channel_is_explained_and_the_rest_of_the_declaration_stands(bot, slack):
    slack.channels[slack.incidents_channel_id].is_archived = True

    channel = bot.declare("Queue backlog")

    assert channel.topic.startswith("HOT-1 | Sev 2 | Pending") and len(channel.pins) == 1
    told = [m["text"] for m in slack.dm_messages("UREPORTER")]
    assert any("You declared *HOT-1*" in t for t in told)
    [warning] = [t for t in told if ":warning:" in t]
    assert "is archived, so nothing was announced" in warning and "INCIDENTS_CHANNEL" in warning


def test_a_channel_slack_refuses_is_said_to_the_reporter_once(bot, slack, deps):
    slack.fail_next("conversations.create", "restricted_action", times=1)

    bot.command("declare Payments down", user="UREPORTER", channel=slack.general_channel_id)
    bot.submit(bot.last_view(Callback.DECLARE), declare_values("Payments down"), user="UREPORTER")

    [warning] = [m["text"] for m in slack.dm_messages("UREPORTER")]
    assert "Slack refused to create its channel (restricted_action)" in warning
    with deps.sessions() as s:
        [row] = s.scalars(select(Effect)).all()[:1]
        assert (row.kind, row.outcome, row.error) == ("declare.channel", "failed", "Slack: restricted_action")
