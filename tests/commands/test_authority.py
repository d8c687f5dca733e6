"""Who may do what, end to end: the takeovers issue 11 found, tried through signed requests.

A refusal names who may and changes nothing: the topic, the channel, the roles, the timeline
and the incident row are compared before and after.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import nags as nag_job
from bot.settings import TeamConfig
from bot.views.ids import Action, Block, Callback
from storage.models import Action as ActionRow
from storage.models import CommsUpdate, Incident, Postmortem, TimelineEntry
from tests.commands.test_resolve import MONDAY_NOON, resolve_values
from tests.commands.test_update import update_values
from tests.commands.test_roles import state, told
from tests.support import Bot, ack_text, deliver_due, make_deps

STEERING = {
    "role tl <@UREPORTER>": "assign the tech lead role in HOT-1",
    "role backup-im me": "assign the backup incident manager role in HOT-1",
    "role im me": "assign the incident manager role in HOT-1",
    "role tl none": "clear the tech lead role in HOT-1",
    "severity 1": "change the severity of HOT-1",
    "link video https://meet.example.com/x": "set the links of HOT-1",
    "handover <@UBOB>": "hand over HOT-1",
    "resolve": "resolve HOT-1",
    "update": "post an update for HOT-1",
}


def said(bot, slack, text: str, user: str, channel: str) -> str:
    """What the person saw: the ack's text and anything told to them after it."""
    ephemerals, dms = len(slack.ephemerals), len(slack.dm_messages(user))
    answer = ack_text(bot.command(text, user=user, channel=channel))
    later = [e["text"] for e in slack.ephemerals[ephemerals:] if e["user"] == user]
    later += [m["text"] for m in slack.dm_messages(user)[dms:]]
    return "\n".join([answer, *later]).strip()


