"""`/incident status`: the ephemeral card."""

from __future__ import annotations

import json

from tests.support import ack_text


def test_status_card_shows_key_severity_status_roles_time_and_links(bot, slack):
    channel = bot.declare("Checkout fails", severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role tl <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("role comms <@UCAROL>", user="UALICE", channel=channel.id)
    bot.command("link doc https://docs.example.com/hot-1", user="UALICE", channel=channel.id)
    bot.clock.advance(minutes=95)

    response = bot.command("status", user="UBOB", channel=channel.id)

    body = json.loads(response.body)
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert ack_text(response) == "HOT-1 - Sev 2 - Fixing - IM: <@UALICE> - declared 1h 35m ago"
    card = json.dumps(body["blocks"], ensure_ascii=False)
    assert "HOT-1: Checkout fails" in card
    assert "Sev 2 – Major" in card and "*Status*\\nFixing" in card
    assert "1h 35m ago" in card
    assert "*Incident manager:* <@UALICE>" in card
    assert "*Tech lead:* <@UBOB>" in card and "*Communications manager:* <@UCAROL>" in card
    assert "<https://docs.example.com/hot-1|Incident state document>" in card


def test_status_outside_an_incident_channel_says_where_it_works(bot, slack):
    answer = ack_text(bot.command("status", user="UBOB", channel=slack.general_channel_id))
    assert "works in an incident channel" in answer


def test_status_before_anyone_took_a_role(bot, slack):
    channel = bot.declare()
    card = json.dumps(json.loads(bot.command("status", user="UREPORTER", channel=channel.id).body)["blocks"])
    assert "*Incident manager:* unassigned" in card and "No links yet" in card
