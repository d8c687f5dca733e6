"""`/incident postmortem`: the document, editing within Slack's limits, export, owner, approval."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.core import handbook
from bot.core.postmortem import SECTIONS
from bot.settings import TeamConfig
from bot.views.ids import Action, Block, Callback
from storage.models import Postmortem, PostmortemReview, TimelineEntry
from tests.commands.test_resolve import MONDAY_NOON, make_im, resolve_values, told
from tests.support import Bot, make_deps


def join_channel(slack, channel_id: str, *users: str) -> None:
    slack.channels[channel_id].members.update(users)


@pytest.fixture
def resolved(bot, slack, deps):
    """A Sev 2 incident, IM UALICE, resolved through the modal: its postmortem exists."""
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2)
    make_im(deps, channel.id, "UALICE")
    join_channel(slack, channel.id, "UALICE", "UBOB", "UCAROL")
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")
    return channel


def postmortem_row(deps) -> Postmortem:
    with deps.sessions() as s:
        return s.scalars(select(Postmortem)).one()


def text_of(message: dict) -> str:
    return json.dumps(message.get("blocks") or []) + message.get("text", "")


def field_values(section_name: str, texts: dict[str, str], cause: str | None = None) -> dict:
    section = next(s for s in SECTIONS if s.name == section_name)
    values = {}
    for key in section.keys:
        block_id = Block.POSTMORTEM_FIELD_PREFIX + key
        if key == "cause_category":
            chosen = {"text": {"type": "plain_text", "text": cause}, "value": cause} if cause else None
            values[block_id] = {Action.VALUE: {"type": "static_select", "selected_option": chosen}}
        else:
            values[block_id] = {Action.VALUE: {"type": "plain_text_input", "value": texts.get(key)}}
    return values


def test_the_document_shows_every_handbook_field_and_the_prefilled_summary(bot, slack, resolved):
    bot.command("postmortem", user="UBOB", channel=resolved.id)

    shown = [e for e in slack.ephemerals if e["user"] == "UBOB"][-1]
    text = json.dumps(shown["blocks"])
    for spec in handbook.POSTMORTEM_FIELDS:
        assert spec.title in text, spec.title
    assert "Cause category" in text
    assert "Between 2024-05-06 11:50 UTC and 2024-05-06 12:55 UTC (1h 5m)" in text
    assert "This Sev 2 incident" in text and "rolled back the 07:45 deploy" in text
    assert "resolved by <@UALICE>" in text  # the timeline, with times
    assert len(shown["blocks"]) <= 50


def test_sev3_postmortem_is_created_on_request_and_its_owner_told(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Search is slow", severity=3)
    make_im(deps, channel.id, "UCAROL")
    join_channel(slack, channel.id, "UCAROL", "UBOB")

    bot.command("postmortem", user="UBOB", channel=channel.id)

    pm = postmortem_row(deps)
    assert pm.owner_id == "UCAROL" and pm.status == "draft"
    assert "You own the postmortem of HOT-1" in slack.dm_messages("UCAROL")[-1]["text"]
    bot.command("postmortem", user="UBOB", channel=channel.id)  # showing again creates nothing more
    assert len(slack.dm_messages("UCAROL")) == 1


def test_the_owner_edits_a_section_in_a_modal_within_slacks_limits(bot, slack, deps, resolved):
    for section in SECTIONS:
        bot.command(f"postmortem edit {section.name}", user="UALICE", channel=resolved.id)
        view = bot.last_view(Callback.POSTMORTEM_EDIT)
        assert len(view["blocks"]) <= 100
        for block in view["blocks"]:
            if block.get("element", {}).get("type") == "plain_text_input":
                assert block["element"]["max_length"] <= 3000

    bot.command("postmortem edit cause", user="UALICE", channel=resolved.id)
    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    response = bot.submit(view, field_values("cause", {"five_whys": "1. Checkout failed because ...",
                                                       "root_cause": "A connection pool leak in payments-api"},
                                             cause="bug"), user="UALICE")

    assert response.status == 200 and "errors" not in (response.body or "")
    pm = postmortem_row(deps)
    assert pm.fields["root_cause"] == "A connection pool leak in payments-api"
    assert pm.cause_category == "bug"
    assert "Saved *Cause*" in told(slack, "UALICE") and "Still empty" in told(slack, "UALICE")


def test_only_the_owner_the_im_or_an_approver_may_edit(bot, slack, deps, resolved):
    bot.command("postmortem edit summary", user="UBOB", channel=resolved.id)

    assert told(slack, "UBOB") == ("Only the postmortem owner <@UALICE> (the incident manager) may edit the "
                                   "postmortem of HOT-1.")
    assert not [v for v in slack.views_opened if v.get("callback_id") == Callback.POSTMORTEM_EDIT]


def test_the_edit_menu_in_the_document_opens_the_sections_modal(bot, slack, resolved):
    bot.command("postmortem", user="UALICE", channel=resolved.id)
    shown = [e for e in slack.ephemerals if e["user"] == "UALICE"][-1]
    menu = next(el for b in shown["blocks"] if b["type"] == "actions" for el in b["elements"]
                if el["action_id"] == Action.POSTMORTEM_EDIT_SECTION)
    lessons = next(o for o in menu["options"] if o["value"].endswith(":lessons"))

    bot.action(Action.POSTMORTEM_EDIT_SECTION, {"type": "static_select", "selected_option": lessons},
               user="UALICE", channel_id=resolved.id)

    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    assert "Lessons learned: what went well" in json.dumps(view["blocks"])


def test_export_uploads_markdown_with_every_field_and_the_timeline(bot, slack, deps, resolved):
    bot.command("postmortem edit cause", user="UALICE", channel=resolved.id)
    bot.submit(bot.last_view(Callback.POSTMORTEM_EDIT), field_values("cause", {"root_cause": "Pool leak"},
                                                                     cause="scale"), user="UALICE")

    bot.command("postmortem export", user="UBOB", channel=resolved.id)

    upload = slack.files[-1]
    assert upload["channel_id"] == resolved.id and upload["filename"] == "HOT-1-postmortem.md"
    markdown = upload["content"].decode()
    positions = [markdown.index(f"## {spec.title}\n") for spec in handbook.POSTMORTEM_FIELDS]
    assert positions == sorted(positions)
    assert "## Cause category\n\nScale:" in markdown and "Pool leak" in markdown
    with deps.sessions() as s:
        entries = list(s.scalars(select(TimelineEntry).order_by(TimelineEntry.occurred_at, TimelineEntry.id)))
    assert len(entries) >= 3
    for entry in entries:
        assert f"{entry.occurred_at:%Y-%m-%d %H:%M} UTC: " in markdown
    assert "declared by @reporter" in markdown  # blameless: roles, not names or user IDs
    assert "- Owner: @incident-manager" in markdown and "Time to recovery (TTR): 1h 5m" in markdown


def test_approval_draft_to_in_review_to_approved_on_the_timeline(bot, slack, deps, resolved):
    bot.command("postmortem request-approval", user="UALICE", channel=resolved.id)
    assert "Name the approvers first" in told(slack, "UALICE")

    bot.command("action priority prevent-future Fix the connection pool leak", user="UALICE", channel=resolved.id)
    bot.command("postmortem approvers <@UBOB|bob> <@UCAROL>", user="UALICE", channel=resolved.id)
    bot.command("postmortem request-approval", user="UALICE", channel=resolved.id)

    assert postmortem_row(deps).status == "in_review"
    request = slack.dm_messages("UBOB")[-1]
    assert "asks you to approve the postmortem of HOT-1" in request["text"]
    buttons = [el["action_id"] for b in request["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert buttons == [Action.POSTMORTEM_APPROVE, Action.POSTMORTEM_REQUEST_CHANGES]
    assert "asks you to approve" in slack.dm_messages("UCAROL")[-1]["text"]
    pm_id = str(postmortem_row(deps).id)

    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UREPORTER", message=request)
    assert postmortem_row(deps).status == "in_review"
    assert ("Only the named approvers of the HOT-1 postmortem (<@UBOB> and <@UCAROL>) may approve it or request "
            "changes.") in told(slack, "UREPORTER")

    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UBOB", message=request)

    pm = postmortem_row(deps)
    assert pm.status == "approved" and pm.approved_at is not None
    assert "You approved" in slack.dm_messages("UBOB")[-1]["text"]  # the buttons are gone
    assert "approved by <@UBOB>" in slack.dm_messages("UALICE")[-1]["text"]
    with deps.sessions() as s:
        events = [e.data["event"] for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]
        reviews = s.scalars(select(PostmortemReview)).all()
    assert events[-3:] == ["postmortem_approvers", "postmortem_in_review", "postmortem_approved"]
    assert [(r.reviewer_id, r.decision) for r in reviews] == [("UBOB", "approved")]


def test_request_changes_sends_it_back_to_draft_with_the_comment(bot, slack, deps, resolved):
    bot.command("postmortem approvers <@UBOB>", user="UALICE", channel=resolved.id)
    bot.command("action priority mitigate-future Shed load when the pool is exhausted", user="UALICE",
                channel=resolved.id)
    bot.command("postmortem request-approval", user="UALICE", channel=resolved.id)
    request = slack.dm_messages("UBOB")[-1]

    bot.action(Action.POSTMORTEM_REQUEST_CHANGES, str(postmortem_row(deps).id), user="UBOB", message=request)
    view = bot.last_view(Callback.POSTMORTEM_CHANGES)
    empty = bot.submit(view, {Block.REVIEW_COMMENT: {Action.VALUE: {"type": "plain_text_input", "value": " "}}},
                       user="UBOB")
    bot.submit(view, {Block.REVIEW_COMMENT: {Action.VALUE: {"type": "plain_text_input",
                                                            "value": "Add a priority action for the pool leak"}}},
               user="UBOB")

    assert "Say what should change" in json.loads(empty.body)["errors"][Block.REVIEW_COMMENT]
    assert postmortem_row(deps).status == "draft"
    assert "Add a priority action for the pool leak" in slack.dm_messages("UALICE")[-1]["text"]
    assert "requested changes" in slack.dm_messages("UBOB")[-1]["text"]


def test_changing_the_owner_tells_the_new_owner(bot, slack, deps, resolved):
    bot.command("postmortem owner <@UCAROL|carol>", user="UBOB", channel=resolved.id)
    assert told(slack, "UBOB") == ("Only the postmortem owner <@UALICE> (the incident manager) may change the "
                                   "postmortem owner of HOT-1.")

    bot.command("postmortem owner <@UCAROL|carol>", user="UALICE", channel=resolved.id)

    assert postmortem_row(deps).owner_id == "UCAROL"
    assert "You own the postmortem of HOT-1" in slack.dm_messages("UCAROL")[-1]["text"]


@pytest.mark.parametrize(("args", "says"), [
    ("postmortem edit", "Say which section"),
    ("postmortem edit everything", "Say which section"),
    ("postmortem owner bob", "@mentions"),
    ("postmortem frobnicate", "not a postmortem command"),
])
def test_wrong_postmortem_commands_are_answered_with_the_usage(bot, slack, resolved, args, says):
    from tests.support import ack_text

    answer = ack_text(bot.command(args, user="UALICE", channel=resolved.id))
    assert says in answer and "Usage: `/incident postmortem" in answer


def test_approvers_from_the_team_config_are_named_on_creation(slack, database_url, clock):
    deps = make_deps(slack, database_url, clock, team=TeamConfig(postmortem_approvers=("UCAROL",)))
    bot = Bot.build(deps, slack)
    try:
        clock.set(MONDAY_NOON)
        channel = bot.declare("Login broken", severity=3)
        bot.command("postmortem", user="UREPORTER", channel=channel.id)
        assert postmortem_row(deps).approvers == ["UCAROL"]
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()


def test_done_when_resolve_through_the_modal_then_export_shows_every_field_and_the_timeline(
        bot, slack, deps, resolved):
    """The issue's "done when": Resolved in the topic, final comms, the owner's DM, a full export."""
    assert "| Resolved |" in slack.channels[resolved.id].topic
    assert "no further communications" in text_of(slack.messages_in(resolved.id)[-1])
    assert "You own the postmortem of HOT-1" in slack.dm_messages("UALICE")[-1]["text"]

    bot.command("postmortem export", user="UALICE", channel=resolved.id)

    markdown = slack.files[-1]["content"].decode()
    for spec in handbook.POSTMORTEM_FIELDS:
        assert f"## {spec.title}\n" in markdown, spec.title
    with deps.sessions() as s:
        entries = list(s.scalars(select(TimelineEntry)))
    for entry in entries:
        assert f"{entry.occurred_at:%Y-%m-%d %H:%M} UTC: " in markdown
    assert "HOT-1 resolved by @incident-manager: Rolled back the 07:45 deploy" in markdown
    assert "exported the postmortem of HOT-1" in slack.messages_in(resolved.id)[-1]["text"]
