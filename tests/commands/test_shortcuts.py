"""The message shortcuts: "Declare incident" (declare_from_message) and "Add to incident
timeline" (add_to_timeline), as signed message_action payloads."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.timeline import ts_to_datetime
from bot.views.ids import Action, Block, Callback
from storage.models import Incident, TimelineEntry
from tests.inbound import message_shortcut
from tests.support import declare_values


def entries(bot):
    with bot.deps.sessions() as s:
        return list(s.scalars(select(TimelineEntry).order_by(TimelineEntry.occurred_at, TimelineEntry.id)))


def radio(value):
    return {Action.VALUE: {"type": "radio_buttons", "selected_option": {"text": {"type": "plain_text", "text": value},
                                                                       "value": value}}}


def select_value(value):
    return {Action.VALUE: {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value},
                                                                       "value": value}}}


def test_declare_from_a_message_starts_the_timeline_with_it(bot, slack):
    bot.clock.advance(minutes=10)
    message = slack.post_user_message(slack.general_channel_id, "UBOB", "Checkout returns 502 for everyone in EU")
    response = message_shortcut(bot, Callback.DECLARE_FROM_MESSAGE, user="UALICE", channel=slack.general_channel_id,
                                message=message)
    assert response.status == 200
    view = bot.last_view(Callback.DECLARE)
    assert view["blocks"][0]["element"]["initial_value"] == "Checkout returns 502 for everyone in EU"
    bot.submit(view, declare_values("Checkout returns 502 for everyone in EU", severity=2), user="UALICE")

    first = entries(bot)[0]
    assert first.text == "Checkout returns 502 for everyone in EU"
    assert first.actor_id == "UBOB" and first.occurred_at == ts_to_datetime(message["ts"])
    assert first.permalink and message["ts"].replace(".", "") in first.permalink
    assert first.data["event"] == "detection"
    with bot.deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.reporter_id == "UALICE" and incident.origin_channel_id == slack.general_channel_id
        assert incident.detected_at == ts_to_datetime(message["ts"])


def test_a_long_message_prefills_the_summary_and_keeps_the_whole_text_as_impact(bot, slack):
    text = "Payments are failing. " * 20
    message = slack.post_user_message(slack.general_channel_id, "UBOB", text)
    message_shortcut(bot, Callback.DECLARE_FROM_MESSAGE, user="UALICE", channel=slack.general_channel_id,
                     message=message)
    blocks = {b.get("block_id"): b for b in bot.last_view(Callback.DECLARE)["blocks"]}
    assert len(blocks[Block.SUMMARY]["element"]["initial_value"]) == 150
    assert blocks[Block.IMPACT]["element"]["initial_value"] == text.strip()


def test_add_to_timeline_in_the_incident_channel_with_a_chosen_kind(bot, slack):
    channel = bot.declare()
    message = slack.post_user_message(channel.id, "UBOB", "We roll back deploy 42")
    message_shortcut(bot, Callback.ADD_TO_TIMELINE, user="UREPORTER", channel=channel.id, message=message)
    view = bot.last_view(Callback.ADD_TO_TIMELINE_SUBMIT)
    assert Block.TIMELINE_INCIDENT not in {b.get("block_id") for b in view["blocks"]}
    bot.submit(view, {Block.TIMELINE_KIND: radio("decision")}, user="UREPORTER")

    [entry] = [e for e in entries(bot) if e.kind == "decision"]
    assert entry.text == "We roll back deploy 42" and entry.actor_id == "UBOB" and entry.source == "shortcut"
    assert entry.occurred_at == ts_to_datetime(message["ts"])
    assert any(e["user"] == "UREPORTER" and "timeline of HOT-1 as decision" in e["text"] for e in slack.ephemerals)
    # Again, and by emoji: still one entry per message and kind.
    message_shortcut(bot, Callback.ADD_TO_TIMELINE, user="UREPORTER", channel=channel.id, message=message)
    bot.submit(bot.last_view(Callback.ADD_TO_TIMELINE_SUBMIT), {Block.TIMELINE_KIND: radio("decision")}, user="UREPORTER")
    assert len([e for e in entries(bot) if e.kind == "decision"]) == 1


def test_add_to_timeline_elsewhere_asks_which_open_incident(bot, slack):
    bot.declare("Checkout is down")
    bot.declare("Secret thing", private=True)
    message = slack.post_user_message(slack.general_channel_id, "UCAROL", "Saw 5xx spike on the LB at 10:02")
    message_shortcut(bot, Callback.ADD_TO_TIMELINE, user="UBOB", channel=slack.general_channel_id, message=message)
    view = bot.last_view(Callback.ADD_TO_TIMELINE_SUBMIT)
    picker = next(b for b in view["blocks"] if b.get("block_id") == Block.TIMELINE_INCIDENT)
    labels = [o["text"]["text"] for o in picker["element"]["options"]]
    assert labels == ["HOT-1: Checkout is down"], "a private incident is offered only to its channel's members"

    bot.submit(view, {Block.TIMELINE_INCIDENT: select_value(picker["element"]["options"][0]["value"]),
                      Block.TIMELINE_KIND: radio("observation")}, user="UBOB")
    [entry] = [e for e in entries(bot) if e.kind == "observation"]
    assert entry.text == "Saw 5xx spike on the LB at 10:02" and entry.actor_id == "UCAROL"
    assert any("timeline of HOT-1 as observation" in m["text"] for m in slack.dm_messages("UBOB"))


def test_add_to_timeline_with_no_open_incident_says_so(bot, slack):
    message = slack.post_user_message(slack.general_channel_id, "UCAROL", "hello")
    message_shortcut(bot, Callback.ADD_TO_TIMELINE, user="UBOB", channel=slack.general_channel_id, message=message)
    assert "no open incident" in str(slack.views_opened[-1]["blocks"])


def test_every_message_shortcut_in_the_manifest_reaches_a_listener(bot, slack):
    from pathlib import Path

    import yaml

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text(encoding="utf-8"))
    shortcuts = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {Callback.DECLARE_FROM_MESSAGE: "message", Callback.ADD_TO_TIMELINE: "message"}
    message = slack.post_user_message(slack.general_channel_id, "UBOB", "hello")
    for callback_id in shortcuts:
        response = message_shortcut(bot, callback_id, user="UALICE", channel=slack.general_channel_id, message=message)
        assert response.status == 200, f"{callback_id}: {response.status} {response.body}"
