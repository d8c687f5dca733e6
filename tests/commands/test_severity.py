"""`/incident severity` end to end."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import TimelineEntry
from tests.commands.test_roles import state, told
from tests.support import ack_text


def test_raising_severity_updates_topic_channel_incidents_channel_and_timeline(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=3)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("severity 1", user="UALICE", channel=channel.id)

    assert channel.topic == "HOT-1 | Sev 1 | Fixing | IM: <@UALICE> | Checkout fails"
    note = slack.messages_in(channel.id)[-1]["text"]
    assert "severity changed from 3 to 1 (Critical) by <@UALICE>" in note
    assert "a postmortem will be required" in note
    announced = slack.messages_in(slack.incidents_channel_id)[-1]["text"]
    assert announced.startswith(":rotating_light: HOT-1 - Sev 1 - Checkout fails: severity changed from 3 to 1")
    with deps.sessions() as s:
        entry = s.scalars(select(TimelineEntry).order_by(TimelineEntry.id.desc())).first()
        assert entry.data == {"event": "severity", "from": 3, "to": 1, "by": "UALICE"}


def test_lowering_severity_says_nothing_about_a_postmortem(bot, slack):
    channel = bot.declare(severity=1)
    bot.command("severity sev3", user="UREPORTER", channel=channel.id)
    note = slack.messages_in(channel.id)[-1]["text"]
    assert "from 1 to 3" in note and "postmortem" not in note


def test_a_private_incident_keeps_its_summary_out_of_the_incidents_channel(bot, slack):
    channel = bot.declare("Secret breach in billing", severity=3, private=True)
    bot.command("severity 2", user="UREPORTER", channel=channel.id)
    announced = slack.messages_in(slack.incidents_channel_id)[-1]["text"]
    # Nothing but its key and "private": no severity, no actor.
    assert announced == ":lock: Private incident HOT-1 was updated in its channel."
    assert "Secret breach" not in announced


def test_same_severity_bad_values_and_other_people_change_nothing(bot, slack, deps):
    channel = bot.declare(severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    before = state(slack, deps, channel.id)
    announcements = len(slack.messages_in(slack.incidents_channel_id))

    bot.command("severity 2", user="UALICE", channel=channel.id)
    assert "HOT-1 is already Sev 2; nothing changed." in told(slack, "UALICE")
    for bad in ("severity 4", "severity", "severity high"):
        answer = ack_text(bot.command(bad, user="UALICE", channel=channel.id))
        assert "give 1, 2 or 3 (1 = Critical; 2 = Major; 3 = Minor)" in answer
        assert "Usage: `/incident severity <1|2|3>`" in answer
    refused = ack_text(bot.command("severity 1", user="UBOB", channel=channel.id))
    assert refused == "Only the incident manager <@UALICE> may change the severity of HOT-1."
    assert state(slack, deps, channel.id) == before
    assert len(slack.messages_in(slack.incidents_channel_id)) == announcements