def test_a_plain_member_is_refused_every_steering_verb_and_nothing_changes(bot, slack, deps):
    channel = bot.declare(severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role tl <@UCAROL>", user="UALICE", channel=channel.id)
    slack.channels[channel.id].members.add("UBOB")
    before = state(slack, deps, channel.id)
    views = len(slack.views_opened)

    for text, doing in STEERING.items():
        answer = said(bot, slack, text, "UBOB", channel.id)
        assert answer == f"Only the incident manager <@UALICE> may {doing}.", text

    assert state(slack, deps, channel.id) == before
    assert len(slack.views_opened) == views  # no resolve or update modal was opened


def test_nobody_makes_themselves_backup_im_to_take_the_incident_over(bot, slack, deps):
    channel = bot.declare(severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    before = state(slack, deps, channel.id)

    answer = said(bot, slack, "role backup-im me", "UBOB", channel.id)
    assert answer == "Only the incident manager <@UALICE> may assign the backup incident manager role in HOT-1."
    for text in ("severity 1", "handover <@UBOB>", "resolve"):
        assert said(bot, slack, text, "UBOB", channel.id).startswith("Only the incident manager <@UALICE> may")
    assert state(slack, deps, channel.id) == before

    # The IM names a backup, who then steers.
    bot.command("role backup-im <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("severity 1", user="UBOB", channel=channel.id)
    assert channel.topic.startswith("HOT-1 | Sev 1 |")


def test_the_backup_im_may_post_updates_and_the_refusal_lists_every_writer(bot, slack, deps):
    channel = bot.declare(severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role comms <@UCAROL>", user="UALICE", channel=channel.id)
    answer = said(bot, slack, "update", "UBOB", channel.id)
    assert answer == ("Only the incident manager <@UALICE> or the communications manager <@UCAROL> may post an "
                      "update for HOT-1.")
    bot.command("update", user="UCAROL", channel=channel.id)
    assert bot.last_view(Callback.UPDATE)


def resolved_incident(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    slack.channels[channel.id].members.update({"UBOB", "UCAROL"})
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")
    return channel


def postmortem_state(deps) -> tuple:
    with deps.sessions() as s:
        pm = s.scalars(select(Postmortem)).one()
        entries = len(s.scalars(select(TimelineEntry)).all())
        return pm.owner_id, list(pm.approvers or []), pm.status, dict(pm.fields or {}), entries


def test_nobody_takes_a_postmortem_over_or_approves_their_own(slack, database_url, clock):
    deps = make_deps(slack, database_url, clock, team=TeamConfig(postmortem_approvers=("UCAROL",)))
    bot = Bot.build(deps, slack)
    try:
        channel = resolved_incident(bot, slack, deps)
        before = postmortem_state(deps)
        assert before[:3] == ("UALICE", ["UCAROL"], "draft")

        who = ("Only the postmortem owner <@UALICE> (the incident manager) or an approver (<@UCAROL>) may "
               "change the postmortem owner of HOT-1.")
        assert said(bot, slack, "postmortem owner me", "UBOB", channel.id) == who
        assert said(bot, slack, "postmortem approvers <@UBOB>", "UBOB", channel.id) == (
            "Only the postmortem owner <@UALICE> (the incident manager) may add postmortem approvers to HOT-1.")
        assert said(bot, slack, "postmortem approvers remove <@UCAROL>", "UALICE", channel.id) == (
            "<@UCAROL> is a configured approver of HOT-1's postmortem and cannot be removed; the team's "
            "configuration names them.")
        assert "cannot approve it" in said(bot, slack, "postmortem approvers <@UALICE>", "UALICE", channel.id)
        assert postmortem_state(deps) == before

        # The configured approver makes themselves owner (an approver may) and then cannot approve.
        bot.command("postmortem owner me", user="UCAROL", channel=channel.id)
        bot.command("postmortem approvers <@UBOB>", user="UCAROL", channel=channel.id)
        bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
        bot.command("postmortem request-approval", user="UCAROL", channel=channel.id)
        with deps.sessions() as s:
            pm = s.scalars(select(Postmortem)).one()
            assert (pm.owner_id, pm.status) == ("UCAROL", "in_review")
        request = slack.dm_messages("UBOB")[-1]
        bot.action(Action.POSTMORTEM_APPROVE, str(pm.id), user="UCAROL", message=request)
        assert "You own the HOT-1 postmortem, so you cannot approve it" in told(slack, "UCAROL")
        assert postmortem_state(deps)[2] == "in_review"
        bot.action(Action.POSTMORTEM_APPROVE, str(pm.id), user="UBOB", message=request)
        assert postmortem_state(deps)[2] == "approved"
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()


def test_an_action_is_closed_only_by_its_owner_the_postmortem_owner_or_the_im(bot, slack, deps):
    channel = bot.declare(severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    slack.channels[channel.id].members.update({"UBOB", "UCAROL"})
    bot.command("action priority Add a canary stage <@UCAROL>", user="UALICE", channel=channel.id)
    with deps.sessions() as s:
        action_id = s.scalars(select(ActionRow.id)).one()

    answer = said(bot, slack, f"action done {action_id}", "UBOB", channel.id)
    assert answer == (f"Only the action's owner <@UCAROL> or the incident manager <@UALICE> may close action "
                      f"#{action_id} of HOT-1.")
    with deps.sessions() as s:
        assert s.scalars(select(ActionRow.done_at)).one() is None
    bot.command(f"action done {action_id}", user="UCAROL", channel=channel.id)
    with deps.sessions() as s:
        assert s.scalars(select(ActionRow.done_by)).one() == "UCAROL"


def comms_rows(deps) -> int:
    with deps.sessions() as s:
        return len(s.scalars(select(CommsUpdate)).all())


def test_an_old_nag_button_pressed_after_a_handover_is_refused(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.clock.advance(minutes=20)
    nag_job.run_due(deps, "w1")
    deliver_due(deps)
    dm = slack.dm_messages("UALICE")[-1]
    button = next(e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["value"] == "1:incident-manager"
    bot.command("handover <@UBOB>", user="UALICE", channel=channel.id)
    views = len(slack.views_opened)

    bot.action(Action.OPEN_UPDATE, button["value"], user="UALICE", message=dm, channel_id=dm["channel"])
    # A button from before the role was in its value is the IM's too.
    bot.action(Action.OPEN_UPDATE, "1", user="UALICE", message=dm, channel_id=dm["channel"])

    assert len(slack.views_opened) == views
    refusals = [m["text"] for m in slack.dm_messages("UALICE")[-2:]]
    assert refusals == ["This reminder was for the incident manager of HOT-1, which is now <@UBOB>: the reminder's "
                        "button works only for them. `/incident update` in the incident channel says who may post "
                        "updates."] * 2
    # The new IM's press opens the modal.
    bot.action(Action.OPEN_UPDATE, button["value"], user="UBOB", message=dm, channel_id=dm["channel"])
    assert len(slack.views_opened) == views + 1


def test_an_update_modal_submitted_after_the_role_moved_is_refused(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("update", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    bot.command("handover <@UBOB>", user="UALICE", channel=channel.id)
    messages = len(slack.messages_in(channel.id))

    response = bot.submit(view, update_values(bot.clock() + timedelta(hours=1)), user="UALICE")

    errors = json.loads(response.body)["errors"]
    assert errors == {Block.UPDATE_STATE: "Only the incident manager <@UBOB> may post an update for HOT-1."}
    assert comms_rows(deps) == 0 and len(slack.messages_in(channel.id)) == messages


def test_a_forged_or_stale_resolve_submission_for_another_incident_is_refused(bot, slack, deps):
    mine = bot.declare("Mine")
    bot.command("role im me", user="UBOB", channel=mine.id)
    theirs = bot.declare("Theirs")
    bot.command("role im me", user="UALICE", channel=theirs.id)
    bot.command("resolve", user="UBOB", channel=mine.id)
    view = bot.last_view(Callback.RESOLVE)
    # The same modal, its metadata pointing at the other incident.
    meta = json.loads(view["private_metadata"])
    forged = {**view, "private_metadata": json.dumps({**meta, "incident_id": 2})}
    before = state_of(deps, 2)

    response = bot.submit(forged, resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                 ("2024-05-06", "08:55")), user="UBOB")

    assert json.loads(response.body)["errors"] == {
        Block.RESOLUTION_SUMMARY: "Only the incident manager <@UALICE> may resolve HOT-2."}
    assert state_of(deps, 2) == before


def state_of(deps, incident_id: int) -> tuple:
    with deps.sessions() as s:
        incident = s.get(Incident, incident_id)
        entries = len(s.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)).all())
        return incident.status, incident.resolved_at, entries


def test_resolving_with_the_incident_channel_archived_still_tells_everyone_else(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.RESOLVE)
    slack.channels[channel.id].is_archived = True  # someone archived it while the modal was open

    response = bot.submit(view, resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                               ("2024-05-06", "08:55")), user="UALICE")

    assert response.status == 200 and not response.body
    with deps.sessions() as s:
        assert s.scalars(select(Incident.status)).one() == "Resolved"
    announced = slack.messages_in(slack.incidents_channel_id)[-1]
    assert "HOT-1 is resolved" in announced["text"]
    owner_dms = [m["text"] for m in slack.dm_messages("UALICE")]
    assert any("You own the postmortem of HOT-1" in text for text in owner_dms)
    assert any("The final comms of HOT-1 did not reach the incident channel: it is archived" in text
               for text in owner_dms)


def test_a_7000_character_update_reaches_slack_whole(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("update", user="UALICE", channel=channel.id)

    def words(tag: str, length: int) -> str:
        text = " ".join(f"{tag}{n}" for n in range(length))
        return text[:length].rstrip()

    state, root = words("state", 990), words("root", 990)
    status = "\n".join(f"- {words(f's{b}w', 480)}" for b in range(4))
    steps = "\n".join(f"- {words(f'n{b}w', 480)}" for b in range(4))
    values = update_values(bot.clock() + timedelta(hours=1), state=state, root_cause=root, status=status, steps=steps,
                           affected=words("aff", 490))
    values[Block.UPDATE_CUSTOMER_IMPACT] = {Action.VALUE: {"type": "plain_text_input", "value": words("cust", 990)}}
    assert sum(len(v[Action.VALUE].get("value") or "") for v in values.values() if "value" in v[Action.VALUE]) > 7000

    response = bot.submit(bot.last_view(Callback.UPDATE), values, user="UALICE")

    assert response.status == 200 and not response.body
    for where in (channel.id, slack.incidents_channel_id):
        posted = slack.messages_in(where)[-1]
        shown = "\n".join(b["text"]["text"] for b in posted["blocks"] if b["type"] == "section")
        assert all(len(b["text"]["text"]) <= 3000 for b in posted["blocks"] if b["type"] == "section")
        for field in (state, root, words("aff", 490), words("cust", 990), *[line[2:] for line in status.split("\n")],
                      *[line[2:] for line in steps.split("\n")]):
            assert field in shown, field[:20]


def test_a_private_postmortems_approver_is_invited_and_the_dm_carries_no_details(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Payroll data exposed", severity=2, private=True)
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UREPORTER", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UREPORTER")
    assert "UCAROL" not in slack.channels[channel.id].members
    bot.command("postmortem approvers <@UCAROL>", user="UREPORTER", channel=channel.id)
    bot.command("action priority prevent-future Lock down the export", user="UREPORTER", channel=channel.id)
    bot.command("postmortem request-approval", user="UREPORTER", channel=channel.id)

    assert "UCAROL" in slack.channels[channel.id].members
    request = slack.dm_messages("UCAROL")[-1]
    assert request["text"].startswith(":lock: You are asked to approve the postmortem of private incident HOT-1.")
    assert f"<#{channel.id}>" in request["text"]
    assert "Payroll" not in str(request) and "Sev" not in str(request)
    assert any(b["type"] == "actions" for b in request["blocks"])
    # The severity of a private incident never reaches the incidents channel.
    assert all("Sev" not in m["text"] and "Payroll" not in m["text"]
               for m in slack.messages_in(slack.incidents_channel_id))


def test_a_private_postmortems_guest_approver_who_cannot_be_invited_is_named_to_the_requester(bot, slack, deps):
    slack.add_user("UGUEST", "guest", is_restricted=True)
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Payroll data exposed", severity=2, private=True)
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UREPORTER", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UREPORTER")
    bot.command("postmortem approvers <@UCAROL> <@UGUEST>", user="UREPORTER", channel=channel.id)
    bot.command("action priority prevent-future Lock down the export", user="UREPORTER", channel=channel.id)
    bot.command("postmortem request-approval", user="UREPORTER", channel=channel.id)

    assert "UCAROL" in slack.channels[channel.id].members and "UGUEST" not in slack.channels[channel.id].members
    told = [m["text"] for m in slack.dm_messages("UREPORTER") if "would not let me invite" in m["text"]]
    assert len(told) == 1
    assert "you asked them to approve the postmortem" in told[0] and "<@UGUEST> is a guest account" in told[0]
    assert "Payroll" not in told[0]
