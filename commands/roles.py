"""`/incident role <role> <@user|me|none>`: one IM at a time, several tech leads, the topic follows.

The decision is the core's (`bot.core.roles.plan_role_change`); this listener validates the
person with Slack and answers; bot/flows/roles.py applies the plan under a lock on the
incident row, with its timeline entries and its effects (the channel, the holder and whoever
left are told) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.roles import Person, RoleError, check_person, parse_person, plan_role_change, resolve_role
from bot.flows import roles
from bot.deps import Deps
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from commands.registry import verb

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


def person_named(deps: Deps, text: str, caller: str, *, allow_none: bool) -> Person:
    """The person a command names, checked with Slack: known, not a bot, not deactivated."""
    person = parse_person(text, caller, allow_none=allow_none)
    if person.user_id is not None:
        check_person(person.user_id, deps.slack.user(person.user_id))
    return person


@verb("role", usage=USAGE, parse=parse)
def role(ctx: CommandContext) -> None:
    deps = ctx.deps
    extra = deps.team.extra_roles
    try:
        wanted = resolve_role(ctx.parsed.role, extra)
        person = person_named(deps, ctx.parsed.who, ctx.user_id, allow_none=True)
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    try:
        applied = roles.apply(
            deps, ctx.incident_id or 0, actor=ctx.user_id,
            decide=lambda s, snap: plan_role_change(
                snap, wanted, person, actor=authority.actor(s, ctx.user_id, snap, typed_in=ctx.channel_id)),
            announce=roles.announce_role(deps, wanted, actor=ctx.user_id))
    except RoleError as exc:
        ctx.reply(str(exc))
        return
    if applied.change.note:
        ctx.reply(applied.change.note)
