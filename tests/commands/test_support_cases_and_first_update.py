"""Support cases (update and resolve modals -> final comms), the short initial message, and
final comms that recap the latest update's impact: signed requests, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.views.ids import Action, Block, Callback
from storage.models import CommsUpdate, Incident, RoleAssignment, TimelineEntry
from tests.commands.test_resolve import MONDAY_NOON, block, make_im, resolve_values
from tests.commands.test_update import update_values


def cases(value: str | None) -> dict:
    return {Block.SUPPORT_CASES: {Action.VALUE: {"type": "number_input", "value": value}}}


def submit_update(bot, channel_id, values, user="UREPORTER"):
    bot.command("update", user=user, channel=channel_id)
    return bot.submit(bot.last_view(Callback.UPDATE), values, user=user)


def test_the_first_update_is_the_short_initial_message_and_reminds_of_the_external_part(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    bot.clock.advance(minutes=12)
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    everything = json.dumps(view)
    assert "meets the 30-minute initial-comms deadline. Don't forget the external part" in everything
    assert "Keep it short: what is known, the impact, and when the next update comes." in everything

    # No bullets at all: the handbook's initial message is what is known, the impact, the next update.
    response = bot.submit(view, update_values(deps.now() + timedelta(minutes=30), status="", steps=""),
                          user="UREPORTER")
    assert response.status == 200 and not response.body
    posted = slack.messages_in(channel.id)[-1]
    body = json.dumps(posted["blocks"])
    assert "Checkout is failing for EU customers." in body and "Next update:" in body
    assert "Current status" not in body and "Next steps" not in body
    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        # The internal-only first update met the 30-minute deadline.
        assert incident.last_update_at == deps.now()
        assert incident.next_update_due == deps.now() + timedelta(minutes=30)

    # A follow-up still needs 2 to 4 bullets each, and the reminder is gone.
    bot.command("update", user="UREPORTER", channel=channel.id)
    followup = bot.last_view(Callback.UPDATE)
    assert "Don't forget the external part" not in json.dumps(followup)
    response = bot.submit(followup, update_values(deps.now() + timedelta(minutes=30), status="", steps=""),
                          user="UREPORTER")
    errors = json.loads(response.body)["errors"]
    assert "2 to 4 bullets" in errors[Block.UPDATE_CURRENT_STATUS]


def test_support_cases_go_from_updates_and_resolve_into_the_final_comms(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=3,
                          impact="Declared: maybe some customers see errors")
    make_im(deps, channel.id, "UALICE")
    bot.clock.advance(minutes=20)
    values = update_values(deps.now() + timedelta(minutes=30)) | cases("7")
    values[Block.UPDATE_CUSTOMER_IMPACT] = {Action.VALUE: {"type": "plain_text_input",
                                                           "value": "All EU card payments fail"}}
    assert submit_update(bot, channel.id, values, user="UALICE").status == 200
    assert "*Support cases raised:* 7" in json.dumps(slack.messages_in(channel.id)[-1]["blocks"])

    bot.command("update", user="UALICE", channel=channel.id)
    followup = bot.last_view(Callback.UPDATE)
    assert block(followup, Block.SUPPORT_CASES)["element"]["initial_value"] == "7"
    bad = bot.submit(followup, update_values(deps.now() + timedelta(minutes=30)) | cases("lots"), user="UALICE")
    assert "whole number" in json.loads(bad.body)["errors"][Block.SUPPORT_CASES]

    bot.clock.advance(minutes=40)
    bot.command("resolve", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.RESOLVE)
    assert block(view, Block.SUPPORT_CASES)["element"]["initial_value"] == "7"
    response = bot.submit(view, resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                               ("2024-05-06", "08:55")) | cases("12"), user="UALICE")
    assert response.status == 200 and not response.body

    final = json.dumps(slack.messages_in(channel.id)[-1]["blocks"])
    assert "*Support cases raised:* 12" in final
    # The recap is the impact as the latest update described it, not the declaration's guess.
    assert "Impact: All EU card payments fail." in final
    assert "Declared: maybe" not in final
    with deps.sessions() as s:
        assert s.scalars(select(Incident.support_cases)).one() == 12
        assert s.scalars(select(CommsUpdate.fields)).one()["support_cases"] == 7

    # The postmortem's impact carries the latest count; its summary reads as sentences.
    bot.command("postmortem", user="UALICE", channel=channel.id)
    # Alice is not in the channel (made IM directly), so the card reaches her as a DM.
    shown = json.dumps([m["blocks"] for m in slack.dm_messages("UALICE") if m["text"].startswith("Postmortem of")])
    assert "12 support cases were raised in relation to this incident." in shown
    assert "We mitigated the event as follows: rolled back the 07:45 deploy of payments-api." in shown
    assert "mitigated the event by rolled back" not in shown


def test_resolving_a_pending_incident_makes_the_resolver_its_im_first(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UBOB", channel=channel.id)
    response = bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(
        ("2024-05-06", "20:50"), ("2024-05-06", "21:00"), ("2024-05-06", "21:55")), user="UBOB")  # Tokyo time
    assert response.status == 200 and not response.body

    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.status == "Resolved"
        im = s.scalars(select(RoleAssignment).where(RoleAssignment.role == "incident-manager")).one()
        assert im.user_id == "UBOB"
        statuses = [(e.data["from"], e.data["to"]) for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))
                    if (e.data or {}).get("event") == "status"]
        assert statuses == [("Pending", "Fixing")]
        texts = [e.text for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]
    took = texts.index("<@UBOB> took the incident manager role to resolve HOT-1")
    assert took < next(i for i, t in enumerate(texts) if t.startswith("HOT-1 resolved by <@UBOB>"))
    assert "IM: <@UBOB>" in channel.topic and "Resolved" in channel.topic
