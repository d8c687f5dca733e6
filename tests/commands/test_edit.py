"""`/incident edit` end to end: signed requests, the fake Slack, SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.settings import Service, TeamConfig
from bot.views.ids import Action, Block, Callback
from storage.models import Incident, TimelineEntry
from tests.commands.test_roles import state, told
from tests.support import Bot, ack_text, make_deps


def edit_values(*, summary: str, impact: str = "", service: str = "Unknown",
                products: tuple[str, ...] = ()) -> dict:
    def option(value: str) -> dict:
        return {"text": {"type": "plain_text", "text": value}, "value": value}

    return {
        Block.SUMMARY: {Action.VALUE: {"type": "plain_text_input", "value": summary}},
        Block.IMPACT: {Action.VALUE: {"type": "plain_text_input", "value": impact or None}},
        Block.FAULTY_SERVICE: {Action.VALUE: {"type": "static_select", "selected_option": option(service)}},
        Block.AFFECTED_PRODUCTS: {Action.VALUE: {"type": "multi_static_select",
                                                 "selected_options": [option(p) for p in products]}},
    }


def team_bot(slack, database_url, clock):
    team = TeamConfig(services=(Service("payments-api"), Service("search-api")), products=("Checkout", "Search"))
    return Bot.build(make_deps(slack, database_url, clock, team=team), slack)


def test_edit_prefills_the_form_and_every_change_reaches_topic_pin_timeline_and_incidents_channel(
        slack, database_url, clock):
    bot = team_bot(slack, database_url, clock)
    channel = bot.declare("Checkout slow", impact="Some EU customers wait", service="payments-api",
                          products=("Checkout",))
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("edit", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.EDIT)
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert blocks[Block.SUMMARY]["initial_value"] == "Checkout slow"
    assert blocks[Block.IMPACT]["initial_value"] == "Some EU customers wait"
    assert blocks[Block.FAULTY_SERVICE]["initial_option"]["value"] == "payments-api"
    assert [o["value"] for o in blocks[Block.AFFECTED_PRODUCTS]["initial_options"]] == ["Checkout"]

    response = bot.submit(view, edit_values(summary="Checkout fails for all customers", impact="Nobody can pay",
                                            service="search-api", products=("Checkout", "Search")), user="UALICE")
    assert response.status == 200 and "errors" not in (response.body or "")

    assert channel.topic == "HOT-1 | Sev 2 | Fixing | IM: <@UALICE> | Checkout fails for all customers"
    with bot.deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert (incident.summary, incident.impact, incident.faulty_service, incident.affected_products) == (
            "Checkout fails for all customers", "Nobody can pay", "search-api", ["Checkout", "Search"])
        entries = [e for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))
                   if (e.data or {}).get("event") == "edit"]
    assert [e.text for e in entries] == [
        "<@UALICE> changed the summary from “Checkout slow” to “Checkout fails for all customers”",
        "<@UALICE> changed the impact from “Some EU customers wait” to “Nobody can pay”",
        "<@UALICE> changed the faulty service from “payments-api” to “search-api”",
        "<@UALICE> changed the affected products from “Checkout” to “Checkout, Search”",
    ]
    pinned = next(m for m in channel.messages if m["ts"] == incident.info_message_ts)
    pinned_text = json.dumps(pinned["blocks"])
    assert "HOT-1: Checkout fails for all customers" in pinned_text
    assert "search-api" in pinned_text and "Checkout, Search" in pinned_text and "Nobody can pay" in pinned_text
    note = slack.messages_in(channel.id)[-1]["text"]
    assert "<@UALICE> changed the summary from “Checkout slow” to “Checkout fails for all customers”" in note
    announced = slack.messages_in(slack.incidents_channel_id)[-1]["text"]
    assert announced.startswith(":pencil2: HOT-1 - Sev 2 - Checkout fails for all customers: <@UALICE> changed "
                                "the summary from “Checkout slow”.")
    bot.executor.shutdown(wait=True)


def test_a_private_incident_keeps_its_new_summary_out_of_the_incidents_channel(bot, slack):
    channel = bot.declare("Secret breach", private=True)
    before = len(slack.messages_in(slack.incidents_channel_id))
    bot.command("edit", user="UREPORTER", channel=channel.id)
    bot.submit(bot.last_view(Callback.EDIT), edit_values(summary="Secret breach in billing"), user="UREPORTER")
    assert "Secret breach in billing" in channel.topic
    assert len(slack.messages_in(slack.incidents_channel_id)) == before


def test_only_the_im_may_edit_and_a_refused_or_empty_edit_changes_nothing(bot, slack, deps):
    channel = bot.declare("Checkout slow")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("edit", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.EDIT)
    before = state(slack, deps, channel.id)

    refused = ack_text(bot.command("edit", user="UBOB", channel=channel.id))
    assert refused == "Only the incident manager <@UALICE> may edit HOT-1."
    # The IM changed while Bob had a form open: the submit is refused too.
    response = bot.submit(view, edit_values(summary="Bob's summary"), user="UBOB")
    assert "Only the incident manager <@UALICE> may edit HOT-1." in response.body
    response = bot.submit(view, edit_values(summary="   "), user="UALICE")
    assert "The summary cannot be empty" in response.body
    assert state(slack, deps, channel.id) == before
