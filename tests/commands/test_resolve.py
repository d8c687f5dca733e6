"""`/incident resolve` and `/incident reopen` end to end: signed requests, the real Bolt app, a fake Slack."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.views.ids import Action, Block, Callback
from storage.models import Incident, Postmortem, RoleAssignment, TimelineEntry
from tests.support import ack_text

MONDAY_NOON = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)  # 08:00 in New York (UALICE's zone)


def make_im(deps, channel_id: str, user: str) -> None:
    """The incident manager takes the incident (written directly: roles are another command's job)."""
    with deps.sessions.begin() as s:
        incident = s.scalars(select(Incident).where(Incident.channel_id == channel_id)).one()
        s.add(RoleAssignment(incident_id=incident.id, role="incident-manager", user_id=user, assigned_by=user,
                             assigned_at=deps.now()))
        incident.status = "Fixing"


def resolve_values(start: tuple[str, str], detected: tuple[str, str], ended: tuple[str, str],
                   summary: str | None = "Rolled back the 07:45 deploy of payments-api") -> dict:
    def pair(date_block: str, time_block: str, moment: tuple[str, str]) -> dict:
        return {date_block: {Action.VALUE: {"type": "datepicker", "selected_date": moment[0]}},
                time_block: {Action.VALUE: {"type": "timepicker", "selected_time": moment[1]}}}

    return {
        **pair(Block.IMPACT_STARTED_DATE, Block.IMPACT_STARTED_TIME, start),
        **pair(Block.DETECTED_DATE, Block.DETECTED_TIME, detected),
        **pair(Block.IMPACT_ENDED_DATE, Block.IMPACT_ENDED_TIME, ended),
        Block.RESOLUTION_SUMMARY: {Action.VALUE: {"type": "plain_text_input", "value": summary}},
    }


@pytest.fixture
def incident(bot, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2)
    make_im(deps, channel.id, "UALICE")
    bot.clock.advance(minutes=60)
    return channel


def open_resolve_modal(bot, channel, user="UALICE") -> dict:
    bot.command("resolve", user=user, channel=channel.id)
    return bot.last_view(Callback.RESOLVE)


def told(slack, user: str) -> str:
    """Everything the person was told privately: ephemerals, or DMs where an ephemeral cannot reach them."""
    return "\n".join([e["text"] for e in slack.ephemerals if e["user"] == user]
                     + [m["text"] for m in slack.dm_messages(user)])


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_resolve_modal_defaults_to_declaration_and_now_in_the_users_zone(bot, slack, incident):
    view = open_resolve_modal(bot, incident)

    start_date = block(view, Block.IMPACT_STARTED_DATE)["element"]["initial_date"]
    start_time = block(view, Block.IMPACT_STARTED_TIME)["element"]
    assert (start_date, start_time["initial_time"]) == ("2024-05-06", "08:00")  # declared 12:00 UTC
    assert "America/New_York" in start_time.get("timezone", "") + block(view, Block.IMPACT_STARTED_TIME)["label"]["text"]
    assert block(view, Block.DETECTED_TIME)["element"]["initial_time"] == "08:00"
    assert block(view, Block.IMPACT_ENDED_TIME)["element"]["initial_time"] == "09:00"  # now, 13:00 UTC
    assert json.loads(view["private_metadata"])["tz"] == "America/New_York"


def test_submitting_resolves_with_times_final_comms_topic_and_postmortem(bot, slack, deps, incident):
    view = open_resolve_modal(bot, incident)

    response = bot.submit(view, resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                               ("2024-05-06", "08:55")), user="UALICE")

    assert response.status == 200 and "errors" not in (response.body or "")
    channel = slack.channels[incident.id]
    assert channel.topic.startswith("HOT-1 | Sev 2 | Resolved | IM: <@UALICE>")
    final = json.dumps(slack.messages_in(incident.id)[-1])
    for seen in ("This incident is resolved", "Impact lasted 1h 5m", "no further communications",
                 "TTD", "10m", "TTR", "1h 5m", "Rolled back the 07:45 deploy", "EU customers cannot pay"):
        assert seen in final, seen
    announced = json.dumps(slack.messages_in(slack.incidents_channel_id)[-1])
    assert "This incident is resolved" in announced and "HOT-1 - Sev 2 - Checkout fails" in announced
    owner_dm = slack.dm_messages("UALICE")[-1]
    assert "You own the postmortem of HOT-1" in owner_dm["text"]
    assert "/incident postmortem" in json.dumps(owner_dm["blocks"])

    with deps.sessions() as s:
        row = s.scalars(select(Incident)).one()
        assert row.status == "Resolved"
        assert row.impact_started_at == datetime(2024, 5, 6, 11, 50, tzinfo=timezone.utc)
        assert row.detected_at == datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)
        assert row.impact_ended_at == datetime(2024, 5, 6, 12, 55, tzinfo=timezone.utc)
        assert row.resolved_at == MONDAY_NOON + timedelta(minutes=60)
        assert row.resolution_summary == "Rolled back the 07:45 deploy of payments-api"
        assert row.next_nag_at is None
        pm = s.scalars(select(Postmortem)).one()
        assert (pm.owner_id, pm.status) == ("UALICE", "draft")
        assert pm.due_at == datetime(2024, 5, 13, 13, 0, tzinfo=timezone.utc)  # five business days: next Monday
        events = [e.data["event"] for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]
        assert events[-2:] == ["resolved", "postmortem_created"]
        resolved = s.scalars(select(TimelineEntry).where(TimelineEntry.kind == "system")).all()[-2]
        assert resolved.actor_id == "UALICE" and resolved.data["ttd_seconds"] == 600
        assert resolved.data["ttr_seconds"] == 3900


