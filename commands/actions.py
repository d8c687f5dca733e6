"""`/incident action ...`: add a postmortem action with an owner and a due date, close one,
list them. Owner by default: the person who adds it, so every action has someone
accountable (the handbook: "Who will take the actions and by when?") and a reminder
always has somebody to go to; name someone else with a trailing @mention."""

from __future__ import annotations

import logging

from bot.core.actions import (
    ADD_USAGE, CATEGORY_USAGE, DONE_USAGE, LIST_USAGE, ActionInputError, AddAction, CategorizeAction, CloseAction,
    action_due, category_hint, parse_action_command, phrasing_hint,
)
from bot.core.handbook import ACTION_CATEGORIES
from bot.effects import outbox
from bot.views import actions as views
from bot.core.authority import Act
from bot.core.incident import IncidentSnapshot
from bot.views.slack_text import mention
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from commands.registry import verb
from storage import ActionRow, Session, actions, incidents, members, postmortems, timeline

log = logging.getLogger(__name__)


def parse(args: str) -> object:
    try:
        return parse_action_command(args)
    except ActionInputError as exc:
        raise CommandError(str(exc)) from None


@verb("action", usage=f"{ADD_USAGE}` · `/incident {DONE_USAGE}` · `/incident {CATEGORY_USAGE}` · "
                     f"`/incident {LIST_USAGE}", parse=parse)
def action(ctx: CommandContext) -> None:
    if isinstance(ctx.parsed, AddAction):
        add(ctx, ctx.parsed)
    elif isinstance(ctx.parsed, CloseAction):
        close(ctx, ctx.parsed.action_id)
    elif isinstance(ctx.parsed, CategorizeAction):
        categorize(ctx, ctx.parsed)
    else:
        show(ctx)


def check_owner(ctx: CommandContext, owner_id: str) -> None:
    user = ctx.deps.slack.user(owner_id)
    if user is None:
        raise CommandError(f"I can't find {mention(owner_id)} in this workspace; "
                           "pick the owner from Slack's @ suggestions.")
    if user.get("is_bot") or owner_id == "USLACKBOT":
        raise CommandError(f"{mention(owner_id)} is a bot; an action needs a person who will do it.")
    if user.get("deleted"):
        raise CommandError(f"{mention(owner_id)} has left the workspace; name someone who will do it.")


def add(ctx: CommandContext, request: AddAction) -> None:
    deps = ctx.deps
    owner_id = request.owner_id or ctx.user_id
    if request.owner_id:
        check_owner(ctx, owner_id)
    now = deps.now()
    settings = deps.settings
    with deps.sessions.begin() as s:
        incident = incidents.get(s, ctx.incident_id, for_update=True)
        authority.check(s, ctx.user_id, Act.ADD_ACTION, incidents.snapshot(incident), typed_in=ctx.channel_id)
        # The service's own priority-action SLO (4 or 8 weeks) wins over the global setting.
        service = deps.team.service(incident.faulty_service)
        priority_weeks = (service.priority_action_weeks if service and service.priority_action_weeks
                          else settings.priority_action_weeks)
        due_at = action_due(request.kind, now, priority_weeks=priority_weeks,
                            improvement_weeks=settings.improvement_action_weeks)
        row = actions.add(s, incident_id=incident.id, kind=request.kind, text=request.text, owner_id=owner_id,
                          due_at=due_at, created_by=ctx.user_id, now=now, category=request.category)
        timeline.record_system(
            s, incident.id,
            f"{mention(ctx.user_id)} added {request.kind} action "
            f"#{row.id} for {mention(owner_id)}: {request.text}",
            now=now, actor_id=ctx.user_id,
            data={"event": "action", "change": "added", "action_id": row.id, "action_kind": request.kind,
                  "owner_id": owner_id, "due_at": due_at.isoformat(), "category": request.category},
        )
        item = actions.items(s, [row.id])[row.id]
        outsider = item.private and not members.is_member(s, channel_id=item.channel_id, user_id=owner_id)
        what = f"Action #{item.id} of {incident.key}"
        outbox.in_channel(s, incident.id, views.added_message(item, added_by=ctx.user_id), now=now, tell=ctx.user_id,
                          what=what)
        if owner_id != ctx.user_id:
            # A private incident's action text stays in its channel: an owner outside it hears only the key.
            outbox.to_person(s, incident.id, owner_id, views.private_owner_told(item) if outsider
                             else views.owner_told(item, added_by=ctx.user_id), now=now, tell=ctx.user_id,
                             what=f"The note to {mention(owner_id)} that they own action #{item.id}")
    told: list[str] = []
    hint = phrasing_hint(request.text)
    if hint:
        told.append(hint)
    elif not request.owner_id:
        told.append(f"Action #{item.id} is yours. To give it to someone else, close it and add it again ending "
                    "with their @mention.")
    if request.category is None:
        told.append(category_hint(request.kind))
    if told:
        ctx.reply("\n\n".join(told))


