"""`/incident handover <@user>`: the IM role moves; the channel gets the handbook's handover
checklist with who is in and out of which roles; both people are told."""

from __future__ import annotations

from bot.core.authority import Act
from bot.core.roles import RoleError, parse_person, plan_handover
from bot.flows import roles
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from commands.registry import verb
from commands.roles import person_named

USAGE = "handover <@user>"


def parse(args: str) -> str:
    words = args.split()
    if len(words) != 1:
        raise CommandError("Say who takes over as incident manager, e.g. `/incident handover @alice`.")
    try:
        parse_person(words[0], "caller")
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    return words[0]


@verb("handover", usage=USAGE, parse=parse, act=Act.HANDOVER)
def handover(ctx: CommandContext) -> None:
    deps, actor = ctx.deps, ctx.user_id
    try:
        person = person_named(deps, ctx.parsed, actor, allow_none=False)
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    try:
        roles.apply(deps, ctx.incident_id or 0, actor=actor, event="handover",
                    decide=lambda s, snap: plan_handover(
                        snap, person, actor=authority.actor(s, actor, snap, typed_in=ctx.channel_id)),
                    announce=roles.announce_handover(deps, actor=actor))
    except RoleError as exc:
        ctx.reply(str(exc))
