"""An incidents channel where an admin restricted posting (chat.postMessage answers
restricted_action, restricted_action_read_only_channel, restricted_action_thread_only_channel...):
the person who acted is told which channel and what to change, the rest of the change goes
out, and the refused post is stopped for good, not retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Effect
from tests.commands.test_update import post_update
from tests.support import Bot, make_deps


def _bot(slack, database_url, clock, posting):
    members = ["UBOT", "UREPORTER", "UALICE"]
    restricted = slack.create_channel("incidents-feed", members=members, posting=posting)
    deps = make_deps(slack, database_url, clock, incidents_channel=restricted)
    return Bot.build(deps, slack), restricted


def _failed(deps, kind):
    with deps.sessions() as s:
        return [(e.outcome, e.error) for e in s.scalars(select(Effect).where(Effect.kind == kind).order_by(Effect.id))]


@pytest.mark.parametrize("posting,error,reason", [
    ("read_only", "restricted_action_read_only_channel", "it is read-only (only admins may post)"),
    ("admins", "restricted_action", "a workspace setting keeps the bot from posting there"),
    ("thread_only", "restricted_action_thread_only_channel", "it takes replies in threads only"),
])
def test_a_refused_announcement_tells_the_reporter_what_to_change(slack, database_url, clock, posting, error, reason):
    bot, restricted = _bot(slack, database_url, clock, posting)
    try:
        channel = bot.declare()
        # The declaration is whole: channel, topic, pinned message; the reporter knows where it lives.
        assert slack.channels[channel.id].topic and slack.channels[channel.id].pins
        assert slack.messages_in(restricted) == []
        assert _failed(bot.deps, "declare.announce") == [("failed", f"Slack: {error}")]
        told = [m["text"] for m in slack.dm_messages("UREPORTER") if "did not reach" in m["text"]]
        assert told == [f":warning: The announcement of the incident did not reach the incidents channel "
                        f"<#{restricted}>: {reason}. A workspace admin must let the bot post there (the channel's "
                        "posting permissions), or set INCIDENTS_CHANNEL to another channel. The rest of the change "
                        "did not wait for it."]
        assert any("You declared *HOT-1*" in m["text"] for m in slack.dm_messages("UREPORTER"))
        posts = len(slack.calls_to("chat.postMessage"))
        bot.clock.advance(minutes=30)
        bot.deliver()  # a permanent error: never tried again
        assert len([c for c in slack.calls_to("chat.postMessage")[posts:] if c["channel"] == restricted]) == 0
    finally:
        bot.executor.shutdown(wait=True)
        bot.deps.sessions.kw["bind"].dispose()


def test_a_refused_update_in_the_incidents_channel_still_reaches_the_incident_channel(slack, database_url, clock):
    bot, restricted = _bot(slack, database_url, clock, "admins")
    try:
        channel = bot.declare()
        post_update(bot, channel.id, bot.clock() + timedelta(minutes=30), user="UREPORTER")
        assert any("Checkout is failing" in m["text"] for m in slack.messages_in(channel.id))
        told = [m["text"] for m in slack.dm_messages("UREPORTER") if "Your update for" in m["text"]]
        assert len(told) == 1 and f"did not reach the incidents channel <#{restricted}>" in told[0]
        assert "INCIDENTS_CHANNEL" in told[0]
        assert ("failed", "Slack: restricted_action") in _failed(bot.deps, "slack.post")
    finally:
        bot.executor.shutdown(wait=True)
        bot.deps.sessions.kw["bind"].dispose()
