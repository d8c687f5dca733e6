"""`/incident list` and `/incident stats [days]`: fast read-only answers, given in the ack.

Private incidents: they appear only to members of their channel. Stats counts them in
its figures (leaving them out would make everyone's numbers wrong) but stats never names
an incident, so no key or summary of a private incident reaches a non-member.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.core.incident import IncidentSnapshot
from bot.core.stats import parse_days
from bot.deps import Deps
from bot.views.list_stats import LIST_LIMIT, incident_list, stats_answer
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import Reply, verb
from storage import members
from storage import stats as queries

log = logging.getLogger(__name__)


class Visibility:
    """Who may see which private incident: members of its channel, read from the stored
    membership (channel_members, kept by Slack's member events), so a list answered in the
    ack never waits on Slack. A channel whose membership is unknown stays hidden (fail closed)."""

    def __init__(self, deps: Deps, viewer: str) -> None:
        self.deps = deps
        self.viewer = viewer
        self._members: dict[str, bool] = {}

    def prime(self, channel_ids: Iterable[str | None]) -> None:
        """Looks up many channels in one query."""
        wanted = [c for c in channel_ids if c and c not in self._members]
        if not wanted:
            return
        with self.deps.sessions() as s:
            mine = members.channels_of(s, user_id=self.viewer, channel_ids=wanted)
        self._members.update({c: c in mine for c in wanted})

    def may_see(self, private: bool, channel_id: str | None) -> bool:
        if not private:
            return True
        if not channel_id:
            return False
        self.prime([channel_id])
        return self._members[channel_id]

    def incidents(self, snaps: Iterable[IncidentSnapshot]) -> list[IncidentSnapshot]:
        snaps = list(snaps)
        self.prime(snap.channel_id for snap in snaps if snap.private)
        return [snap for snap in snaps if self.may_see(snap.private, snap.channel_id)]


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