@pytest.mark.parametrize(("start", "detected", "ended", "block_id", "message"), [
    (("2024-05-06", "08:00"), ("2024-05-06", "08:10"), ("2024-05-06", "07:30"), Block.IMPACT_ENDED_TIME,
     "end of impact cannot be before its start"),
    (("2024-05-06", "08:00"), ("2024-05-06", "07:59"), ("2024-05-06", "08:30"), Block.DETECTED_TIME,
     "Detection cannot be before the start of impact"),
    (("2024-05-06", "08:00"), ("2024-05-06", "08:10"), ("2024-05-06", "09:01"), Block.IMPACT_ENDED_TIME,
     "cannot be in the future"),
    (("2024-05-07", "08:00"), ("2024-05-06", "08:10"), ("2024-05-06", "08:30"), Block.IMPACT_STARTED_TIME,
     "cannot be in the future"),
])
def test_impossible_orders_are_refused_inline_and_change_nothing(bot, slack, deps, incident, start, detected,
                                                                  ended, block_id, message):
    view = open_resolve_modal(bot, incident)
    posted_before = len(slack.messages_in(incident.id))

    response = bot.submit(view, resolve_values(start, detected, ended), user="UALICE")

    errors = json.loads(response.body)["errors"]
    assert message in errors[block_id]
    assert len(slack.messages_in(incident.id)) == posted_before
    with deps.sessions() as s:
        assert s.scalars(select(Incident.status)).one() == "Fixing"
        assert s.scalars(select(Postmortem)).all() == []


def test_an_empty_resolution_summary_is_refused_inline(bot, incident):
    view = open_resolve_modal(bot, incident)
    response = bot.submit(view, resolve_values(("2024-05-06", "08:00"), ("2024-05-06", "08:00"),
                                               ("2024-05-06", "08:30"), summary="  "), user="UALICE")
    assert "one line" in json.loads(response.body)["errors"][Block.RESOLUTION_SUMMARY]


def test_only_the_incident_manager_may_resolve_and_the_refusal_names_them(bot, slack, incident):
    answer = ack_text(bot.command("resolve", user="UBOB", channel=incident.id))

    assert answer == "Only the incident manager <@UALICE> may resolve HOT-1."
    assert not [v for v in slack.views_opened if v.get("callback_id") == Callback.RESOLVE]


def test_resolving_twice_says_it_is_already_resolved(bot, slack, incident):
    view = open_resolve_modal(bot, incident)
    values = resolve_values(("2024-05-06", "08:00"), ("2024-05-06", "08:00"), ("2024-05-06", "08:30"))
    bot.submit(view, values, user="UALICE")

    again = bot.submit(view, values, user="UALICE")
    bot.command("resolve", user="UALICE", channel=incident.id)

    assert "already resolved" in json.loads(again.body)["errors"][Block.RESOLUTION_SUMMARY]
    assert "already resolved" in told(slack, "UALICE")


def test_sev3_gets_no_automatic_postmortem_and_a_private_incident_no_summary_in_the_incidents_channel(
        bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Secret rotation leaked a token", severity=3, private=True)
    bot.clock.advance(minutes=30)
    view = open_resolve_modal(bot, channel, user="UREPORTER")  # no IM yet: anyone may resolve

    bot.submit(view, resolve_values(("2024-05-06", "13:50"), ("2024-05-06", "14:00"), ("2024-05-06", "14:20")),
               user="UREPORTER")

    announced = slack.messages_in(slack.incidents_channel_id)[-1]
    assert "Private incident HOT-1 is resolved" in announced["text"]
    assert "Secret rotation" not in json.dumps(announced) and "Rolled back" not in json.dumps(announced)
    assert "This incident is resolved" in json.dumps(slack.messages_in(channel.id)[-1])
    with deps.sessions() as s:
        assert s.scalars(select(Incident.status)).one() == "Resolved"
        assert s.scalars(select(Postmortem)).all() == []


def test_reopen_returns_to_fixing_and_restarts_the_comms_deadline(bot, slack, deps, incident):
    view = open_resolve_modal(bot, incident)
    bot.submit(view, resolve_values(("2024-05-06", "08:00"), ("2024-05-06", "08:00"), ("2024-05-06", "08:30")),
               user="UALICE")
    reopened_at = bot.clock.advance(minutes=15)

    bot.command("reopen", user="UALICE", channel=incident.id)

    assert slack.channels[incident.id].topic.startswith("HOT-1 | Sev 2 | Fixing")
    assert "reopened HOT-1" in slack.messages_in(incident.id)[-1]["text"]
    with deps.sessions() as s:
        row = s.scalars(select(Incident)).one()
        assert row.status == "Fixing" and row.resolved_at is None
        assert row.next_update_due == reopened_at + deps.settings.update_interval
        assert row.next_nag_at == reopened_at
        assert s.scalars(select(TimelineEntry.data).order_by(TimelineEntry.id.desc()).limit(1)).one()["event"] == "reopened"
        assert len(s.scalars(select(Postmortem)).all()) == 1  # kept; resolving again does not make a second


def test_reopen_of_an_open_incident_is_refused(bot, slack, incident):
    bot.command("reopen", user="UALICE", channel=incident.id)
    assert "not resolved" in told(slack, "UALICE")
