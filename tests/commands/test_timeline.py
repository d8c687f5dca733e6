"""The timeline end to end: signed Events API requests and `/incident` commands into the real
Bolt app, a fake Slack, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.timeline import ts_to_datetime
from storage import timeline
from storage.models import Incident, ProcessedEvent, TimelineEntry


# -- helpers: what people do in Slack, and the events Slack sends for it -------------------
def say(slack, channel: str, user: str, text: str, thread_ts: str | None = None) -> dict:
    return slack.post_user_message(channel, user, text, thread_ts=thread_ts)


def react(bot, slack, channel: str, message: dict, emoji: str, user: str, *, event_id: str | None = None,
          retry_num: int | None = None, add: bool = True):
    """`user` adds `emoji` to the message in the fake, then Slack's reaction_added event arrives."""
    if add:
        with slack.lock:
            reactions = message.setdefault("reactions", [])
            found = next((r for r in reactions if r["name"] == emoji), None)
            if found is None:
                reactions.append({"name": emoji, "users": [user], "count": 1})
            elif user not in found["users"]:
                found["users"].append(user)
                found["count"] += 1
    event = {"type": "reaction_added", "user": user, "reaction": emoji, "item_user": message["user"],
             "item": {"type": "message", "channel": channel, "ts": message["ts"]}, "event_ts": message["ts"]}
    return bot.event(event, event_id=event_id, retry_num=retry_num)


def unreact(bot, slack, channel: str, message: dict, emoji: str, user: str):
    with slack.lock:
        for r in list(message.get("reactions", [])):
            if r["name"] == emoji and user in r["users"]:
                r["users"].remove(user)
                r["count"] -= 1
                if not r["count"]:
                    message["reactions"].remove(r)
    return bot.event({"type": "reaction_removed", "user": user, "reaction": emoji, "item_user": message["user"],
                      "item": {"type": "message", "channel": channel, "ts": message["ts"]},
                      "event_ts": message["ts"]})


def posted(bot, message: dict, channel: str):
    """Slack's `message` event for a message a person wrote."""
    event = {"type": "message", "channel": channel, "user": message["user"], "text": message["text"],
             "ts": message["ts"], "event_ts": message["ts"], "channel_type": "channel", "team": "T0001"}
    if message.get("thread_ts"):
        event["thread_ts"] = message["thread_ts"]
    return bot.event(event)


def edit(bot, slack, channel: str, message: dict, text: str):
    previous = dict(message)
    with slack.lock:
        message["text"] = text
        message["edited"] = {"user": message["user"], "ts": f"{float(message['ts']) + 60:.6f}"}
    return bot.event({"type": "message", "subtype": "message_changed", "channel": channel, "hidden": True,
                      "message": {k: v for k, v in message.items() if k != "channel"},
                      "previous_message": {k: v for k, v in previous.items() if k != "channel"},
                      "event_ts": message["ts"], "ts": message["ts"], "channel_type": "channel"})


def delete(bot, slack, channel: str, message: dict):
    with slack.lock:
        slack.channels[channel].messages.remove(message)
    return bot.event({"type": "message", "subtype": "message_deleted", "channel": channel, "hidden": True,
                      "deleted_ts": message["ts"], "previous_message": {k: v for k, v in message.items()
                                                                        if k != "channel"},
                      "event_ts": message["ts"], "ts": message["ts"], "channel_type": "channel"})


def rows(deps, *, include_deleted: bool = False) -> list[TimelineEntry]:
    with deps.sessions() as s:
        incident_id = s.scalars(select(Incident.id).order_by(Incident.id.desc())).first()
        return timeline.entries(s, incident_id, include_deleted=include_deleted)


def people_entries(deps, **kw) -> list[TimelineEntry]:
    return [e for e in rows(deps, **kw) if e.kind != "system"]


def declare_with_team(bot, slack, **kw):
    """An incident whose channel Alice, Bob and Carol have joined (ephemerals reach members only)."""
    channel = bot.declare(**kw)
    with slack.lock:
        channel.members.update({"UALICE", "UBOB", "UCAROL"})
    return channel


