"""`/incident list` and `/incident stats [days]`: fast read-only answers, given in the ack.

Private incidents: they appear only to members of their channel (bot/flows/visibility.py). Stats counts them in
its figures (leaving them out would make everyone's numbers wrong) but stats never names
an incident, so no key or summary of a private incident reaches a non-member.
"""

from __future__ import annotations

import logging

from bot.core.stats import parse_days
from bot.views.list_stats import LIST_LIMIT, incident_list, stats_answer
from bot.errors import CommandError
from commands.context import CommandContext
from commands.registry import Reply, verb
from storage import stats as queries

log = logging.getLogger(__name__)


@verb("list", usage="list", in_incident=False, answers_in_ack=True)
def list_incidents(ctx: CommandContext) -> Reply:
    """Answered in the ack: a count and one page of rows, no Slack call (private incidents
    are filtered by the stored membership of their channel)."""
    deps = ctx.deps
    with deps.sessions() as s:
        shown, total = queries.open_incidents(s, ctx.user_id, limit=LIST_LIMIT)
    text, blocks = incident_list(shown, total, deps.now())
    return Reply(text, blocks)


def parse_stats(args: str) -> int:
    try:
        return parse_days(args)
    except ValueError as exc:
        raise CommandError(f"{str(exc)[0].upper()}{str(exc)[1:]}: say how many days back to count, "
                           "e.g. `/incident stats 90` (30 when left out).") from None


@verb("stats", usage="stats [days]", parse=parse_stats, in_incident=False, answers_in_ack=True)
def incident_stats(ctx: CommandContext) -> Reply:
    now = ctx.deps.now()
    days: int = ctx.parsed
    with ctx.deps.sessions() as s:
        figures = queries.stats(s, days=days, now=now)
        risk = queries.repeat_incident_risk(s)
    text, blocks = stats_answer(figures, risk)
    return Reply(text, blocks)
