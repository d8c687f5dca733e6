"""`/incident role <role> <@user|me|none>`: one IM at a time, several tech leads, the topic follows.

The decision is the core's (`bot.core.roles.plan_role_change`); this module validates the
person with Slack, applies the plan under a lock on the incident row, records it on the
timeline in the same transaction, and then tells the channel, the holder and whoever left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.authority import Actor
from bot.core.cleanup import role_nudge_wanted
from bot.core.handbook import Role
from bot.core.incident import IncidentSnapshot
from bot.core.roles import (
    Person, RoleChange, RoleError, check_person, parse_person, plan_role_change, resolve_role,
)
from bot.services import Services
from bot.slack_edge import SlackFailure
from bot.views import roles as views
from commands import authority, channel_members
from commands.channel_sync import sync_channel
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import verb
from storage import cleanup, incidents, timeline
from storage import roles as role_store

log = logging.getLogger(__name__)

USAGE = "role <role> <@user|me|none>"


@dataclass(frozen=True)
class RoleArgs:
    role: str
    who: str


def parse(args: str) -> RoleArgs:
    words = args.split()
    if len(words) != 2:
        raise CommandError("Say which role and who takes it, e.g. `/incident role tech-lead @alice` or "
                           "`/incident role im me`.")
    try:
        parse_person(words[1], "caller", allow_none=True)
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    return RoleArgs(words[0], words[1])


def person_named(services: Services, text: str, caller: str, *, allow_none: bool) -> Person:
    """The person a command names, checked with Slack: known, not a bot, not deactivated."""
    person = parse_person(text, caller, allow_none=allow_none)
    if person.user_id is not None:
        check_person(person.user_id, services.slack.user(person.user_id))
    return person


@verb("role", usage=USAGE, parse=parse)
def role(ctx: CommandContext) -> None:
    services = ctx.services
    extra = services.team.extra_roles
    try:
        wanted = resolve_role(ctx.parsed.role, extra)
        person = person_named(services, ctx.parsed.who, ctx.user_id, allow_none=True)
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    try:
        applied = apply(services, ctx.incident_id or 0, actor=ctx.user_id, typed_in=ctx.channel_id,
                        decide=lambda snap, who: plan_role_change(snap, wanted, person, actor=who))
    except RoleError as exc:
        ctx.reply(str(exc))
        return
    if applied.change.note:
        ctx.reply(applied.change.note)
        return
    announce(services, applied, wanted, actor=ctx.user_id)


@dataclass(frozen=True)
class Applied:
    change: RoleChange
    before: IncidentSnapshot
    after: IncidentSnapshot
    incident_id: int


def apply(services: Services, incident_id: int, *, actor: str, typed_in: str | None,
          decide: Callable[[IncidentSnapshot, Actor], RoleChange], event: str = "role") -> Applied:
    """Decides on the locked row and writes the change and its timeline entries in one transaction.
    A RoleError from `decide` rolls back: nothing changed."""
    now = services.now()
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        before = incidents.snapshot(incident)
        change = decide(before, authority.actor(s, actor, before, typed_in=typed_in))
        if not change.changes_anything:
            return Applied(change, before, before, incident_id)
        title = views.role_title(change.role, services.team.extra_roles).lower()
        for relieved in role_store.relieve(s, incident, role=change.role, user_ids=change.relieve, by=actor, now=now):
            timeline.record(
                s, incident_id=incident.id, kind="system", actor_id=actor, occurred_at=now, recorded_at=now,
                text=f"<@{relieved.user_id}> left the {title} role (by <@{actor}>)",
                data={"event": event, "action": "relieved", "role": change.role, "user": relieved.user_id, "by": actor},
            )
        if change.assign:
            held = role_store.assign(s, incident, role=change.role, user_id=change.assign, by=actor, now=now)
            if role_nudge_wanted(change.role):
                # The handbook's fatigue check, for every role: asked once after HANDOVER_NUDGE_AFTER.
                cleanup.schedule_role_nudge(s, incident_id=incident.id, assignment=held,
                                            due_at=now + services.settings.handover_nudge_after, now=now)
            what = (f"<@{actor}> took the {title} role" if change.assign == actor
                    else f"<@{actor}> gave <@{change.assign}> the {title} role")
            timeline.record(
                s, incident_id=incident.id, kind="system", actor_id=actor, occurred_at=now, recorded_at=now,
                text=what,
                data={"event": event, "action": "assigned", "role": change.role, "user": change.assign, "by": actor},
            )
        if change.status_after != change.status_before:
            incident.status = change.status_after
            timeline.record(
                s, incident_id=incident.id, kind="system", actor_id=actor, occurred_at=now, recorded_at=now,
                text=f"Status {change.status_before} → {change.status_after}: <@{change.assign}> is the {title}",
                data={"event": "status", "from": change.status_before, "to": change.status_after, "by": actor},
            )
        after = incidents.snapshot(incident)
    return Applied(change, before, after, incident_id)


def announce(services: Services, applied: Applied, role: Role, *, actor: str) -> None:
    """After the commit: invite the holder, tell the channel, the holder and whoever left; fix the topic."""
    change, snap = applied.change, applied.after
    channel = snap.channel_id or ""
    if change.assign:
        refused = channel_members.invite(
            services, channel, [change.assign], actor=actor, incident_id=applied.incident_id, key=snap.key,
            why=f"you named them {views.role_title(change.role, services.team.extra_roles).lower()}")
        if refused:
            log.warning("%s: could not invite %s: %s", snap.key, change.assign, refused)
    # The topic first: it is the one place everyone looks.
    sync_channel(services, applied.incident_id)
    if change.assign:
        services.slack.post(channel, views.assigned_in_channel(
            role, change.assign, by=actor, relieved=change.relieve, status_before=change.status_before,
            status_after=change.status_after))
        tell(services, change.assign, views.welcome(snap, role, by=actor, user_id=change.assign))
    else:
        services.slack.post(channel, views.cleared_in_channel(role, change.relieve, by=actor))
    for user_id in change.relieve:
        if user_id != actor:
            tell(services, user_id, views.relieved_notice(snap, role, by=actor, successor=change.assign))


def tell(services: Services, user_id: str, text: str) -> None:
    """A DM; the change is already saved, so a failed DM is logged, not raised."""
    try:
        services.slack.dm(user_id, text)
    except SlackFailure as exc:
        log.error("could not DM %s: %s", user_id, exc)
