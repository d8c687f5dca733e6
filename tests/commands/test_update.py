"""`/incident update` end to end: signed requests into the real Bolt app, a fake Slack."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.scheduler import nags as nag_job
from bot.views.ids import Action, Block, Callback
from storage.models import CommsUpdate, Incident, Effect, TimelineEntry
from tests.support import deliver_due


def text_value(value: str | None) -> dict[str, Any]:
    return {Action.VALUE: {"type": "plain_text_input", "value": value}}


def update_values(next_update: datetime | None, *, state: str = "Checkout is failing for EU customers.",
                  status: str = "- rolled back the deploy\n- error rate falling",
                  steps: str = "- confirm recovery\n- brief support", affected: str = "About 2,000 external",
                  root_cause: str = "The root cause is currently unknown.") -> dict[str, Any]:
    """The `view.state.values` Slack sends for the update modal."""
    return {
        Block.UPDATE_STATE: text_value(state),
        Block.UPDATE_CUSTOMER_IMPACT: text_value("EU customers cannot pay."),
        Block.UPDATE_CUSTOMERS_AFFECTED: text_value(affected),
        Block.UPDATE_ROOT_CAUSE: text_value(root_cause),
        Block.UPDATE_ETA: text_value("Unknown"),
        Block.UPDATE_NEXT_AT: {Action.VALUE: {"type": "datetimepicker",
                                              "selected_date_time": int(next_update.timestamp()) if next_update else None}},
        Block.UPDATE_NEXT_WHERE: text_value("#hot-1 and #incidents"),
        Block.UPDATE_CURRENT_STATUS: text_value(status),
        Block.UPDATE_NEXT_STEPS: text_value(steps),
    }


def post_update(bot: Any, channel_id: str, next_update: datetime, *, user: str = "UREPORTER", **kw: Any) -> Any:
    bot.command("update", user=user, channel=channel_id)
    view = bot.last_view(Callback.UPDATE)
    return bot.submit(view, update_values(next_update, **kw), user=user)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_update_opens_the_checklist_modal_prefilled_from_the_initial_templates(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    bot.command("update", user="UREPORTER", channel=channel.id)

    view = bot.last_view(Callback.UPDATE)
    assert json.loads(view["private_metadata"]) == {"incident_id": 1, "nag_role": None}
    state = block(view, Block.UPDATE_STATE)["element"]["initial_value"]
    assert state.startswith("We are investigating an incident affecting some of our services.")
    assert block(view, Block.UPDATE_ROOT_CAUSE)["element"]["initial_value"] == "The root cause is currently unknown."
    assert block(view, Block.UPDATE_ETA)["element"]["initial_value"] == "Unknown"
    next_at = block(view, Block.UPDATE_NEXT_AT)["element"]["initial_date_time"]
    assert next_at == int((deps.now() + deps.settings.update_interval).timestamp())
    everything = json.dumps(view)
    for question in ("Have we described the actual impact on customers?", "When & where will the next update be?"):
        assert question in everything
    assert "We are investigating issues with some of our services and will provide updates here soon." in everything
    # The initial message is short: its bullets are optional; follow-ups need 2 to 4.
    assert block(view, Block.UPDATE_CURRENT_STATUS)["optional"] is True
    assert "follow-ups need 2 to 4" in json.dumps(block(view, Block.UPDATE_CURRENT_STATUS))


def test_posting_goes_to_both_channels_with_the_title_and_moves_the_deadline(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    bot.clock.advance(minutes=12)
    promised = deps.now() + timedelta(minutes=60)

    response = post_update(bot, channel.id, promised)

    assert response.status == 200 and not response.body
    in_channel = slack.messages_in(channel.id)[-1]
    in_incidents = slack.messages_in(slack.incidents_channel_id)[-1]
    for message in (in_channel, in_incidents):
        assert message["text"].startswith("HOT-1 - Sev 2 - Checkout fails\n")
        assert message["blocks"][0]["text"]["text"] == "HOT-1 - Sev 2 - Checkout fails"
        body = json.dumps(message["blocks"])
        assert "Checkout is failing for EU customers." in body and "rolled back the deploy" in body
        assert "About 2,000 external" in body and "<!date^" in body
    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.last_update_at == deps.now()
        assert incident.next_update_due == promised
        assert incident.next_nag_at == promised - deps.settings.reminder_lead
        update = s.scalars(select(CommsUpdate)).one()
        assert (update.channel_ts, update.announcement_ts) == (in_channel["ts"], in_incidents["ts"])
        assert update.fields["current_status"] == ["rolled back the deploy", "error rate falling"]
        entry = s.scalars(select(TimelineEntry).where(TimelineEntry.kind == "update")).one()
        assert entry.data["event"] == "update" and entry.actor_id == "UREPORTER"


def test_a_later_promise_is_capped_at_the_update_interval(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    # The modal opened now defaults to now + interval; submitted 10 minutes later it is still allowed.
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    promised = deps.now() + deps.settings.update_interval
    bot.clock.advance(minutes=10)
    bot.submit(view, update_values(promised), user="UREPORTER")
    with deps.sessions() as s:
        assert s.scalars(select(Incident.next_update_due)).one() == promised


def test_invalid_input_is_refused_inline_and_changes_nothing(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))
    first_at = deps.now()
    bot.clock.advance(minutes=5)
    before = len(slack.messages_in(channel.id))
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)

    response = bot.submit(view, update_values(deps.now() - timedelta(minutes=10), status="- just one",
                                              affected=""), user="UREPORTER")

    errors = json.loads(response.body)["errors"]
    assert errors[Block.UPDATE_NEXT_AT] == "The next update cannot be in the past."
    assert "2 to 4 bullets" in errors[Block.UPDATE_CURRENT_STATUS]
    assert Block.UPDATE_CUSTOMERS_AFFECTED in errors
    assert len(slack.messages_in(channel.id)) == before
    with deps.sessions() as s:
        assert len(s.scalars(select(CommsUpdate)).all()) == 1
        assert s.scalars(select(Incident.last_update_at)).one() == first_at


def test_a_private_incident_update_tells_the_incidents_channel_only_that_one_was_posted(bot, slack, deps):
    channel = bot.declare("Credentials leaked", private=True, severity=1)
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30), state="Secret details here.")

    assert "Secret details here." in json.dumps(slack.messages_in(channel.id)[-1]["blocks"])
    notice = slack.messages_in(slack.incidents_channel_id)[-1]
    assert notice["text"] == ":lock: An update was posted for private incident HOT-1."
    assert "Secret" not in json.dumps(notice)


def test_the_second_update_is_prefilled_from_the_first(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30), root_cause="A bad deploy of payments-api.")
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    assert block(view, Block.UPDATE_ROOT_CAUSE)["element"]["initial_value"] == "A bad deploy of payments-api."
    assert block(view, Block.UPDATE_CURRENT_STATUS)["element"]["initial_value"] == (
        "- rolled back the deploy\n- error rate falling")
    assert "Update for HOT-1" in json.dumps(view["blocks"][0])


def test_update_outside_an_incident_channel_or_with_arguments_is_refused(bot, slack):
    from tests.support import ack_text

    outside = bot.command("update", user="UREPORTER", channel=slack.general_channel_id)
    assert "works in an incident channel" in ack_text(outside)
    channel = bot.declare("Checkout fails")
    with_args = bot.command("update now please", user="UREPORTER", channel=channel.id)
    assert "takes no arguments" in ack_text(with_args)
    assert [v for v in slack.views_opened if v["callback_id"] == Callback.UPDATE] == []


def test_the_nag_dm_button_opens_the_update_modal(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    bot.clock.advance(minutes=20)
    nag_job.run_due(deps, "w1")
    deliver_due(deps)
    dm = slack.dm_messages("UREPORTER")[-1]
    button = next(e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == Action.OPEN_UPDATE

    bot.action(Action.OPEN_UPDATE, button["value"], user="UREPORTER", message=dm, channel_id=dm["channel"])

    view = bot.last_view(Callback.UPDATE)
    assert "Initial communications for HOT-1" in json.dumps(view["blocks"][0])
    with deps.sessions() as s:
        assert s.scalars(select(Effect.kind).where(Effect.kind.like("%comms%"))).all() == ["initial_comms_due"]
    assert channel.id
