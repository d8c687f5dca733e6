"""A person archives or unarchives an incident channel (channel_archive / channel_unarchive,
group_archive / group_unarchive): the incident records it and the timeline says who; while
it is archived, what was meant for the channel stops with that reason (without asking Slack)
and the incidents-channel post and DMs of the same change still go out; unarchived, the
channel catches up and later changes post there again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.effects.errors import CHANNEL_ARCHIVED
from storage.models import Effect, Incident, TimelineEntry
from bot.views.ids import Callback
from tests.commands.test_resolve import MONDAY_NOON, resolve_values
from tests.commands.test_update import post_update


def archive(bot, slack, channel_id, *, user="UALICE", private=False, undo=False):
    slack.channels[channel_id].is_archived = not undo
    kind = ("group" if private else "channel") + ("_unarchive" if undo else "_archive")
    return bot.event({"type": kind, "channel": channel_id, "user": user, "event_ts": "1700000000.000100"})


def timeline_texts(deps):
    with deps.sessions() as s:
        return [e.text for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]


def calls_into(slack, channel_id, since):
    return [(m, a) for m, a in slack.calls[since:]
            if m in ("chat.postMessage", "chat.update", "conversations.setTopic", "bookmarks.add", "pins.add")
            and (a.get("channel") or a.get("channel_id")) == channel_id]


def test_an_archived_channel_is_recorded_and_its_effects_stop_while_the_rest_goes_out(bot, slack, deps):
    channel = bot.declare()
    archive(bot, slack, channel.id)
    archive(bot, slack, channel.id)  # redelivered: recorded once

    with deps.sessions() as s:
        assert s.scalars(select(Incident.channel_archived_at)).one() == bot.clock()
    assert [t for t in timeline_texts(deps) if "archived" in t] == ["<@UALICE> archived the channel #hot-1"]

    since = len(slack.calls)
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30), user="UREPORTER")

    # Nothing was even tried in the archived channel; the incidents channel has the update.
    assert calls_into(slack, channel.id, since) == []
    assert any("Checkout is failing" in m["text"] for m in slack.messages_in(slack.incidents_channel_id))
    with deps.sessions() as s:
        stopped = {(e.kind, e.payload.get("channel")): (e.outcome, e.error)
                   for e in s.scalars(select(Effect).where(Effect.id > 0).order_by(Effect.id))
                   if e.created_at == bot.clock() and e.kind in ("slack.post", "slack.topic", "slack.info_message")}
    assert stopped[("slack.post", "incident")] == ("failed", "Slack: is_archived")
    assert stopped[("slack.post", "incidents")] == ("sent", None)
    told = [m["text"] for m in slack.dm_messages("UREPORTER") if "archived" in m["text"]]
    assert len(told) == 1 and "Your update for HOT-1" in told[0]
    assert "did not reach the incident channel: it is archived" in told[0]
    # Stopped is stopped: a later round (a restart) tries nothing again.
    bot.clock.advance(minutes=10)
    assert bot.effects.drain()["failed"] == 0


def test_unarchived_the_channel_catches_up_and_later_changes_post_again(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare()
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    archive(bot, slack, channel.id)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UREPORTER", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UREPORTER")
    assert "Resolved" not in slack.channels[channel.id].topic
    with deps.sessions() as s:
        synced = [(e.outcome, e.error) for e in s.scalars(select(Effect).where(
            Effect.kind.in_(["slack.topic", "slack.info_message"]), Effect.created_at == bot.clock()))]
    assert synced == [("skipped", CHANNEL_ARCHIVED)] * 2  # the sync does not fight the archive
    assert any("HOT-1" in m["text"] and "resolved" in m["text"].lower()
               for m in slack.messages_in(slack.incidents_channel_id))  # the final comms went out

    since = len(slack.calls)
    archive(bot, slack, channel.id, user="UBOB", undo=True)
    assert "Resolved" in slack.channels[channel.id].topic  # the topic catches up at once
    assert [m for m, _ in calls_into(slack, channel.id, since)] == ["conversations.setTopic", "chat.update"]
    assert timeline_texts(deps)[-1] == "<@UBOB> unarchived the channel #hot-1"
    with deps.sessions() as s:
        assert s.scalars(select(Incident.channel_archived_at)).one() is None

    bot.command("reopen", user="UREPORTER", channel=channel.id)
    assert any("reopened" in m["text"] for m in slack.messages_in(channel.id))


def test_a_private_channel_archived_by_a_person_is_followed_too(bot, slack, deps):
    channel = bot.declare(private=True)
    archive(bot, slack, channel.id, user="UREPORTER", private=True)
    assert timeline_texts(deps)[-1] == "<@UREPORTER> archived the channel #hot-1"
    archive(bot, slack, channel.id, user="UREPORTER", private=True, undo=True)
    assert timeline_texts(deps)[-1] == "<@UREPORTER> unarchived the channel #hot-1"


def test_a_channel_that_is_no_incidents_is_left_alone(bot, slack, deps):
    bot.declare()
    archive(bot, slack, slack.general_channel_id)
    with deps.sessions() as s:
        assert s.scalars(select(Incident.channel_archived_at)).one() is None

