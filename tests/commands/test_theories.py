"""Theory and experiment timeline kinds (the handbook's Fix loop): by emoji, prefix and note,
shown in the timeline, the status card and the postmortem timeline."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import TimelineEntry
from tests.commands.test_timeline import declare_with_team, ephemerals_to, posted, react, say
from tests.support import ack_text


def test_theories_and_experiments_reach_the_timeline_status_card_and_postmortem(bot, slack, deps):
    channel = declare_with_team(bot, slack, summary="Checkout fails for EU customers")
    hunch = say(slack, channel.id, "UALICE", "The connection pool is exhausted")
    react(bot, slack, channel.id, hunch, "thought_balloon", "UBOB")
    bot.clock.advance(minutes=2)
    trial = say(slack, channel.id, "UBOB", "experiment: double the pool size on one node")
    posted(bot, trial, channel.id)
    bot.clock.advance(minutes=2)
    bot.command("note theory: a deploy at 13:45 leaked connections", user="UCAROL", channel=channel.id)
    lab = say(slack, channel.id, "UCAROL", "Restarted node 3 with tracing on")
    react(bot, slack, channel.id, lab, "test_tube", "UALICE")

    with deps.sessions() as s:
        kinds = [(e.kind, e.text) for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.occurred_at,
                                                                                      TimelineEntry.id))
                 if e.kind in ("theory", "experiment")]
    assert ("theory", "The connection pool is exhausted") in kinds
    assert ("experiment", "double the pool size on one node") in kinds
    assert ("theory", "a deploy at 13:45 leaked connections") in kinds
    assert ("experiment", "Restarted node 3 with tracing on") in kinds
    assert ":thought_balloon:" in slack.messages_in(channel.id)[-2]["text"]  # the note's echo in the channel

    bot.command("timeline", user="UREPORTER", channel=channel.id)
    shown = ephemerals_to(slack, "UREPORTER")[-1]
    assert ":thought_balloon: *Theory* <@UALICE>: The connection pool is exhausted" in shown
    assert ":test_tube: *Experiment* <@UBOB>: double the pool size on one node" in shown

    card = json.dumps(json.loads(bot.command("status", user="UREPORTER", channel=channel.id).body)["blocks"])
    assert "*Theories and experiments*" in card
    assert "*Theory* <@UCAROL>: a deploy at 13:45 leaked connections" in card

    bot.command("postmortem", user="UREPORTER", channel=channel.id)
    document = json.dumps([e["blocks"] for e in slack.ephemerals if e["text"].startswith("Postmortem of")])
    assert "Theory: The connection pool is exhausted" in document
    assert "Experiment: Restarted node 3 with tracing on" in document


def test_help_names_the_new_prefixes(bot, slack):
    answer = ack_text(bot.command("help", user="UCAROL", channel=slack.general_channel_id))
    assert "theory: or experiment:" in answer
