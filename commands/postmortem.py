"""`/incident postmortem [show|edit <section>|export|owner <@user|me>|approvers <@user>...|request-approval]`.

Bare `/incident postmortem` shows the document to the person (creating it on request, e.g.
for a Sev 3 incident; Sev 1 and 2 get one automatically on resolve). The owner edits it in
one modal per section; anyone may export it as Markdown into the channel.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from bot.core import handbook
from bot.core.authority import Act
from bot.core.incident import IncidentSnapshot
from bot.core.postmortem import (
    APPROVED,
    CAUSE_CATEGORY,
    EXTERNAL_DEPENDENCY,
    FIELDS,
    business_days_after,
    missing_fields,
    owner_blocks_approval,
    section_named,
    section_names,
)
from bot.deps import Deps
from bot.effects import outbox
from bot.views.blocks import input_value
from bot.views.ids import Action, Block, Callback
from bot.views.postmortem import document_message, edit_modal, owner_dm
from bot.views.postmortem_meeting import meeting_message
from bot.views.slack_text import USER_MENTION, mention, utc_text
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from bot.flows.export import export
from commands.postmortem_review import NeedsConfirmation, request_approval
from commands.registry import verb
from storage import IncidentRow, PostmortemRow, Session, incidents, postmortems, timeline

log = logging.getLogger(__name__)
USAGE = (f"postmortem [edit <{section_names()}> | export | owner <@user|me> | approvers [remove] <@user> [@user...] | "
         "request-approval | meeting]")
SUBCOMMANDS = ("show", "edit", "export", "owner", "approvers", "request-approval", "meeting")


@dataclass(frozen=True)
class PostmortemCommand:
    action: str
    section: str | None = None
    users: tuple[str, ...] = ()
    me: bool = False
    # `approvers remove @a`: takes named approvers off (configured ones stay).
    remove: bool = False


def parse(args: str) -> PostmortemCommand:
    """Pure: `edit cause` -> action edit, section cause; `approvers <@U1> <@U2|bob>` -> users U1, U2."""
    words = args.split()
    if not words:
        return PostmortemCommand("show")
    action, rest = words[0].lower(), words[1:]
    if action not in SUBCOMMANDS:
        raise CommandError(f"`{words[0]}` is not a postmortem command.")
    if action == "edit":
        section = section_named(rest[0]) if len(rest) == 1 else None
        if section is None:
            raise CommandError(f"Say which section to edit: {', '.join(section_names().split('|'))}.")
        return PostmortemCommand("edit", section=section.name)
    if action in ("owner", "approvers"):
        if action == "owner" and len(rest) == 1 and rest[0].lower() == "me":
            return PostmortemCommand("owner", me=True)
        remove = action == "approvers" and bool(rest) and rest[0].lower() == "remove"
        rest = rest[1:] if remove else rest
        users = [USER_MENTION.fullmatch(word) for word in rest]
        if not users or not all(users) or (action == "owner" and len(users) != 1):
            raise CommandError(f"Name {'one person' if action == 'owner' else 'the approvers'} with @mentions.")
        return PostmortemCommand(action, users=tuple(dict.fromkeys(m.group(1) for m in users if m)), remove=remove)
    if rest:
        raise CommandError(f"`{action}` takes nothing after it.")
    return PostmortemCommand(action)


# --- Creating, shared with resolve -------------------------------------------------------------


def create_for(s: Session, deps: Deps, incident: IncidentRow, *, owner_id: str, actor_id: str,
               now: datetime) -> PostmortemRow | None:
    """The incident's postmortem, created (with a timeline entry) unless it exists; None if it did."""
    if postmortems.get_by_incident(s, incident.id) is not None:
        return None
    due = business_days_after(now, deps.settings.postmortem_due_business_days)
    approvers = (*deps.team.postmortem_approvers, *deps.team.required_approvers(incident.faulty_service))
    created = postmortems.create(s, incident_id=incident.id, owner_id=owner_id, now=now, due_at=due,
                                 approvers=approvers)
    timeline.record_system(
        s, incident.id, f"Postmortem created, owned by {mention(owner_id)}, due {utc_text(due)}.", now=now,
        actor_id=actor_id, data={"event": "postmortem_created", "owner_id": owner_id, "due_at": due.isoformat()},
    )
    return created


def tell_owner(s: Session, deps: Deps, incident_id: int, *, now: datetime, tell: str | None = None) -> None:
    """The owner's DM (an effect of the change that made them owner): what the postmortem is,
    what to do, by when."""
    doc = postmortems.document(s, incident_id)
    if doc is None:
        return
    text, blocks = owner_dm(doc, deps.settings.postmortem_due_business_days)
    outbox.to_person(s, incident_id, doc.postmortem.owner_id, text, blocks, now=now, tell=tell,
                     what=f"The postmortem owner's DM of {doc.incident.key}")


# --- The verb ------------------------------------------------------------------------------------


