"""Read-only queries for `/incident list`, `/incident stats` and the App Home tab: each
returns plain records (or core snapshots) so the core and the views never see the ORM."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.core.handbook import SEVERITIES
from bot.core.incident import RESOLVED, IncidentSnapshot
from bot.core.risk import RepeatRisk
from bot.core.stats import PRIORITY, PostmortemRecord, Spread, Stats
from storage import incidents
from storage.models import Action, ChannelMember, Incident, Postmortem, RoleAssignment

APPROVED = "approved"


def postmortems_owned_by(s: Session, owner_id: str, *, limit: int = 50) -> list[PostmortemRecord]:
    """Postmortems `owner_id` owns, of incidents they may see (a private one: its members)."""
    rows = s.execute(
        select(Postmortem.status, Postmortem.due_at, Incident.key, Incident.channel_id, Incident.private)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.owner_id == owner_id, Postmortem.status != APPROVED, may_see(owner_id))
        .order_by(Postmortem.due_at).limit(limit)
    ).all()
    return [PostmortemRecord(status=st, due_at=due, incident_key=key, channel_id=ch, private=pv, owner_id=owner_id)
            for st, due, key, ch, pv in rows]


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
    """The figures of `bot.core.stats.compute_stats`, computed by the database: six small
    queries, none returning a row per incident."""
    since = now - timedelta(days=days)
    window = (Incident.declared_at >= since, Incident.declared_at <= now)
    by_severity = {level: 0 for level in SEVERITIES}
    declared = resolved = 0
    for severity, count, done in s.execute(
            select(Incident.severity, func.count(), func.count(Incident.resolved_at))
            .where(*window).group_by(Incident.severity)):
        by_severity[severity] = count
        declared += count
        resolved += done
    ttd, ttd_ok = _duration(s, Incident.detected_at)
    ttr, ttr_ok = _duration(s, Incident.impact_ended_at)
    detected, ttd_mean, recovered, ttr_mean, impact_seconds = s.execute(
        select(func.count(case((ttd_ok, 1))), func.avg(case((ttd_ok, ttd))), func.count(case((ttr_ok, 1))),
               func.avg(case((ttr_ok, ttr))), func.sum(case((ttr_ok, ttr)))).where(*window)).one()
    detect = _spread(s, window, ttd, ttd_ok, detected, ttd_mean)
    recover = _spread(s, window, ttr, ttr_ok, recovered, ttr_mean)
    pm_open, pm_overdue = s.execute(
        select(func.count(), func.count(case((Postmortem.due_at < now, 1))))
        .where(Postmortem.status != APPROVED)).one()
    actions_open, actions_overdue = s.execute(
        select(func.count(), func.count(case((Action.due_at <= now, 1))))
        .where(Action.kind == PRIORITY, Action.done_at.is_(None))).one()
    return Stats(
        days=days, since=since, declared=declared, resolved=resolved, by_severity=by_severity,
        time_to_detect=detect, time_to_recovery=recover, impact_minutes=round(float(impact_seconds or 0) / 60),
        postmortems_open=pm_open, postmortems_overdue=pm_overdue,
        priority_actions_open=actions_open, priority_actions_overdue=actions_overdue,
    )


def _seconds(s: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds, in SQL (PostgreSQL: interval epoch; SQLite: julianday)."""
    if s.bind.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _duration(s: Session, end: Any) -> tuple[Any, Any]:
    """`end - impact_started_at` in seconds, and the condition that both are known and in
    order (a TTD/TTR is never negative)."""
    seconds = cast(_seconds(s, end, Incident.impact_started_at), Float)
    return seconds, and_(Incident.impact_started_at.is_not(None), end.is_not(None), seconds >= 0)


def _spread(s: Session, window: tuple[Any, ...], duration: Any, ok: Any, count: int, mean: Any) -> Spread:
    """Mean (AVG, given) and median (the middle one or two rows by ORDER BY ... OFFSET: SQLite
    has no percentile function) of `duration` over the window."""
    if not count:
        return Spread()
    middle = [float(v) for v in s.scalars(select(duration).where(*window, ok).order_by(duration)
                                          .offset((count - 1) // 2).limit(2 - count % 2))]
    median = sum(middle) / len(middle)
    return Spread(count=count, mean=timedelta(seconds=round(float(mean))), median=timedelta(seconds=round(median)))
