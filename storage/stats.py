"""Read-only queries for `/incident list`, `/incident stats` and the App Home tab: each
returns plain records (or core snapshots) so the core and the views never see the ORM."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.core.handbook import SEVERITIES
from bot.core.incident import RESOLVED, IncidentSnapshot
from bot.core.risk import RepeatRisk
from bot.core.postmortem import PostmortemRecord
from bot.core.stats import PRIORITY, Spread, Stats
from storage import incidents, postmortems
from storage.models import Action, ChannelMember, Incident, Postmortem, RoleAssignment

APPROVED = "approved"


def postmortems_owned_by(s: Session, owner_id: str, *, limit: int = 50) -> list[PostmortemRecord]:
    """Postmortems `owner_id` owns, of incidents they may see (a private one: its members)."""
    rows = s.execute(
        select(Postmortem, Incident.key, Incident.channel_id, Incident.private)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.owner_id == owner_id, Postmortem.status != APPROVED, may_see(owner_id))
        .order_by(Postmortem.due_at).limit(limit)
    ).all()
    return [replace(postmortems.record_of(pm), incident_key=key, channel_id=ch, private=pv)
            for pm, key, ch, pv in rows]


def may_see(viewer: str) -> Any:
    """Public incidents, and private ones whose channel the viewer is in (stored membership:
    no Slack call, one indexed subquery)."""
    mine = select(ChannelMember.channel_id).where(ChannelMember.user_id == viewer)
    return or_(Incident.private.is_(False), Incident.channel_id.in_(mine))


def open_incidents(s: Session, viewer: str, *, limit: int) -> tuple[list[IncidentSnapshot], int]:
    """The first `limit` open incidents `viewer` may see, oldest first (the longest-running is
    the most urgent to see), and how many there are in all: a count and one page of rows
    (plus their roles), whatever the history."""
    where = (Incident.status != RESOLVED, may_see(viewer))
    total = s.scalar(select(func.count()).select_from(Incident).where(*where)) or 0
    found = s.scalars(select(Incident).where(*where).options(*incidents.snapshot_loads())
                      .order_by(Incident.declared_at, Incident.id).limit(limit))
    return [incidents.snapshot(i) for i in found], total


def open_incidents_with_role(s: Session, viewer: str, *, limit: int) -> list[IncidentSnapshot]:
    """Open incidents where `viewer` holds a role now (the Home tab's "Your roles")."""
    holds = select(RoleAssignment.incident_id).where(RoleAssignment.user_id == viewer,
                                                     RoleAssignment.relieved_at.is_(None))
    found = s.scalars(select(Incident).where(Incident.status != RESOLVED, may_see(viewer), Incident.id.in_(holds))
                      .options(*incidents.snapshot_loads()).order_by(Incident.declared_at, Incident.id).limit(limit))
    return [incidents.snapshot(i) for i in found]


def repeat_incident_risk(s: Session) -> RepeatRisk:
    """Open priority actions counted by their incident's severity, and the incidents that have
    any: two aggregate queries, whatever the history's size."""
    open_priority = (Action.kind == "priority", Action.done_at.is_(None))
    by_severity = dict(s.execute(
        select(Incident.severity, func.count(Action.id)).join(Incident, Incident.id == Action.incident_id)
        .where(*open_priority).group_by(Incident.severity)
    ).tuples().all())
    at_risk = s.scalar(select(func.count(func.distinct(Action.incident_id))).where(*open_priority)) or 0
    return RepeatRisk(open_priority_by_severity=by_severity, incidents_at_risk=at_risk)


# -- /incident stats as SQL aggregates: a fixed number of queries whatever the history ---------
def stats(s: Session, *, days: int, now: datetime) -> Stats:
    """The figures of `bot.core.stats.compute_stats`, computed by the database: one pass over
    the window grouped by severity (counts, TTD/TTR sums), the two medians, and the two
    backlog counts; none returns a row per incident."""
    since = now - timedelta(days=days)
    window = (Incident.declared_at >= since, Incident.declared_at <= now)
    # Each duration is computed once per row (SQLite would otherwise recompute it per use).
    rows = select(Incident.severity, Incident.resolved_at, _seconds(s, Incident.detected_at).label("ttd"),
                  _seconds(s, Incident.impact_ended_at).label("ttr")).where(*window).subquery()
    ttd_ok, ttr_ok = rows.c.ttd >= 0, rows.c.ttr >= 0
    by_severity = {level: 0 for level in SEVERITIES}
    declared = resolved = detected = recovered = 0
    ttd_sum = ttr_sum = 0.0
    for severity, count, done, n_ttd, sum_ttd, n_ttr, sum_ttr in s.execute(
            select(rows.c.severity, func.count(), func.count(rows.c.resolved_at),
                   func.count(case((ttd_ok, 1))), func.sum(case((ttd_ok, rows.c.ttd))),
                   func.count(case((ttr_ok, 1))), func.sum(case((ttr_ok, rows.c.ttr)))).group_by(rows.c.severity)):
        by_severity[severity] = count
        declared, resolved = declared + count, resolved + done
        detected, ttd_sum = detected + n_ttd, ttd_sum + float(sum_ttd or 0)
        recovered, ttr_sum = recovered + n_ttr, ttr_sum + float(sum_ttr or 0)
    pm_open, pm_overdue = s.execute(
        select(func.count(), func.count(case((Postmortem.due_at < now, 1))))
        .where(Postmortem.status != APPROVED)).one()
    actions_open, actions_overdue = s.execute(
        select(func.count(), func.count(case((Action.due_at <= now, 1))))
        .where(Action.kind == PRIORITY, Action.done_at.is_(None))).one()
    return Stats(
        days=days, since=since, declared=declared, resolved=resolved, by_severity=by_severity,
        time_to_detect=_spread(s, rows.c.ttd, detected, ttd_sum), time_to_recovery=_spread(s, rows.c.ttr, recovered,
                                                                                           ttr_sum),
        impact_minutes=round(ttr_sum / 60), postmortems_open=pm_open, postmortems_overdue=pm_overdue,
        priority_actions_open=actions_open, priority_actions_overdue=actions_overdue,
    )


def _seconds(s: Session, end: Any) -> Any:
    """`end - impact_started_at` in seconds, in SQL (PostgreSQL: interval epoch; SQLite:
    julianday); NULL while either is unknown."""
    if s.bind.dialect.name == "postgresql":
        return cast(func.extract("epoch", end - Incident.impact_started_at), Float)
    return (func.julianday(end) - func.julianday(Incident.impact_started_at)) * 86400.0


def _spread(s: Session, duration: Any, count: int, total: float) -> Spread:
    """Mean and median of the non-negative `duration`s (a TTD/TTR out of order is left out).
    The median is the middle one or two rows (ORDER BY ... OFFSET): SQLite has no percentile
    function."""
    if not count:
        return Spread()
    middle = [float(v) for v in s.scalars(select(duration).where(duration >= 0).order_by(duration)
                                          .offset((count - 1) // 2).limit(2 - count % 2))]
    median = sum(middle) / len(middle)
    return Spread(count=count, mean=timedelta(seconds=round(total / count)), median=timedelta(seconds=round(median)))
