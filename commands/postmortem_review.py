"""Postmortem approval: request it, and the approvers' Approve / Request changes buttons.

draft -> in review (the approvers get a DM with both buttons) -> approved; requesting
changes sends it back to draft with the approver's comment for the owner. Any one named
approver's approval is enough (the handbook's approval step). Every move is on the timeline.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.core.authority import Act
from bot.core.postmortem import (
    APPROVE,
    APPROVED,
    IN_REVIEW,
    REQUEST_APPROVAL,
    REQUEST_CHANGES,
    PostmortemError,
    addresses_root_cause,
    approval_blocker,
    approval_complete,
    missing_fields,
    required_approvals,
    status_after,
)
from bot.effects import outbox
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.ids import Action, Block, Callback
from bot.views.postmortem import (
    approval_request, changes_modal, confirm_without_root_cause_action, private_approval_request, review_done,
)
from bot.views.slack_text import inert, mention
from bot.errors import CommandError
from commands import authority
from storage import cleanup, incidents, postmortems, timeline

log = logging.getLogger(__name__)


class NeedsConfirmation(CommandError):
    """Asking for approval would skip a handbook check; the person confirms with a button."""

    def __init__(self, text: str, blocks: list[dict[str, Any]]) -> None:
        super().__init__(text)
        self.blocks = blocks


def request_approval(deps: Deps, incident_id: int, user_id: str, *, confirmed: bool = False,
                     typed_in: str | None = None) -> None:
    """Moves the draft into review and DMs every approver; refused input changes nothing.
    Without a "mitigate future" or "prevent future" priority action, the person is asked
    to confirm first (NeedsConfirmation): the handbook says to be sure to get one."""
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        found = postmortems.get_by_incident(s, incident_id, for_update=True)
        if found is None:
            raise CommandError("This incident has no postmortem yet: `/incident postmortem` creates it.")
        snap = incidents.snapshot(incident)
        authority.check(s, user_id, Act.POSTMORTEM_REQUEST_APPROVAL, snap, typed_in=typed_in,
                        postmortem=authority.people(deps, found, snap))
        try:
            new_status = status_after(found.status, REQUEST_APPROVAL, approvers=tuple(found.approvers or ()))
        except PostmortemError as exc:
            raise CommandError(str(exc)) from None
        blocked = approval_blocker(found.owner_id, tuple(found.approvers or ()),
                                   deps.team.required_approvers(snap.faulty_service), snap.faulty_service,
                                   snap.incident_manager)
        if blocked:
            raise CommandError(blocked)
        current = postmortems.document(s, incident_id)
        if not confirmed and current is not None and not addresses_root_cause(current.actions):
            text, blocks = confirm_without_root_cause_action(snap.key, incident_id)
            raise NeedsConfirmation(text, blocks)
        postmortems.set_status(found, new_status, now=now)
        # The owner never approves their own postmortem: they are not asked (nor reminded).
        approvers = tuple(a for a in found.approvers if a != found.owner_id)
        # Undecided approvers are reminded once per POSTMORTEM_APPROVAL_REMINDER until they decide.
        cleanup.schedule_approval_reminders(s, incident_id=incident_id, postmortem_id=found.id, approvers=approvers,
                                            every=deps.settings.postmortem_approval_reminder, now=now)
        timeline.record_system(
            s, incident_id,
            f"Postmortem approval requested from {', '.join(mention(a) for a in approvers)}: "
            "in review.",
            now=now, actor_id=user_id, data={"event": "postmortem_in_review", "approvers": list(approvers)},
        )
        doc = postmortems.document(s, incident_id)
        assert doc is not None  # it was just read
        text, blocks = approval_request(doc, found.id, missing_fields(doc))
        if snap.private and snap.channel_id:
            # A private incident's details stay in its channel: approvers who are not members are
            # invited to it, and the DM only links there (with the buttons).
            outbox.invite(s, incident_id, list(approvers), now=now, tell=user_id,
                          why="you asked them to approve the postmortem")
            text, blocks = private_approval_request(snap.key, snap.channel_id, blocks)
        for approver in approvers:
            outbox.to_person(s, incident_id, approver, text, blocks, now=now, tell=user_id,
                             what=f"The {snap.key} postmortem approval request to {mention(approver)}")
        _tell_channel(s, incident_id, f"The {snap.key} postmortem is in review: "
                      f"{', '.join(mention(a) for a in approvers)} have been asked to approve it.", now=now)


def decide(deps: Deps, *, postmortem_id: int, reviewer_id: str, event: str, comment: str = "",
           message: tuple[str, str] | None = None) -> None:
    """An approver approves or requests changes; `message` is their DM with the buttons, updated after."""
    now = deps.now()
    with deps.sessions.begin() as s:
        found = postmortems.get(s, postmortem_id, for_update=True)
        if found is None:
            raise CommandError("That postmortem no longer exists.")
        reviewed = incidents.snapshot(incidents.get(s, found.incident_id))
        authority.check(s, reviewer_id, Act.POSTMORTEM_REVIEW, reviewed, postmortem=authority.people(deps, found, reviewed))
        try:
            new_status = status_after(found.status, event)
        except PostmortemError as exc:
            raise CommandError(str(exc)) from None
        decision = "approved" if event == APPROVE else "changes_requested"
        postmortems.record_review(s, postmortem_id=postmortem_id, reviewer_id=reviewer_id, decision=decision,
                                  comment=comment, now=now)
        incident = incidents.get(s, found.incident_id)
        snap = incidents.snapshot(incident)
        waiting: tuple[str, ...] = ()
        if new_status == APPROVED:
            # The faulty service's approvers are mandatory: every one of them must approve.
            # (The owner's own place among them is taken by the service's other approvers.)
            required = required_approvals(deps.team.required_approvers(incident.faulty_service), found.owner_id)
            approved_by = postmortems.approved_since_last_change_request(s, postmortem_id)
            if not approval_complete(approved_by, required):
                new_status = IN_REVIEW
                waiting = tuple(a for a in required if a not in approved_by)
        postmortems.set_status(found, new_status, now=now)
        if found.status != IN_REVIEW:
            cleanup.cancel_approval_reminders(s, incident_id=found.incident_id, now=now,
                                              reason=f"postmortem {found.status}")
        if event != APPROVE:
            said = f"Postmortem changes requested by {mention(reviewer_id)}: back to draft. {comment}".rstrip()
        elif waiting:
            said = (f"Postmortem approved by {mention(reviewer_id)}; still waiting for "
                    f"{', '.join(mention(a) for a in waiting)} (the service's approvers must all approve).")
        else:
            said = f"Postmortem approved by {mention(reviewer_id)}."
        timeline.record_system(
            s, found.incident_id, said, now=now, actor_id=reviewer_id,
            data={"event": f"postmortem_{decision}", "comment": comment},
        )
        if message:
            text, blocks = review_done(snap.key, event == APPROVE, comment)
            outbox.update_message(s, found.incident_id, message[0], message[1], text, blocks, now=now)
        # The comment is typed text: escaped where it becomes a message (the timeline keeps it raw).
        said = said.replace(comment, inert(comment)) if comment else said
        outbox.to_person(s, found.incident_id, found.owner_id, f"{snap.key}: {said}" + (
            "" if event == APPROVE else
            " Edit it with `/incident postmortem` in the incident channel, then request approval again."),
            now=now, tell=reviewer_id, what=f"Your review of the {snap.key} postmortem, to its owner")
        _tell_channel(s, found.incident_id, f"{snap.key}: {said}", now=now)


def _tell_channel(s: Any, incident_id: int, text: str, *, now: Any) -> None:
    """The incident channel hears of the review; once ARCHIVE_AFTER archived it, the DMs carry it
    (its failing there is recorded, and nobody needs telling)."""
    outbox.in_channel(s, incident_id, text, now=now)


def register(app: App, deps: Deps) -> None:
    @app.action(Action.POSTMORTEM_APPROVE)
    def approve_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        container = body.get("container") or {}
        message = (container["channel_id"], container["message_ts"]) if container.get("message_ts") else None
        _answering(deps, body, lambda: decide(deps, postmortem_id=int(body["actions"][0]["value"]),
                                                  reviewer_id=body["user"]["id"], event=APPROVE, message=message))

    @app.action(Action.POSTMORTEM_REQUEST_CHANGES)
    def changes_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        postmortem_id, user_id = int(body["actions"][0]["value"]), body["user"]["id"]
        container = body.get("container") or {}
        with deps.sessions.begin() as s:
            found = postmortems.get(s, postmortem_id)
            refusal = None
            reviewed = incidents.snapshot(incidents.get(s, found.incident_id)) if found else None
            decision = authority.decide(s, user_id, Act.POSTMORTEM_REVIEW, reviewed,
                                        postmortem=authority.people(deps, found, reviewed)) if found else None
            if found is None:
                refusal = "That postmortem no longer exists."
            elif not decision:
                refusal = decision.reason if decision is not None else ""
            elif found.status != IN_REVIEW:
                refusal = "The postmortem is not in review any more."
            key = incidents.get(s, found.incident_id).key if found else ""
        if refusal:
            deps.slack.ephemeral(container.get("channel_id") or user_id, user_id, refusal)
            return
        meta = {"postmortem_id": postmortem_id, "channel": container.get("channel_id"),
                "ts": container.get("message_ts")}
        deps.slack.open_view(body["trigger_id"], changes_modal(key, json.dumps(meta)))

    @app.view(Callback.POSTMORTEM_CHANGES)
    def changes_submitted(ack: Ack, body: dict[str, Any]) -> None:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        comment = " ".join((input_value(body["view"]["state"]["values"], Block.REVIEW_COMMENT) or "").split())
        if not comment:
            ack(response_action="errors", errors={Block.REVIEW_COMMENT: "Say what should change."})
            return
        ack()
        message = (meta["channel"], meta["ts"]) if meta.get("channel") and meta.get("ts") else None
        _answering(deps, body, lambda: decide(deps, postmortem_id=int(meta["postmortem_id"]),
                                                  reviewer_id=body["user"]["id"], event=REQUEST_CHANGES,
                                                  comment=comment, message=message))

    @app.action(Action.POSTMORTEM_REQUEST_APPROVAL)
    def request_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _answering(deps, body, lambda: request_approval(deps, int(body["actions"][0]["value"]),
                                                            body["user"]["id"]))

    @app.action(Action.POSTMORTEM_REQUEST_APPROVAL_CONFIRMED)
    def request_confirmed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _answering(deps, body, lambda: request_approval(deps, int(body["actions"][0]["value"]),
                                                            body["user"]["id"], confirmed=True))


def _answering(deps: Deps, body: dict[str, Any], work: Any) -> None:
    """Runs a button's work; a refusal is told to the person where they clicked (or in a DM)."""
    user_id = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id") or user_id
    try:
        work()
    except NeedsConfirmation as exc:
        deps.slack.ephemeral(channel, user_id, str(exc), blocks=exc.blocks)
    except CommandError as exc:
        deps.slack.ephemeral(channel, user_id, str(exc))
