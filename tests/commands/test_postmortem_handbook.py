"""The postmortem as the handbook writes it: proximate cause, external dependency, action
categories and the approval check, mandatory service approvers, the meeting invitation, and
the per-service priority-action SLO. Signed requests, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import handbook
from bot.settings import Service, TeamConfig, load_team_config
from bot.views.ids import Action, Block, Callback
from storage.models import Action as ActionRow
from storage.models import Postmortem
from tests.commands.test_postmortem import field_values, join_channel, postmortem_row
from tests.commands.test_resolve import MONDAY_NOON, make_im, resolve_values, told
from tests.support import Bot, make_deps


def resolve(bot, channel) -> None:
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")


@pytest.fixture
def team_bot(slack, database_url, clock):
    team = TeamConfig(services=(Service("payments-api", postmortem_approvers=("UBOB", "UCAROL"),
                                        priority_action_weeks=4),),
                      postmortem_approvers=("UREPORTER",))
    deps = make_deps(slack, database_url, clock, team=team)
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()


def incident_of(bot, slack, *, service: str = "Unknown", private: bool = False):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2, service=service, private=private)
    make_im(bot.deps, channel.id, "UALICE")
    join_channel(slack, channel.id, "UALICE", "UBOB", "UCAROL")
    bot.clock.advance(minutes=60)
    return channel


def test_proximate_cause_and_external_dependency_with_the_handbooks_consequence(bot, slack, deps):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.command("postmortem edit cause", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert blocks["pm_proximate_cause"]["label"]["text"] == "Proximate cause"
    dependency = blocks["pm_external_dependency"]
    assert [o["value"] for o in dependency["element"]["options"]] == ["exceeded", "met", "none"]
    assert "Get and review their postmortem" in dependency["hint"]["text"]
    assert "Increase our resilience to failures of this type" in dependency["hint"]["text"]
    assert "needs to establish an SLE" in dependency["hint"]["text"]

    values = field_values("cause", {"proximate_cause": "AWS fault. Get the AWS postmortem.",
                                    "root_cause": "A connection pool leak under failure conditions"}, cause="dependency")
    values["pm_external_dependency"] = {Action.VALUE: {"type": "static_select", "selected_option": {
        "text": {"type": "plain_text", "text": "Met"}, "value": "met"}}}
    assert bot.submit(view, values, user="UALICE").status == 200

    pm = postmortem_row(deps)
    assert pm.fields["proximate_cause"] == "AWS fault. Get the AWS postmortem."
    assert pm.fields["external_dependency"] == "met"
    bot.command("postmortem export", user="UALICE", channel=channel.id)
    markdown = slack.files[-1]["content"].decode()
    assert "## Proximate cause\n\nAWS fault. Get the AWS postmortem." in markdown
    assert markdown.index("## Proximate cause") < markdown.index("## Root cause")
    assert ("## External dependency\n\nMet: the external service performed as expected, but we were impacted "
            "anyways. What to do: Increase our resilience") in markdown


def test_requesting_approval_without_a_root_cause_action_asks_for_confirmation(bot, slack, deps):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.command("postmortem approvers <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("action priority detect-future Add alerting on pool exhaustion", user="UALICE", channel=channel.id)
    bot.command("action improvement prevent-future Add load tests", user="UALICE", channel=channel.id)

    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)

    asked = [e for e in slack.ephemerals if e["user"] == "UALICE"][-1]
    assert "no priority action in the categories \"Mitigate future incidents\" or \"Prevent future incidents\"" \
        in asked["text"]
    button = next(el for b in asked["blocks"] if b["type"] == "actions" for el in b["elements"])
    assert button["action_id"] == Action.POSTMORTEM_REQUEST_APPROVAL_CONFIRMED
    assert postmortem_row(deps).status == "draft"
    assert not [m for m in slack.dm_messages("UBOB") if "asks you to approve" in m["text"]]

    bot.action(Action.POSTMORTEM_REQUEST_APPROVAL_CONFIRMED, button["value"], user="UALICE", channel_id=channel.id)
    assert postmortem_row(deps).status == "in_review"
    assert "asks you to approve" in slack.dm_messages("UBOB")[-1]["text"]


def test_a_services_approvers_are_mandatory_and_must_all_approve(team_bot, slack):
    bot, deps = team_bot, team_bot.deps
    channel = incident_of(bot, slack, service="payments-api")
    resolve(bot, channel)
    assert postmortem_row(deps).approvers == ["UREPORTER", "UBOB", "UCAROL"]
    # The service's approvers cannot be removed.
    bot.command("postmortem approvers remove <@UBOB>", user="UALICE", channel=channel.id)
    assert postmortem_row(deps).approvers == ["UREPORTER", "UBOB", "UCAROL"]
    bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    pm_id = str(postmortem_row(deps).id)

    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UREPORTER", message=slack.dm_messages("UREPORTER")[-1])
    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UBOB", message=slack.dm_messages("UBOB")[-1])
    assert postmortem_row(deps).status == "in_review"
    assert "still waiting for <@UCAROL>" in slack.messages_in(channel.id)[-1]["text"]

    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UCAROL", message=slack.dm_messages("UCAROL")[-1])
    pm = postmortem_row(deps)
    assert pm.status == "approved" and pm.approved_at is not None


def test_the_meeting_invitation_and_agenda_are_prefilled(bot, slack):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.command("postmortem meeting", user="UALICE", channel=channel.id)
    shown = json.dumps([e["blocks"] for e in slack.ephemerals if e["user"] == "UALICE"][-1])
    assert (f"Please join me for a blameless postmortem of HOT-1 (<#{channel.id}>), where we review how checkout "
            "fails for EU customers (Sev 2, impact lasted 1h 5m).") in shown
    assert "The goal of a postmortem is to maximize the value of an incident" in shown
    for step in handbook.POSTMORTEM_MEETING_AGENDA:
        assert json.dumps(step)[1:-1] in shown


def test_priority_actions_follow_the_services_slo_and_the_setting_otherwise(team_bot, slack):
    bot, deps = team_bot, team_bot.deps
    payments = incident_of(bot, slack, service="payments-api")
    bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=payments.id)
    now = bot.clock()
    other = bot.declare("Search is slow", severity=2)
    bot.command("action priority prevent-future Add a search canary", user="UREPORTER", channel=other.id)
    with deps.sessions() as s:
        due = [a.due_at for a in s.scalars(select(ActionRow).order_by(ActionRow.id))]
    assert due == [now + timedelta(weeks=4), now + timedelta(weeks=8)]


def test_a_service_slo_other_than_4_or_8_weeks_is_refused(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('[[services]]\nname = "payments-api"\npriority_action_weeks = 6\n')
    with pytest.raises(ValueError, match="the handbook allows 4 or 8"):
        load_team_config(str(path))


def test_postmortem_rows_unchanged_by_refused_confirmation(bot, slack, deps):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    assert "Name the approvers first" in told(slack, "UALICE")
    with deps.sessions() as s:
        assert s.scalars(select(Postmortem.status)).one() == "draft"


def test_the_invitation_escapes_what_people_typed(bot, slack):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout <!here> fails", severity=2)
    make_im(bot.deps, channel.id, "UALICE")
    join_channel(slack, channel.id, "UALICE")
    bot.command("postmortem meeting", user="UALICE", channel=channel.id)
    shown = json.dumps([e["blocks"] for e in slack.ephemerals if e["user"] == "UALICE"][-1])
    assert "checkout &lt;!here&gt; fails" in shown and "<!here>" not in shown


def test_an_action_gets_its_category_later_and_then_counts_for_approval(bot, slack, deps):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.command("postmortem approvers <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("action priority Fix the pool leak <R&D>", user="UALICE", channel=channel.id)
    assert "`/incident action category <id> <category>`" in told(slack, "UALICE")
    with deps.sessions() as s:
        action_id = s.scalars(select(ActionRow.id)).one()

    bot.command(f"action category {action_id} prevent", user="UBOB", channel=channel.id)
    assert "close action" not in told(slack, "UBOB") and "set the category" in told(slack, "UBOB")
    bot.command(f"action category {action_id} prevent", user="UALICE", channel=channel.id)

    with deps.sessions() as s:
        assert s.scalars(select(ActionRow.category)).one() == "prevent-future"
    line = slack.messages_in(channel.id)[-1]["text"]
    assert line == (f":label: <@UALICE> put action *#{action_id}* in Prevent future incidents: "
                    "Fix the pool leak &lt;R&amp;D&gt;")
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    assert postmortem_row(deps).status == "in_review"  # no confirmation asked


def _owner_team_bot(slack, database_url, clock, approvers):
    team = TeamConfig(services=(Service("payments-api", postmortem_approvers=approvers),))
    deps = make_deps(slack, database_url, clock, team=team)
    return Bot.build(deps, slack)


def test_an_owner_who_is_a_mandatory_approver_is_covered_by_the_services_other_approver(slack, database_url, clock):
    bot = _owner_team_bot(slack, database_url, clock, ("UALICE", "UBOB"))
    try:
        deps = bot.deps
        channel = incident_of(bot, slack, service="payments-api")
        resolve(bot, channel)  # UALICE, the IM, owns the postmortem and is a payments-api approver
        assert postmortem_row(deps).owner_id == "UALICE"
        bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
        bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
        assert postmortem_row(deps).status == "in_review"
        # The owner is not asked to approve (nor reminded): only Bob is.
        assert not [m for m in slack.dm_messages("UALICE") if "asks you to approve" in m["text"]]
        assert "asks you to approve" in slack.dm_messages("UBOB")[-1]["text"]
        bot.action(Action.POSTMORTEM_APPROVE, str(postmortem_row(deps).id), user="UBOB",
                   message=slack.dm_messages("UBOB")[-1])
        pm = postmortem_row(deps)
        assert pm.status == "approved" and pm.approved_at is not None
        assert slack.messages_in(channel.id)[-1]["text"].endswith("Postmortem approved by <@UBOB>.")
    finally:
        bot.executor.shutdown(wait=True)
        bot.deps.sessions.kw["bind"].dispose()


def test_the_only_mandatory_approver_cannot_be_the_owner_and_is_told_who_else_to_name(slack, database_url, clock):
    bot = _owner_team_bot(slack, database_url, clock, ("UALICE",))
    try:
        deps = bot.deps
        channel = incident_of(bot, slack, service="payments-api")
        resolve(bot, channel)
        bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
        bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
        refused = [e["text"] for e in slack.ephemerals if e["user"] == "UALICE"][-1]
        assert refused.startswith("<@UALICE> is the only postmortem approver payments-api requires")
        assert "`/incident postmortem owner @user`" in refused
        assert postmortem_row(deps).status == "draft"
        assert not [m for m in slack.dm_messages("UALICE") if "asks you to approve" in m["text"]]

        bot.command("postmortem owner <@UBOB>", user="UALICE", channel=channel.id)
        assert postmortem_row(deps).owner_id == "UBOB"
        # Handing it back to the only approver is refused, naming who else could own it.
        bot.command("postmortem owner me", user="UALICE", channel=channel.id)
        refused = [e["text"] for e in slack.ephemerals if e["user"] == "UALICE"][-1]
        assert "is the only postmortem approver payments-api requires" in refused
        assert postmortem_row(deps).owner_id == "UBOB"

        bot.command("postmortem request-approval", user="UBOB", channel=channel.id)
        bot.action(Action.POSTMORTEM_APPROVE, str(postmortem_row(deps).id), user="UALICE",
                   message=slack.dm_messages("UALICE")[-1])
        assert postmortem_row(deps).status == "approved"
    finally:
        bot.executor.shutdown(wait=True)
        bot.deps.sessions.kw["bind"].dispose()