def close(ctx: CommandContext, action_id: int) -> None:
    deps = ctx.deps
    now = deps.now()
    with deps.sessions.begin() as s:
        row, snap = _action_to_change(s, ctx, action_id, doing=f"close action #{action_id} of")
        if row.done_at is not None:
            item = actions.items(s, [row.id])[row.id]
            closed = False
        else:
            actions.close(s, row, by=ctx.user_id, now=now)
            timeline.record_system(
                s, row.incident_id,
                f"{mention(ctx.user_id)} closed {row.kind} action "
                f"#{row.id}: {row.text}",
                now=now, actor_id=ctx.user_id,
                data={"event": "action", "change": "closed", "action_id": row.id, "action_kind": row.kind},
            )
            item = actions.items(s, [row.id])[row.id]
            closed = True
            outbox.in_channel(s, row.incident_id, views.closed_message(item, closed_by=ctx.user_id), now=now,
                              tell=ctx.user_id, what=f"The closing of action #{row.id} of {snap.key}")
    if not closed:
        ctx.reply(views.already_closed(item))


def _action_to_change(s: Session, ctx: CommandContext, action_id: int, *,
                      doing: str) -> tuple[ActionRow, IncidentSnapshot]:
    """The incident's action #`action_id`, locked, once the authority rule lets this person
    change it (as for closing: its owner, the postmortem owner, the IM); else a refusal."""
    row = actions.get(s, action_id, for_update=True)
    if row is None or row.incident_id != ctx.incident_id:
        key = incidents.get(s, ctx.incident_id).key
        raise CommandError(f"{key} has no action #{action_id}. `/incident action list` shows its actions.")
    snap = incidents.snapshot(incidents.get(s, row.incident_id))
    found = postmortems.get_by_incident(s, row.incident_id)
    authority.check(s, ctx.user_id, Act.CLOSE_ACTION, snap, typed_in=ctx.channel_id, action_owner=row.owner_id,
                    postmortem=authority.people(ctx.deps, found, snap) if found else None, doing=doing)
    return row, snap


def categorize(ctx: CommandContext, request: CategorizeAction) -> None:
    """Sets one of the handbook's six categories; who may: as for closing the action."""
    deps = ctx.deps
    now = deps.now()
    with deps.sessions.begin() as s:
        row, snap = _action_to_change(s, ctx, request.action_id,
                                      doing=f"set the category of action #{request.action_id} of")
        before = actions.set_category(row, request.category)
        timeline.record_system(
            s, row.incident_id,
            f"{mention(ctx.user_id)} put {row.kind} action #{row.id} in {ACTION_CATEGORIES[request.category]}", now=now,
            actor_id=ctx.user_id,
            data={"event": "action", "change": "category", "action_id": row.id, "from": before,
                  "to": request.category},
        )
        item = actions.items(s, [row.id])[row.id]
        outbox.in_channel(s, row.incident_id, views.categorized_message(item, by=ctx.user_id), now=now,
                          tell=ctx.user_id, what=f"The category of action #{row.id} of {snap.key}")


def show(ctx: CommandContext) -> None:
    with ctx.deps.sessions.begin() as s:
        key = incidents.get(s, ctx.incident_id).key
        items = actions.for_incident(s, ctx.incident_id)
    text, blocks = views.action_list(key, items, ctx.deps.now())
    ctx.reply(text, blocks)
