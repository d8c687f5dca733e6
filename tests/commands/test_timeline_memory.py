"""Messages remembered: a reaction on a message the bot has seen costs no Slack read; an unknown
message is read once (limit 2, one call for a thread reply); a rate-limited read is retried;
a restart catches up on what was said and reacted while the bot was down, each once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.effects.worker import EffectWorker
from bot.flows.catch_up import Reconnects, catch_up
from storage import messages
from storage.models import ChannelMessage
from tests.commands.test_timeline import declare_with_team, delete, edit, people_entries, posted, react, say

READS = ("conversations.replies", "conversations.history", "reactions.get")


def reads(slack) -> list[tuple[str, dict]]:
    return [(method, args) for method, args in slack.calls if method in READS]


def stored(deps, channel: str, ts: str) -> ChannelMessage | None:
    with deps.sessions() as s:
        return messages.get(s, channel, ts)


def test_a_reaction_on_a_seen_message_makes_no_read(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    parent = say(slack, channel.id, "UALICE", "Error rate on payments-api is 40%")
    reply = say(slack, channel.id, "UBOB", "Rolled back deploy 42", thread_ts=parent["ts"])
    for message in (parent, reply):
        posted(bot, message, channel.id)
    slack.reset_calls()

    react(bot, slack, channel.id, parent, "mag", "UCAROL")
    react(bot, slack, channel.id, reply, "hammer_and_wrench", "UCAROL")

    assert reads(slack) == []
    # The acknowledgements only (and auth.test once per process, for the workspace's permalinks).
    assert [m for m, _ in slack.calls if m != "auth.test"] == ["reactions.add", "reactions.add"]
    assert len(slack.calls_to("auth.test")) <= 1
    entries = people_entries(deps)
    assert [(e.kind, e.actor_id, e.text) for e in entries] == [
        ("observation", "UALICE", "Error rate on payments-api is 40%"), ("change", "UBOB", "Rolled back deploy 42")]
    assert entries[1].thread_ts == parent["ts"] and f"thread_ts={parent['ts']}" in entries[1].permalink


def test_messages_edits_deletions_and_files_are_remembered(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Error rate is 40%")
    posted(bot, message, channel.id)
    edit(bot, slack, channel.id, message, "Error rate is 60%")
    shared = {"type": "message", "subtype": "file_share", "channel": channel.id, "user": "UBOB", "text": "graph",
              "files": [{"id": "F1", "name": "p99.png", "title": "p99 latency"}], "ts": "1700000100.000100",
              "event_ts": "1700000100.000100"}
    bot.event(shared)
    gone = say(slack, channel.id, "UCAROL", "wrong channel, sorry")
    posted(bot, gone, channel.id)
    delete(bot, slack, channel.id, gone)

    edited = stored(deps, channel.id, message["ts"])
    assert (edited.user_id, edited.text, edited.thread_ts) == ("UALICE", "Error rate is 60%", None)
    assert edited.edited_at is not None
    assert stored(deps, channel.id, shared["ts"]).files == ["p99 latency"]
    assert stored(deps, channel.id, gone["ts"]).deleted_at == bot.clock()
    slack.reset_calls()
    react(bot, slack, channel.id, message, "mag", "UBOB")
    react(bot, slack, channel.id, {"ts": shared["ts"], "user": "UBOB"}, "mag", "UCAROL", add=False)
    assert reads(slack) == []
    assert [e.text for e in people_entries(deps)] == ["graph [files: p99 latency]", "Error rate is 60%"]


def test_messages_outside_incident_channels_are_not_kept(bot, slack, deps):
    bot.declare()
    posted(bot, say(slack, slack.general_channel_id, "UALICE", "lunch?"), slack.general_channel_id)
    with deps.sessions() as s:
        assert s.scalars(select(ChannelMessage.channel_id)).all() == []


def test_an_unknown_thread_reply_is_read_with_one_call_of_limit_2(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    parent = say(slack, channel.id, "UALICE", "Deploy 42 went out at 09:58")
    reply = say(slack, channel.id, "UBOB", "Rolled back deploy 42", thread_ts=parent["ts"])
    slack.reset_calls()

    react(bot, slack, channel.id, reply, "hammer_and_wrench", "UCAROL")
    react(bot, slack, channel.id, reply, "mag", "UCAROL")  # now known: no second read

    [(method, args)] = reads(slack)
    assert method == "conversations.replies"
    assert (args["ts"], args["oldest"], args["latest"], args["limit"]) == (reply["ts"], reply["ts"], reply["ts"], "2")
    assert [(e.kind, e.text, e.thread_ts) for e in people_entries(deps)] == [
        ("change", "Rolled back deploy 42", parent["ts"]), ("observation", "Rolled back deploy 42", parent["ts"])]


def test_a_rate_limited_read_is_retried_not_dropped(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Checkout works again from the EU")
    slack.rate_limit_next("conversations.replies", retry_after=30, times=2)

    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")
    assert len(slack.calls_to("conversations.replies")) == 1 and people_entries(deps) == []

    # The read waits out Retry-After in the database, not in a thread: a worker that was not
    # running when the 429 came (a restart) takes it up when it is due.
    bot.clock.advance(seconds=29)
    assert EffectWorker(deps, "restarted").drain()["sent"] == 0
    for _ in range(2):
        bot.clock.advance(seconds=30)
        EffectWorker(deps, "restarted").drain()
    assert len(slack.calls_to("conversations.replies")) == 3  # two 429s, then the answer
    assert [(e.kind, e.text) for e in people_entries(deps)] == [("decision", "Checkout works again from the EU")]
    assert len(slack.calls_to("reactions.add")) == 1


def _while_down(slack, channel):
    """What people do while the bot hears nothing: messages, a thread, reactions, an edit."""
    first = say(slack, channel.id, "UALICE", "DB primary is at 100% CPU")
    prefixed = say(slack, channel.id, "UBOB", "decision: fail over to the replica")
    reply = say(slack, channel.id, "UCAROL", "change: failover started", thread_ts=first["ts"])
    with slack.lock:
        first["reactions"] = [{"name": "mag", "users": ["UBOB", "UCAROL"], "count": 2}]
        reply["reactions"] = [{"name": "mag", "users": ["UALICE"], "count": 1}]
    return first, prefixed, reply


def test_a_restart_records_what_happened_while_down_each_once(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    seen = say(slack, channel.id, "UALICE", "before the outage")
    posted(bot, seen, channel.id)
    first, prefixed, reply = _while_down(slack, channel)
    slack.reset_calls()

    assert catch_up(deps) == 4
    bot.drain()

    assert sorted((e.kind, e.actor_id, e.text) for e in people_entries(deps)) == [
        ("change", "UCAROL", "failover started"),
        ("decision", "UBOB", "fail over to the replica"),
        ("observation", "UALICE", "DB primary is at 100% CPU"),
        ("observation", "UCAROL", "change: failover started"),
    ]
    [history] = slack.calls_to("conversations.history")
    assert history["oldest"] == seen["ts"] and history["limit"] == "200"
    [thread] = slack.calls_to("conversations.replies")
    assert thread["ts"] == first["ts"] and thread["oldest"] == seen["ts"]
    assert len(slack.calls_to("reactions.add")) == 4
    reacted = next(e for e in people_entries(deps) if e.message_ts == first["ts"])
    assert reacted.data == {"reacted_by": "UBOB", "emoji": "mag"}

    # Two more restarts: nothing is recorded or acknowledged twice.
    slack.reset_calls()
    assert catch_up(deps) == 0
    assert catch_up(deps, heard_until=datetime.now(timezone.utc) + timedelta(seconds=5)) == 0
    bot.drain()
    assert len(people_entries(deps)) == 4
    assert slack.calls_to("reactions.add") == []


def test_catch_up_pages_through_a_long_gap_and_waits_out_a_429(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    for n in range(450):
        say(slack, channel.id, "UALICE", f"observation: reading {n}")
    slack.rate_limit_next("conversations.history", retry_after=20)
    # The 450 acknowledgement reactions would take 9 minutes at reactions.add's Tier 3
    # (50 a minute, on by default in the fake); this test is about paging history.
    slack.enforce_tiers({"reactions.add": 1000})

    assert catch_up(deps) == 450
    bot.drain()

    pages = slack.calls_to("conversations.history")
    assert len(pages) == 4  # one 429, then 200 + 200 + 50
    assert [p.get("cursor") for p in pages[1:]] == [None, "200", "400"]
    assert len(people_entries(deps)) == 450


def test_a_socket_mode_reconnect_starts_a_catch_up(bot, slack, deps, monkeypatch):
    started = []
    monkeypatch.setattr("bot.flows.catch_up.start_catch_up", lambda sv, heard_until: started.append(heard_until))
    watch = Reconnects(deps)

    watch.on_message('{"type": "hello", "num_connections": 1}')
    watch.on_message('{"type": "events_api", "envelope_id": "1", "payload": {}}')
    heard = watch.last_heard
    assert started == []
    watch.on_message('{"type": "hello", "num_connections": 1}')
    assert started == [heard]


FILE_PING = "<!channel> p99 <https://evil.example|docs>"


def _file_message(slack, channel, text, title, ts="1700000200.000100"):
    message = {"type": "message", "subtype": "file_share", "channel": channel, "user": "UBOB", "text": text,
               "files": [{"id": "F9", "name": "p99.png", "title": title, "mimetype": "image/png"}], "ts": ts,
               "event_ts": ts, "channel_type": "channel", "team": "T0001"}
    with slack.lock:
        slack.channels[channel].messages.append({k: v for k, v in message.items() if k != "event_ts"})
    return message


def test_a_prefixed_message_with_a_file_names_the_file_escaped_when_shown(bot, slack, deps):
    from tests.commands.test_inert_text import LIVE, everything_slack_got

    channel = declare_with_team(bot, slack)
    shared = _file_message(slack, channel.id, "decision: roll back, see the graph", FILE_PING)
    bot.event(shared)
    [entry] = people_entries(deps)
    assert (entry.kind, entry.text, entry.actor_id) == (
        "decision", "roll back, see the graph [files: &lt;!channel&gt; p99 &lt;https://evil.example|docs&gt;]", "UBOB")
    assert len(slack.calls_to("reactions.add")) == 1  # acknowledged as on the timeline

    # Edited, it keeps naming its file.
    edited = dict(shared, text="decision: roll back now, see the graph", edited={"user": "UBOB", "ts": "1700000300.0"})
    bot.event({"type": "message", "subtype": "message_changed", "channel": channel.id, "hidden": True,
               "message": {k: v for k, v in edited.items() if k not in ("channel", "event_ts")},
               "previous_message": {k: v for k, v in shared.items() if k not in ("channel", "event_ts")},
               "event_ts": "1700000300.000000", "ts": "1700000300.000000", "channel_type": "channel"})
    assert [e.text for e in people_entries(deps)] == [
        "roll back now, see the graph [files: &lt;!channel&gt; p99 &lt;https://evil.example|docs&gt;]"]

    bot.command("timeline", user="UALICE", channel=channel.id)
    shown = [t for t in everything_slack_got(slack) if "roll back now" in t]
    assert shown and all("&lt;!channel&gt; p99" in t for t in shown)
    live = [t for t in everything_slack_got(slack) if LIVE.search(t)]
    assert not live, live[0][:2000]


def test_a_timeline_reaction_on_a_file_message_names_the_file(bot, slack, deps):
    from tests.commands.test_inert_text import everything_slack_got

    channel = declare_with_team(bot, slack)
    shared = _file_message(slack, channel.id, "", "<!here> heap dump")
    bot.event(shared)
    assert people_entries(deps) == []  # no prefix: remembered only
    react(bot, slack, channel.id, slack.channels[channel.id].messages[-1], "mag", "UCAROL")
    [entry] = people_entries(deps)
    assert (entry.kind, entry.text) == ("observation", "[files: &lt;!here&gt; heap dump]")
    bot.command("timeline", user="UALICE", channel=channel.id)
    assert any("[files: &lt;!here&gt; heap dump]" in t for t in everything_slack_got(slack))
    assert reads(slack) == []
