"""`/incident page <service> [message]`: pages any configured service's on-call by hand
(INTEGRATIONS.md), each service under its own dedup key `<key>/<service>`."""

from __future__ import annotations

from bot.core.authority import Act
from bot.core.paging import dedup_key
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from commands.registry import verb
from storage import incidents, pages

USAGE = "page <service> [message]"


def parse(args: str) -> tuple[str, str]:
    service, _, message = args.strip().partition(" ")
    if not service:
        raise CommandError("Say which service to page.")
    return service, " ".join(message.split())


@verb("page", usage=USAGE, parse=parse, act=Act.PAGE)
def page(ctx: CommandContext) -> None:
    deps = ctx.deps
    name, message = ctx.parsed
    pageable = [s for s in deps.team.services if s.pagerduty_routing_key]
    service = next((s for s in pageable if s.name.lower() == name.lower()), None)
    if service is None:
        listed = ", ".join(f"`{s.name}`" for s in pageable)
        raise CommandError(f"`{name}` is not a service that can be paged. " + (
            f"The configured ones: {listed}." if listed else
            "No service has a `pagerduty_routing_key` in the TOML file (INCIDENT_BOT_CONFIG) yet."))
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, ctx.incident_id or 0, for_update=True)
        snap = incidents.snapshot(incident)
        # Asked again on the locked row: the IM may have changed since the command came in.
        authority.check(s, ctx.user_id, Act.PAGE, snap, typed_in=ctx.channel_id)
        pages.page(s, incident=incident, service=service, settings=deps.settings, paged_by=ctx.user_id,
                   now=now, message=message, hand_page=True)
        key = dedup_key(snap.key, service.name)
    ctx.reply(f"Paging {service.name}'s on-call through PagerDuty ({key}); the channel hears when PagerDuty has it.")
