"""`/incident status`: an ephemeral card of the incident, answered in the ack (read-only, fast)."""

from __future__ import annotations

from bot.views.status import status_card
from commands.context import CommandContext
from commands.registry import Reply, verb
from storage import incidents


@verb("status", usage="status", answers_in_ack=True)
def status(ctx: CommandContext) -> Reply:
    with ctx.services.sessions.begin() as s:
        snap = incidents.snapshot(incidents.get(s, ctx.incident_id or 0))
    text, blocks = status_card(snap, now=ctx.services.now(), extra_roles=ctx.services.team.extra_roles)
    return Reply(text, blocks)
