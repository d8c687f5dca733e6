"""`/incident handover <@user>`: the IM role moves; the channel gets the handbook's handover
checklist with who is in and out of which roles; both people are told."""

from __future__ import annotations

from bot.core.authority import Act
from bot.core import handbook
from bot.core.incident import INCIDENT_MANAGER
from bot.core.roles import RoleError, parse_person, plan_handover
from bot.views import roles as views
from commands import channel_members
from commands.channel_sync import sync_channel
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import verb
from commands.roles import tell, apply, person_named

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
    services, actor = ctx.services, ctx.user_id
    try:
        person = person_named(services, ctx.parsed, actor, allow_none=False)
    except RoleError as exc:
        raise CommandError(str(exc)) from None
    try:
        applied = apply(services, ctx.incident_id or 0, actor=actor, event="handover", typed_in=ctx.channel_id,
                        decide=lambda snap, who: plan_handover(snap, person, actor=who))
    except RoleError as exc:
        ctx.reply(str(exc))
        return
    change, snap = applied.change, applied.after
    incoming, outgoing = change.assign or "", change.relieve[0]
    role = handbook.ROLES[INCIDENT_MANAGER]
    channel_members.invite(services, snap.channel_id or "", [incoming], actor=actor, incident_id=applied.incident_id,
                           key=snap.key, why="you handed the incident manager role over to them")
    sync_channel(services, applied.incident_id)
    text, blocks = views.handover_message(
        snap, outgoing=outgoing, incoming=incoming, by=actor,
        next_handover_at=services.now() + services.settings.handover_nudge_after,
        extra_roles=services.team.extra_roles)
    services.slack.post(snap.channel_id or "", text, blocks=blocks)
    tell(services, incoming, views.incoming_notice(snap, role, outgoing=outgoing))
    tell(services, outgoing, views.outgoing_notice(snap, incoming=incoming))
