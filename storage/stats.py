"""Read-only queries for `/incident list`, `/incident stats` and the App Home tab: each
returns plain records (or core snapshots) so the core and the views never see the ORM."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.core.incident import RESOLVED, IncidentSnapshot
from bot.core.risk import RepeatRisk
from bot.core.stats import ActionRecord, IncidentRecord, PostmortemRecord
from storage import incidents
from storage.models import Action, Incident, Postmortem

APPROVED = "approved"


def incidents_declared_since(s: Session, since: datetime) -> list[IncidentRecord]:
    rows = s.execute(
        select(Incident.severity, Incident.declared_at, Incident.impact_started_at, Incident.detected_at,
               Incident.impact_ended_at, Incident.resolved_at)
        .where(Incident.declared_at >= since)
    ).all()
    return [IncidentRecord(*row) for row in rows]


def open_postmortems(s: Session) -> list[PostmortemRecord]:
    """Postmortems not yet approved, whatever incident they belong to."""
    rows = s.execute(
        select(Postmortem.status, Postmortem.due_at, Incident.key, Incident.channel_id, Incident.private,
               Postmortem.owner_id)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.status != APPROVED)
        .order_by(Postmortem.due_at)
    ).all()
    return [PostmortemRecord(status=st, due_at=due, incident_key=key, channel_id=ch, private=pv, owner_id=owner)
            for st, due, key, ch, pv, owner in rows]


def postmortems_owned_by(s: Session, owner_id: str, *, limit: int = 50) -> list[PostmortemRecord]:
    rows = s.execute(
        select(Postmortem.status, Postmortem.due_at, Incident.key, Incident.channel_id, Incident.private)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.owner_id == owner_id, Postmortem.status != APPROVED)
        .order_by(Postmortem.due_at).limit(limit)
    ).all()
    return [PostmortemRecord(status=st, due_at=due, incident_key=key, channel_id=ch, private=pv, owner_id=owner_id)
            for st, due, key, ch, pv in rows]


def open_priority_actions(s: Session) -> list[ActionRecord]:
    rows = s.execute(select(Action.kind, Action.due_at, Action.done_at)
                     .where(Action.kind == "priority", Action.done_at.is_(None))).all()
    return [ActionRecord(*row) for row in rows]


def open_incidents(s: Session) -> list[IncidentSnapshot]:
    """Every incident not yet resolved, oldest first (the longest-running is the most urgent to see)."""
    found = s.scalars(select(Incident).where(Incident.status != RESOLVED)
                      .options(selectinload(Incident.roles)).order_by(Incident.declared_at, Incident.id))
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