@verb("postmortem", usage=USAGE, parse=parse)
def postmortem(ctx: CommandContext) -> None:
    command: PostmortemCommand = ctx.parsed
    incident_id = ctx.incident_id or 0
    if command.action == "show":
        show(ctx.deps, incident_id, ctx.user_id, ctx.channel_id)
    elif command.action == "edit":
        open_editor(ctx.deps, incident_id, ctx.user_id, command.section or "", ctx.trigger_id,
                    typed_in=ctx.channel_id)
    elif command.action == "export":
        export(ctx.deps, incident_id, ctx.user_id)
    elif command.action == "owner":
        change_owner(ctx, ctx.user_id if command.me else command.users[0])
    elif command.action == "approvers":
        name_approvers(ctx, command.users, remove=command.remove)
    elif command.action == "meeting":
        with ctx.deps.sessions.begin() as s:
            snap = incidents.snapshot(incidents.get(s, incident_id))
        ctx.reply(*meeting_message(snap))
    else:
        try:
            request_approval(ctx.deps, incident_id, ctx.user_id, typed_in=ctx.channel_id)
        except NeedsConfirmation as exc:
            ctx.reply(str(exc), exc.blocks)
            return
        ctx.reply("Approval requested: the approvers have a DM with Approve and Request changes buttons.")


def show(deps: Deps, incident_id: int, user_id: str, channel_id: str) -> None:
    now = deps.now()
    created = None
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        owner = incidents.snapshot(incident).incident_manager or user_id
        created = create_for(s, deps, incident, owner_id=owner, actor_id=user_id, now=now)
        if created:
            tell_owner(s, deps, incident_id, now=now, tell=user_id)
        doc = postmortems.document(s, incident_id)
    if doc is None:  # pragma: no cover - create_for has just made it
        raise CommandError("The postmortem could not be created; try again.")
    text, blocks = document_message(doc, incident_id)
    deps.slack.ephemeral(channel_id, user_id, text, blocks=blocks)


def _owned(deps: Deps, incident_id: int, user_id: str, *, for_update: bool = False,
           s: Session, typed_in: str | None = None) -> PostmortemRow:
    """The postmortem, if this person may edit it (the owner, the IM, an approver) and it is not final."""
    found = postmortems.get_by_incident(s, incident_id, for_update=for_update)
    if found is None:
        raise CommandError("This incident has no postmortem yet: `/incident postmortem` creates it.")
    snap = incidents.snapshot(incidents.get(s, incident_id))
    authority.check(s, user_id, Act.POSTMORTEM_EDIT, snap, typed_in=typed_in,
                    postmortem=authority.people(deps, found, snap))
    if found.status == APPROVED:
        raise CommandError("The postmortem is approved, so it is final.")
    return found


def open_editor(deps: Deps, incident_id: int, user_id: str, section: str, trigger_id: str,
                typed_in: str | None = None) -> None:
    with deps.sessions.begin() as s:
        _owned(deps, incident_id, user_id, s=s, typed_in=typed_in)
        doc = postmortems.document(s, incident_id)
    chosen = section_named(section)
    if doc is None or chosen is None:
        raise CommandError(f"Say which section to edit: {', '.join(section_names().split('|'))}.")
    deps.slack.open_view(trigger_id, edit_modal(doc, chosen, incident_id))


def _locked_postmortem(s: Session, ctx: CommandContext) -> tuple[IncidentRow, PostmortemRow, IncidentSnapshot]:
    """The incident and its postmortem, locked for a change."""
    incident = incidents.get(s, ctx.incident_id or 0, for_update=True)
    found = postmortems.get_by_incident(s, incident.id, for_update=True)
    if found is None:
        raise CommandError("This incident has no postmortem yet: `/incident postmortem` creates it.")
    return incident, found, incidents.snapshot(incident)


def change_owner(ctx: CommandContext, new_owner: str) -> None:
    deps, now = ctx.deps, ctx.deps.now()
    _real_person(deps, new_owner)
    with deps.sessions.begin() as s:
        incident, found, snap = _locked_postmortem(s, ctx)
        authority.check(s, ctx.user_id, Act.POSTMORTEM_OWNER, snap, typed_in=ctx.channel_id,
                        postmortem=authority.people(deps, found, snap))
        if found.owner_id == new_owner:
            raise CommandError(f"{mention(new_owner)} already owns the postmortem.")
        blocked = owner_blocks_approval(new_owner, deps.team.required_approvers(snap.faulty_service),
                                        snap.faulty_service, snap.incident_manager)
        if blocked:
            raise CommandError(blocked)
        postmortems.set_owner(found, new_owner)
        timeline.record_system(
            s, incident.id, f"Postmortem owner is now {mention(new_owner)}.", now=now, actor_id=ctx.user_id,
            data={"event": "postmortem_owner", "owner_id": new_owner},
        )
        outbox.in_channel(s, incident.id, f"{mention(new_owner)} now owns the postmortem of {snap.key}.", now=now,
                          tell=ctx.user_id, what=f"The new postmortem owner of {snap.key}")
        tell_owner(s, deps, incident.id, now=now, tell=ctx.user_id)


