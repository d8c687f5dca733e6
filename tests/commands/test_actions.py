"""`/incident action ...` end to end: signed commands, the fake Slack, both databases."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from storage.models import Action, TimelineEntry
from tests.support import ack_text


def join(channel, *users):
    """People who type in an incident channel are its members (ephemerals need that)."""
    channel.members.update(users)


def actions_in_db(deps):
    with deps.sessions() as s:
        return list(s.scalars(select(Action).order_by(Action.id)))


def action_events(deps):
    with deps.sessions() as s:
        return [e for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))
                if (e.data or {}).get("event") == "action"]


def test_priority_action_with_an_owner_gets_the_8_week_due_date_and_is_announced(bot, slack, deps):
    channel = bot.declare()
    now = bot.clock()

    response = bot.command("action priority detect-future Add alerting for checkout 5xx over 1% <@UALICE|alice>",
                           user="UREPORTER", channel=channel.id)

    assert response.status == 200 and ack_text(response) == ""
    [action] = actions_in_db(deps)
    assert (action.kind, action.category, action.text, action.owner_id, action.created_by) == (
        "priority", "detect-future", "Add alerting for checkout 5xx over 1%", "UALICE", "UREPORTER")
    assert action.due_at == now + timedelta(weeks=8)
    posted = slack.messages_in(channel.id)[-1]["text"]
    assert f"priority action *#{action.id}* · Detect future incidents" in posted and "Owner <@UALICE>" in posted
    assert f"{action.due_at:%Y-%m-%d} UTC" in posted
    told = slack.dm_messages("UALICE")[-1]["text"]
    assert "HOT-1" in told and "Add alerting for checkout" in told and f"/incident action done {action.id}" in told
    # Verb-first: no hint; a category and an owner were named: nothing else to say.
    assert [e for e in slack.ephemerals if e["user"] == "UREPORTER"] == []
    [entry] = action_events(deps)
    assert entry.kind == "system" and entry.actor_id == "UREPORTER"
    assert entry.data["change"] == "added" and entry.data["action_id"] == action.id
    assert entry.data["owner_id"] == "UALICE"


def test_improvement_without_owner_is_the_callers_and_due_per_setting(bot, slack, deps):
    channel = bot.declare()
    join(channel, "UBOB")
    bot.command("action improvement Document the failover runbook", user="UBOB", channel=channel.id)

    [action] = actions_in_db(deps)
    assert action.owner_id == "UBOB"
    assert action.due_at == bot.clock() + timedelta(weeks=deps.settings.improvement_action_weeks)
    told = [e["text"] for e in slack.ephemerals if e["user"] == "UBOB"]
    assert any(f"Action #{action.id} is yours" in t for t in told)
    assert slack.dm_messages("UBOB") == []


def test_priority_weeks_setting_of_4(bot, slack, deps):
    deps.settings.priority_action_weeks = 4
    channel = bot.declare()
    bot.command("action priority Fix the connection pool leak", user="UREPORTER", channel=channel.id)
    assert actions_in_db(deps)[0].due_at == bot.clock() + timedelta(weeks=4)


def test_action_not_starting_with_a_verb_is_added_with_the_handbook_hint(bot, slack, deps):
    channel = bot.declare()
    bot.command("action priority Monitoring for this scenario", user="UREPORTER", channel=channel.id)

    assert len(actions_in_db(deps)) == 1
    hint = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"][-1]
    assert "starting with a verb" in hint
    for quality in ("Actionable", "Specific", "Bounded"):
        assert f"*{quality}*" in hint


def test_refused_owner_and_input_change_nothing(bot, slack, deps):
    channel = bot.declare()

    bot_owner = bot.command("action priority Add a canary <@UOTHERBOT|otherbot>", user="UREPORTER", channel=channel.id)
    unknown = bot.command("action priority Add a canary <@UNOBODY|ghost>", user="UREPORTER", channel=channel.id)
    wrong_kind = bot.command("action urgent Add a canary", user="UREPORTER", channel=channel.id)
    bare_at = bot.command("action priority Add a canary @alice", user="UREPORTER", channel=channel.id)

    told = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"]
    assert any("is a bot" in t for t in told)
    assert any("can't find <@UNOBODY>" in t for t in told)
    assert "`urgent` is not a kind of action" in ack_text(wrong_kind)
    assert "Usage: `/incident action <priority|improvement> [category] <text> [@owner]" in ack_text(wrong_kind)
    assert "can't tell who @alice is" in ack_text(bare_at)
    assert bot_owner.status == unknown.status == 200
    assert actions_in_db(deps) == [] and action_events(deps) == []


def test_action_done_closes_it_once_and_politely_refuses_twice(bot, slack, deps):
    channel = bot.declare()
    bot.command("action priority Add a canary stage to deploys", user="UREPORTER", channel=channel.id)
    [action] = actions_in_db(deps)
    join(channel, "UALICE", "UBOB")
    bot.clock.advance(days=3)

    bot.command(f"action done {action.id}", user="UALICE", channel=channel.id)
    refused = [e["text"] for e in slack.ephemerals if e["user"] == "UALICE"][-1]
    assert refused == f"Only the action's owner <@UREPORTER> may close action #{action.id} of HOT-1."
    assert actions_in_db(deps)[0].done_at is None
    bot.command(f"action done {action.id}", user="UREPORTER", channel=channel.id)
    again = bot.command(f"action done #{action.id}", user="UREPORTER", channel=channel.id)

    [closed] = actions_in_db(deps)
    assert closed.done_at == bot.clock() and closed.done_by == "UREPORTER"
    assert f"<@UREPORTER> closed action *#{action.id}*" in slack.messages_in(channel.id)[-1]["text"]
    assert again.status == 200
    polite = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"][-1]
    assert f"Action #{action.id} is already closed by <@UREPORTER>" in polite
    assert [e.data["change"] for e in action_events(deps)] == ["added", "closed"]


def test_action_done_with_an_id_of_another_incident_is_refused(bot, slack, deps):
    first = bot.declare("First")
    second = bot.declare("Second")
    bot.command("action priority Add a canary stage to deploys", user="UREPORTER", channel=first.id)
    [action] = actions_in_db(deps)

    bot.command(f"action done {action.id}", user="UREPORTER", channel=second.id)
    bot.command("action done 999", user="UREPORTER", channel=first.id)

    told = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"]
    assert any(f"HOT-2 has no action #{action.id}" in t for t in told)
    assert any("HOT-1 has no action #999" in t for t in told)
    assert actions_in_db(deps)[0].done_at is None


def test_action_list_shows_state_owner_and_due(bot, slack, deps):
    channel = bot.declare()
    bot.command("action list", user="UREPORTER", channel=channel.id)
    empty = [e for e in slack.ephemerals if e["user"] == "UREPORTER"][-1]["text"]
    assert "HOT-1 has no actions yet" in empty

    bot.command("action priority Add a canary stage to deploys <@UALICE|alice>", user="UREPORTER", channel=channel.id)
    bot.command("action improvement Rotate the pager schedule <@UBOB|bob>", user="UREPORTER", channel=channel.id)
    bot.command("action improvement Write the failover runbook", user="UREPORTER", channel=channel.id)
    canary, pager, runbook = actions_in_db(deps)
    bot.command(f"action done {runbook.id}", user="UREPORTER", channel=channel.id)
    bot.clock.advance(weeks=9)
    join(channel, "UCAROL")

    bot.command("action", user="UCAROL", channel=channel.id)

    shown = [e for e in slack.ephemerals if e["user"] == "UCAROL"][-1]
    text = shown["text"]
    assert "2 open (1 overdue), 1 done" in text
    blocks = json.dumps(shown["blocks"])
    assert f"*#{canary.id}* :red_circle: overdue by 1w" not in blocks  # durations are days/hours, not weeks
    assert f"*#{canary.id}* :red_circle: overdue by 7d" in blocks and "owner <@UALICE>" in blocks
    assert f"*#{pager.id}* :large_blue_circle: open" in blocks and "owner <@UBOB>" in blocks
    assert f"*#{runbook.id}* :white_check_mark: done" in blocks
    assert f"{pager.due_at:%Y-%m-%d} UTC" in blocks


def test_action_outside_an_incident_channel_is_refused(bot, slack):
    response = bot.command("action priority Add a canary", user="UREPORTER", channel=slack.general_channel_id)
    assert "works in an incident channel" in ack_text(response)
