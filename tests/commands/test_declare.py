"""`/incident declare` end to end: signed requests into the real Bolt app, a fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.views.ids import Callback
from storage.models import Effect, Incident, TimelineEntry
from tests.support import ack_text, declare_values


def test_declare_opens_a_modal_prefilled_with_the_summary(bot, slack):
    response = bot.command("declare Checkout is down", user="UREPORTER", channel=slack.general_channel_id)

    assert response.status == 200
    view = bot.last_view(Callback.DECLARE)
    summary = view["blocks"][0]
    assert summary["label"]["text"] == "What's the emergency?"
    assert summary["element"]["initial_value"] == "Checkout is down"
    assert view["blocks"][1]["label"]["text"].startswith("What's the impact on customers?")
    severities = [o["value"] for o in view["blocks"][2]["element"]["options"]]
    assert severities == ["1", "2", "3"]
    assert "Unknown" in [o["value"] for o in view["blocks"][3]["element"]["options"]]


def test_submitting_the_modal_creates_the_incident_channel_topic_pin_and_announcement(bot, slack, deps):
    channel = bot.declare("Checkout fails for EU customers", severity=2)

    assert channel.name == "hot-1"
    assert "UREPORTER" in channel.members
    assert channel.topic == "HOT-1 | Sev 2 | Pending | IM: unassigned | Checkout fails for EU customers"
    assert len(channel.pins) == 1
    pinned = next(m for m in slack.messages_in(channel.id) if m["ts"] == channel.pins[0])
    pinned_text = json.dumps(pinned["blocks"])
    assert "HOT-1: Checkout fails for EU customers" in pinned_text
    assert "EU customers cannot pay" in pinned_text
    assert "/incident role incident-manager me" in pinned_text
    announcement = slack.messages_in(slack.incidents_channel_id)[-1]
    assert announcement["text"].endswith("HOT-1 - Sev 2 - Checkout fails for EU customers")
    assert f"<#{channel.id}>" in json.dumps(announcement["blocks"])
    told = slack.dm_messages("UREPORTER")[-1]["text"]
    assert "HOT-1" in told and f"<#{channel.id}>" in told

    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert (incident.key, incident.status, incident.severity) == ("HOT-1", "Pending", 2)
        assert incident.channel_id == channel.id and incident.reporter_id == "UREPORTER"
        assert incident.declared_at.tzinfo is not None
        assert incident.next_update_due == incident.declared_at + deps.settings.initial_comms_deadline
        done = {(e.kind, e.outcome) for e in s.scalars(select(Effect).where(Effect.incident_id == incident.id))}
        assert done == {(kind, "sent") for kind in ("declare.channel", "declare.invite", "slack.topic", "declare.info",
                                                    "declare.bookmarks", "declare.announce", "declare.tell_reporter")}
        entries = list(s.scalars(select(TimelineEntry)))
        assert [e.data["event"] for e in entries] == ["declared"]
        assert entries[0].actor_id == "UREPORTER"


def test_keys_are_consecutive(bot, slack):
    first = bot.declare("First")
    second = bot.declare("Second")
    assert (first.name, second.name) == ("hot-1", "hot-2")


def test_empty_or_over_long_summary_is_refused_inline_and_creates_nothing(bot, slack, deps):
    bot.command("declare", user="UREPORTER", channel=slack.general_channel_id)
    view = bot.last_view(Callback.DECLARE)

    empty = bot.submit(view, declare_values("   "), user="UREPORTER")
    too_long = bot.submit(view, declare_values("x" * 151), user="UREPORTER")
    no_severity = bot.submit(view, declare_values("Fine summary", severity=None), user="UREPORTER")

    assert json.loads(empty.body)["errors"]["summary"].startswith("Say in a few words")
    assert "150 characters" in json.loads(too_long.body)["errors"]["summary"]
    assert "Choose a severity" in json.loads(no_severity.body)["errors"]["severity"]
    with deps.sessions() as s:
        assert s.scalars(select(Incident)).all() == []
    assert slack.calls_to("conversations.create") == []


def test_name_taken_uses_the_next_free_name_and_says_so(bot, slack):
    slack.create_channel("hot-1")

    channel = bot.declare("Search is slow")

    assert channel.name == "hot-1-2"
    assert "#hot-1 was taken" in slack.dm_messages("UREPORTER")[-1]["text"]
    # Nothing was posted into the channel that is not ours.
    assert slack.messages_in(slack.channel_by_name("hot-1").id) == []


def test_rate_limited_call_is_retried_after_retry_after_and_not_lost(bot, slack):
    slack.rate_limit_next("conversations.setTopic", retry_after=1)

    channel = bot.declare("Login broken")
    assert channel.topic == "" and len(channel.pins) == 1, "the 429 holds up the topic only"

    bot.clock.advance(seconds=1)  # Slack's Retry-After
    bot.deliver()
    assert channel.topic.startswith("HOT-1 | Sev 2 | Pending")
    assert len(slack.calls_to("conversations.setTopic")) == 2


def test_a_rate_limited_form_is_not_waited_for_and_the_person_is_told(bot, slack):
    # The trigger_id dies after 3 s: waiting out Retry-After would hold a listener thread
    # for nothing (200 concurrent declares then starved other commands' acks).
    slack.rate_limit_next("views.open", retry_after=30)

    response = bot.command("declare Checkout is down", user="UREPORTER", channel=slack.general_channel_id)

    assert response.status == 200
    assert len(slack.calls_to("views.open")) == 1 and slack.views_opened == []
    [told] = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"]
    assert "Slack is busy" in told and "/incident declare" in told


def test_private_incident_gets_a_private_channel_and_a_discreet_announcement(bot, slack):
    channel = bot.declare("Credential leak in logs", private=True, severity=1)

    assert channel.is_private
    announcement = slack.messages_in(slack.incidents_channel_id)[-1]
    assert "private incident HOT-1" in announcement["text"]
    assert "Credential leak" not in json.dumps(announcement)


def test_help_unknown_verb_and_bare_command_answer_with_the_grammar(bot, slack):
    for text in ("", "help", "frobnicate now"):
        response = bot.command(text, user="UALICE", channel=slack.general_channel_id)
        assert "/incident declare [summary]" in ack_text(response)
        assert "/incident role <role> <@user|me|none>" in ack_text(response)
    assert "`frobnicate` is not an /incident verb" in ack_text(
        bot.command("frobnicate", user="UALICE", channel=slack.general_channel_id))


def test_incident_verbs_outside_an_incident_channel_say_where_they_work(bot, slack):
    response = bot.command("declare-nothing", user="UALICE", channel=slack.general_channel_id)
    assert "not an /incident verb" in ack_text(response)


def test_help_lists_the_roles_the_team_configured(slack, database_url):
    from bot.settings import TeamConfig
    from tests.support import Bot, make_deps

    team = TeamConfig(extra_roles={"problem-manager": "Owns the problem record."})
    bot = Bot.build(make_deps(slack, database_url, team=team), slack)
    try:
        text = ack_text(bot.command("help", user="UALICE", channel=slack.general_channel_id))
    finally:
        bot.executor.shutdown(wait=True)
    assert "backup-im, problem-manager" in text