def name_approvers(ctx: CommandContext, named: tuple[str, ...], *, remove: bool = False) -> None:
    """`approvers @a @b` adds them; `approvers remove @a` takes them off. The team's configured
    approvers cannot be removed, and the owner is never an approver of their own postmortem."""
    deps, now = ctx.deps, ctx.deps.now()
    if not remove:
        for person in named:
            _real_person(deps, person)
    with deps.sessions.begin() as s:
        incident, found, snap = _locked_postmortem(s, ctx)
        current = tuple(found.approvers or ())
        act = Act.POSTMORTEM_APPROVERS_REMOVE if remove else Act.POSTMORTEM_APPROVERS_ADD
        authority.check(s, ctx.user_id, act, snap, typed_in=ctx.channel_id,
                        postmortem=authority.people(deps, found, snap), removing=named if remove else ())
        if found.status == APPROVED:
            raise CommandError("The postmortem is already approved.")
        if not remove and found.owner_id in named:
            raise CommandError(f"{mention(found.owner_id)} owns the postmortem, so they cannot approve it: name "
                               "someone else.")
        approvers = tuple(a for a in current if a not in named) if remove else tuple(dict.fromkeys(current + named))
        if approvers == current:
            raise CommandError("Nothing changed: " + (f"the approvers are {', '.join(mention(a) for a in current)}."
                                                      if current else "no approvers are named."))
        postmortems.set_approvers(found, approvers)
        names = ", ".join(mention(a) for a in approvers) or "none"
        timeline.record_system(
            s, incident.id, f"Postmortem approvers: {names}.", now=now, actor_id=ctx.user_id,
            data={"event": "postmortem_approvers", "approvers": list(approvers)},
        )
    ctx.reply(f"Approvers of the {snap.key} postmortem: {names}. `/incident postmortem request-approval` asks them.")


def _real_person(deps: Deps, user_id: str) -> None:
    user = deps.slack.user(user_id)
    if user is None:
        raise CommandError(f"Slack does not know {mention(user_id)}.")
    if user.get("is_bot") or user.get("deleted"):
        raise CommandError(f"{mention(user_id)} is a bot or a deactivated account; name a person.")


# --- Listeners: the edit modal, the document's buttons --------------------------------------------


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.POSTMORTEM_EDIT)
    def edit_submitted(ack: Ack, body: dict[str, Any]) -> None:
        save_section(ack, body, deps)

    @app.action(Action.POSTMORTEM_EDIT_SECTION)
    def edit_chosen(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        incident_id, _, section = body["actions"][0]["selected_option"]["value"].partition(":")
        _answering(deps, body, lambda: open_editor(deps, int(incident_id), body["user"]["id"], section,
                                                       body["trigger_id"]))

    @app.action(Action.POSTMORTEM_EXPORT)
    def export_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _answering(deps, body, lambda: export(deps, int(body["actions"][0]["value"]), body["user"]["id"]))


def _answering(deps: Deps, body: dict[str, Any], work: Any) -> None:
    """Runs a button's work; a refusal is told to the person where they clicked."""
    try:
        work()
    except CommandError as exc:
        channel = (body.get("container") or {}).get("channel_id") or body["user"]["id"]
        deps.slack.ephemeral(channel, body["user"]["id"], str(exc))


def save_section(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    incident_id, section = int(meta["incident_id"]), section_named(meta.get("section", ""))
    values = body["view"]["state"]["values"]
    user_id = body["user"]["id"]
    if section is None:
        ack()
        return
    first_block = Block.POSTMORTEM_FIELD_PREFIX + section.keys[0]
    doc = None
    with deps.sessions.begin() as s:
        try:
            found = _owned(deps, incident_id, user_id, for_update=True, s=s)
        except CommandError as exc:
            refusal = str(exc)
        else:
            refusal = None
            fields, cause_category = dict(found.fields or {}), found.cause_category
            for key in section.keys:
                value = input_value(values, Block.POSTMORTEM_FIELD_PREFIX + key)
                if key == CAUSE_CATEGORY:
                    cause_category = value if value in handbook.CAUSE_CATEGORIES else None
                elif key == EXTERNAL_DEPENDENCY:
                    fields[key] = value if value in handbook.EXTERNAL_DEPENDENCY_OUTCOMES else ""
                elif key in FIELDS:
                    fields[key] = (value or "").strip()
            postmortems.save_fields(found, fields, cause_category=cause_category)
            doc = postmortems.document(s, incident_id)
    if refusal or doc is None:
        ack(response_action="errors", errors={first_block: refusal or "The postmortem is gone."})
        return
    ack()
    missing = missing_fields(doc)
    still = f" Still empty: {', '.join(missing)}." if missing else " Every field is filled in."
    if doc.incident.channel_id:
        deps.slack.ephemeral(doc.incident.channel_id, user_id, f"Saved *{section.title}* of the "
                                 f"{doc.incident.key} postmortem.{still}")
