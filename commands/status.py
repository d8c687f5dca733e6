"""`/incident status`: an ephemeral card of the incident, answered in the ack (read-only, fast)."""

from __future__ import annotations

from bot.core.authority import Act
from bot.core.timeline import ITERATE_KINDS, TimelineItem
from bot.views.status import THEORIES_SHOWN, status_card
from commands.context import CommandContext
from commands.registry import Reply, verb
from storage import incidents, timeline


@verb("status", usage="status", answers_in_ack=True, act=Act.STATUS)
def status(ctx: CommandContext) -> Reply:
    with ctx.deps.sessions.begin() as s:
        snap = incidents.snapshot(incidents.get(s, ctx.incident_id or 0))
        theories = tuple(TimelineItem(e.occurred_at, e.kind, e.text, e.actor_id, e.permalink)
                         for e in timeline.latest_of_kinds(s, ctx.incident_id or 0, ITERATE_KINDS,
                                                           limit=THEORIES_SHOWN))
    text, blocks = status_card(snap, now=ctx.deps.now(), extra_roles=ctx.deps.team.extra_roles,
                               theories=theories)
    return Reply(text, blocks)