def ephemerals_to(slack, user: str) -> list[str]:
    return [e["text"] for e in slack.ephemerals if e["user"] == user]


# -- 1. reactions put a message on the timeline --------------------------------------------
def test_reacted_top_level_message_goes_on_the_timeline_at_its_own_time(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Error rate on payments-api is 40%")
    bot.clock.advance(minutes=7)

    react(bot, slack, channel.id, message, "mag", "UBOB")

    [entry] = people_entries(deps)
    assert (entry.kind, entry.actor_id, entry.text) == ("observation", "UALICE", "Error rate on payments-api is 40%")
    assert entry.occurred_at == ts_to_datetime(message["ts"])
    assert entry.recorded_at == bot.clock()
    assert entry.permalink.endswith(f"/archives/{channel.id}/p{message['ts'].replace('.', '')}")
    assert entry.data == {"reacted_by": "UBOB", "emoji": "mag"}
    # the bot acknowledges with its own reaction
    acked = next(m for m in slack.messages_in(channel.id) if m["ts"] == message["ts"])
    assert {"name": "white_check_mark", "users": ["UBOT"], "count": 1} in acked["reactions"]
    # top-level or reply alike, fetched with conversations.replies windowed on the message
    [fetch] = slack.calls_to("conversations.replies")
    assert (fetch["ts"], fetch["latest"], fetch["oldest"]) == (message["ts"],) * 3
    assert slack.calls_to("conversations.history") == []


def test_reacted_thread_reply_goes_on_the_timeline(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    parent = say(slack, channel.id, "UALICE", "Deploy 42 went out at 09:58")
    reply = say(slack, channel.id, "UBOB", "Rolled back deploy 42", thread_ts=parent["ts"])

    react(bot, slack, channel.id, reply, "hammer_and_wrench", "UCAROL")

    [entry] = people_entries(deps)
    assert (entry.kind, entry.actor_id, entry.text) == ("change", "UBOB", "Rolled back deploy 42")
    assert entry.message_ts == reply["ts"] and entry.thread_ts == parent["ts"]
    assert f"thread_ts={parent['ts']}" in entry.permalink


def test_each_default_emoji_sets_its_kind_and_a_team_emoji_can_be_added(bot, slack, deps):
    deps.team = type(deps.team)(timeline_emoji={"eyes": "observation", "pushpin": ""})
    channel = declare_with_team(bot, slack)
    messages = {emoji: say(slack, channel.id, "UALICE", f"message for {emoji}")
                for emoji in ("eyes", "hammer_and_wrench", "ballot_box_with_check", "pushpin", "thumbsup")}
    for emoji, message in messages.items():
        react(bot, slack, channel.id, message, emoji, "UBOB")

    assert [(e.kind, e.text) for e in people_entries(deps)] == [
        ("observation", "message for eyes"),
        ("change", "message for hammer_and_wrench"),
        ("decision", "message for ballot_box_with_check"),
    ]


def test_the_acknowledgement_reaction_can_be_turned_off(bot, slack, deps):
    deps.settings.timeline_ack_reaction = ""
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Latency is back to normal")

    react(bot, slack, channel.id, message, "pushpin", "UALICE")

    assert [e.kind for e in people_entries(deps)] == ["note"]
    assert slack.calls_to("reactions.add") == []


# -- 2. exactly once ---------------------------------------------------------------------------
def test_a_redelivered_event_is_recorded_once_without_a_second_fetch(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Decided: fail over to eu-west-2")

    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB", event_id="Ev0001")
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB", event_id="Ev0001", retry_num=1, add=False)
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB", event_id="Ev0001", retry_num=2, add=False)

    assert len(people_entries(deps)) == 1
    assert len(slack.calls_to("conversations.replies")) == 1
    assert len(slack.calls_to("reactions.add")) == 1
    with deps.sessions() as s:
        assert s.scalars(select(ProcessedEvent.key)).all() == ["event:Ev0001"]


def test_a_redelivery_after_the_emoji_was_taken_back_does_not_put_it_back(bot, slack, deps):
    # Slack may redeliver an event minutes later; by then the person removed the emoji. The
    # first delivery skips the processed-event lookup, so only the redelivery may consult it.
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Decided: fail over to eu-west-2")
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB", event_id="Ev0002")
    unreact(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")
    assert people_entries(deps) == []

    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB", event_id="Ev0002", retry_num=1, add=False)

    assert people_entries(deps) == []
    assert len(slack.calls_to("reactions.add")) == 1


def test_several_people_reacting_record_one_entry(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Checkout works again from the EU")

    for user in ("UALICE", "UBOB", "UCAROL"):
        react(bot, slack, channel.id, message, "mag", user)

    assert [(e.kind, e.actor_id) for e in people_entries(deps)] == [("observation", "UALICE")]


def test_the_same_message_can_be_an_observation_and_a_decision(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Cache hit rate is 2%, we flush it")

    react(bot, slack, channel.id, message, "mag", "UBOB")
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")

    assert sorted(e.kind for e in people_entries(deps)) == ["decision", "observation"]


def test_removing_the_last_reaction_removes_the_entry(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Roll back deploy 42")
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")
    react(bot, slack, channel.id, message, "ballot_box_with_check", "UCAROL")

    unreact(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")
    assert [e.kind for e in people_entries(deps)] == ["decision"]  # Carol still reacts

    unreact(bot, slack, channel.id, message, "ballot_box_with_check", "UCAROL")
    assert people_entries(deps) == []
    # the bot takes its acknowledgement back too
    assert not next(m for m in slack.messages_in(channel.id) if m["ts"] == message["ts"]).get("reactions")

    react(bot, slack, channel.id, message, "ballot_box_with_check", "UBOB")
    assert [e.kind for e in people_entries(deps)] == ["decision"]


def test_editing_a_reacted_message_updates_the_entry(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Error rate is 40%")
    react(bot, slack, channel.id, message, "mag", "UBOB")

    edit(bot, slack, channel.id, message, "Error rate is 60% and rising")

    [entry] = people_entries(deps)
    assert entry.text == "Error rate is 60% and rising"
    assert entry.edited_at == ts_to_datetime(message["edited"]["ts"])


def test_deleting_a_message_takes_it_off_the_timeline(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "The password is hunter2")
    react(bot, slack, channel.id, message, "pushpin", "UALICE")

    delete(bot, slack, channel.id, message)

    assert people_entries(deps) == []
    [kept] = people_entries(deps, include_deleted=True)
    assert kept.deleted_at == bot.clock()
    bot.command("timeline", user="UBOB", channel=channel.id)
    assert "hunter2" not in "\n".join(ephemerals_to(slack, "UBOB"))


# -- 3. notes by command and by prefix ---------------------------------------------------------
def test_note_command_records_now_by_its_author_and_shows_it_in_the_channel(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    bot.clock.advance(minutes=12)

    response = bot.command("note Paged the database on-call", user="UALICE", channel=channel.id)

    assert response.status == 200
    shown = slack.messages_in(channel.id)[-1]
    assert shown["text"] == ":pushpin: *Note* from <@UALICE>: Paged the database on-call"
    [entry] = people_entries(deps)
    assert (entry.kind, entry.actor_id, entry.text, entry.source) == ("note", "UALICE", "Paged the database on-call",
                                                                      "command")
    assert entry.occurred_at == bot.clock() and entry.message_ts == shown["ts"]


def test_note_command_prefix_sets_the_kind(bot, slack, deps):
    channel = declare_with_team(bot, slack)

    bot.command("note Decision: fail over to eu-west-2", user="UBOB", channel=channel.id)

    [entry] = people_entries(deps)
    assert (entry.kind, entry.text) == ("decision", "fail over to eu-west-2")
    assert slack.messages_in(channel.id)[-1]["text"].startswith(":ballot_box_with_check: *Decision* from <@UBOB>")


def test_empty_note_is_refused_and_nothing_is_recorded(bot, slack, deps):
    from tests.support import ack_text

    channel = declare_with_team(bot, slack)
    response = bot.command("note   ", user="UBOB", channel=channel.id)

    assert "Write what to note" in ack_text(response) and "Usage: `/incident note <text>`" in ack_text(response)
    assert people_entries(deps) == []


def test_note_outside_an_incident_channel_is_refused(bot, slack, deps):
    from tests.support import ack_text

    bot.declare()
    response = bot.command("note hello", user="UBOB", channel=slack.general_channel_id)

    assert "works in an incident channel" in ack_text(response)
    assert people_entries(deps) == []


def test_prefixed_channel_messages_are_recorded_without_a_command(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    observation = say(slack, channel.id, "UALICE", "OBSERVATION: p99 latency 4s")
    ordinary = say(slack, channel.id, "UBOB", "anyone looking at the dashboards?")
    parent = say(slack, channel.id, "UCAROL", "thread for the rollback")
    decision = say(slack, channel.id, "UBOB", "decision:  roll back", thread_ts=parent["ts"])
    for message in (observation, ordinary, decision):
        posted(bot, message, channel.id)
    posted(bot, observation, channel.id)  # Socket Mode redelivery

    entries = people_entries(deps)
    assert [(e.kind, e.actor_id, e.text, e.source) for e in entries] == [
        ("observation", "UALICE", "p99 latency 4s", "message"),
        ("decision", "UBOB", "roll back", "message"),
    ]
    assert entries[0].occurred_at == ts_to_datetime(observation["ts"])
    assert entries[1].thread_ts == parent["ts"]
    # a reaction with the same meaning does not add a second entry
    react(bot, slack, channel.id, observation, "mag", "UBOB")
    assert len(people_entries(deps)) == 2


def test_editing_a_prefixed_message_updates_it_and_removing_an_emoji_keeps_it(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "change: restarted 2 pods")
    posted(bot, message, channel.id)
    react(bot, slack, channel.id, message, "hammer_and_wrench", "UBOB")
    unreact(bot, slack, channel.id, message, "hammer_and_wrench", "UBOB")

    edit(bot, slack, channel.id, message, "change: restarted 3 pods")

    [entry] = people_entries(deps)
    assert (entry.kind, entry.text) == ("change", "restarted 3 pods")
    assert entry.edited_at is not None


def test_messages_from_bots_and_other_subtypes_are_ignored(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    bot.event({"type": "message", "channel": channel.id, "bot_id": "B0002", "user": "UOTHERBOT",
               "text": "decision: page everyone", "ts": "1700000000.000100", "event_ts": "1700000000.000100"})
    bot.event({"type": "message", "subtype": "channel_join", "channel": channel.id, "user": "UBOB",
               "text": "change: <@UBOB> has joined", "ts": "1700000000.000200", "event_ts": "1700000000.000200"})

    assert people_entries(deps) == []


# -- 4. system entries and 5. /incident timeline -----------------------------------------------
def test_timeline_lists_system_entries_notes_and_reactions_in_order(bot, slack, deps):
    channel = declare_with_team(bot, slack, summary="Checkout fails for EU customers")
    first = say(slack, channel.id, "UALICE", "Error rate 40% on payments-api")
    bot.clock.advance(minutes=3)
    bot.command("note change: scaled payments-api to 12 pods", user="UBOB", channel=channel.id)
    react(bot, slack, channel.id, first, "mag", "UCAROL")
    with deps.sessions.begin() as s:  # what other capabilities record, e.g. a severity change
        incident_id = s.scalars(select(Incident.id)).one()
        timeline.record(s, incident_id=incident_id, kind="system", text="Severity 2 -> 1", actor_id="UALICE",
                        occurred_at=bot.clock() + timedelta(minutes=1), recorded_at=bot.clock(),
                        data={"event": "severity"})

    bot.command("timeline", user="UREPORTER", channel=channel.id)

    [shown] = ephemerals_to(slack, "UREPORTER")
    lines = shown.splitlines()
    assert lines[0] == "*Timeline of HOT-1*"
    assert "*System* <@UREPORTER>: HOT-1 declared by <@UREPORTER> as Sev 2" in lines[1]
    assert "*Observation* <@UALICE>: Error rate 40% on payments-api" in lines[2]
    assert "*Change* <@UBOB>: scaled payments-api to 12 pods" in lines[3]
    assert "*System* <@UALICE>: Severity 2 -&gt; 1" in lines[4]
    assert len(lines) == 5
    moment = ts_to_datetime(first["ts"])
    assert f"{moment:%Y-%m-%d %H:%M} UTC (<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|" in lines[2]
    assert slack.messages_in(channel.id)[-1]["text"].startswith(":hammer_and_wrench:")  # nothing else posted


def test_a_long_timeline_is_split_across_messages_with_nothing_cut_off(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    with deps.sessions.begin() as s:
        incident_id = s.scalars(select(Incident.id)).one()
        for n in range(60):
            timeline.record(s, incident_id=incident_id, kind="note", text=f"entry {n:03d} " + "x" * 150,
                            actor_id="UALICE", occurred_at=bot.clock() + timedelta(seconds=n), recorded_at=bot.clock())

    bot.command("timeline", user="UBOB", channel=channel.id)

    shown = ephemerals_to(slack, "UBOB")
    assert 2 <= len(shown) <= 5
    assert all(len(text) < 4000 for text in shown)
    assert shown[0].startswith(f"*Timeline of HOT-1* (1/{len(shown)})")
    everything = "\n".join(shown)
    positions = [everything.index(f"entry {n:03d} " + "x" * 150) for n in range(60)]
    assert positions == sorted(positions)


def test_a_very_long_timeline_is_uploaded_as_a_markdown_file(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    with deps.sessions.begin() as s:
        incident_id = s.scalars(select(Incident.id)).one()
        for n in range(400):
            timeline.record(s, incident_id=incident_id, kind="decision", text=f"step {n:03d} by <@UBOB>",
                            actor_id="UALICE", occurred_at=bot.clock() + timedelta(seconds=n), recorded_at=bot.clock())

    bot.command("timeline", user="UCAROL", channel=channel.id)

    [upload] = slack.files
    assert upload["channel_id"] == channel.id and upload["filename"] == "hot-1-timeline.md"
    document = upload["content"].decode()
    assert document.startswith("# Timeline of HOT-1: Checkout fails for EU customers")
    assert "Decision @alice: step 399 by @bob" in document
    assert document.count("\n- **") == 401  # the declaration and all 400 steps
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert ephemerals_to(slack, "UCAROL") == [
        "The timeline of HOT-1 has 401 entries, too long to show here: I shared it in this channel as a Markdown file."]


# -- 6. other channels, unreadable messages ---------------------------------------------------
def test_reactions_and_messages_outside_incident_channels_make_no_slack_call(bot, slack, deps):
    bot.declare()
    message = say(slack, slack.general_channel_id, "UALICE", "decision: lunch at noon")
    slack.reset_calls()

    react(bot, slack, slack.general_channel_id, message, "ballot_box_with_check", "UBOB")
    posted(bot, message, slack.general_channel_id)
    edit(bot, slack, slack.general_channel_id, message, "decision: lunch at one")
    unreact(bot, slack, slack.general_channel_id, message, "ballot_box_with_check", "UBOB")

    assert slack.calls == []
    assert people_entries(deps) == []


def test_a_deleted_message_gets_a_notice_not_a_crash(bot, slack, deps, caplog):
    channel = declare_with_team(bot, slack)
    ghost = {"ts": "1700000000.000100", "user": "UALICE"}

    react(bot, slack, channel.id, ghost, "mag", "UBOB", add=False)

    assert people_entries(deps) == []
    [notice] = ephemerals_to(slack, "UBOB")
    assert "not on the timeline" in notice and "thread_not_found" in notice
    assert any("cannot read message 1700000000.000100" in r.getMessage() for r in caplog.records)


def test_a_missing_history_scope_is_explained_to_the_person_who_reacted(bot, slack, deps):
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Error rate is 40%")
    slack.fail_next("conversations.replies", "missing_scope")

    react(bot, slack, channel.id, message, "mag", "UBOB")

    assert people_entries(deps) == []
    [notice] = ephemerals_to(slack, "UBOB")
    assert "channels:history" in notice and "missing_scope" in notice
    # once the scope is there, reacting again works
    unreact(bot, slack, channel.id, message, "mag", "UBOB")
    react(bot, slack, channel.id, message, "mag", "UBOB")
    assert [e.kind for e in people_entries(deps)] == ["observation"]
