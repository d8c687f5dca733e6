"""Role assignments: who holds which role now, assign, relieve.

Callers lock the incident row first (`incidents.get(s, id, for_update=True)`), so two
people taking the incident manager role at once are decided one after the other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.incident import INCIDENT_MANAGER
from storage.models import Incident, RoleAssignment


class RoleConflict(Exception):
    """The database would hold two incident managers at once; the transaction must roll back."""


def holders(incident: Incident, role: str) -> list[RoleAssignment]:
    """Current holders of `role`, in the order they took it."""
    return [r for r in incident.roles if r.role == role and r.relieved_at is None]


def relieve(s: Session, incident: Incident, *, role: str, user_ids: tuple[str, ...] | list[str], by: str,
            now: datetime) -> list[RoleAssignment]:
    """Ends the current assignments of `user_ids` in `role`; returns them."""
    relieved = [r for r in holders(incident, role) if r.user_id in user_ids]
    for assignment in relieved:
        assignment.relieved_at = now
        assignment.relieved_by = by
    s.flush()
    return relieved


def assign(s: Session, incident: Incident, *, role: str, user_id: str, by: str, now: datetime) -> RoleAssignment:
    """Adds a current assignment. The caller relieves whoever must leave the role first."""
    assignment = RoleAssignment(role=role, user_id=user_id, assigned_by=by, assigned_at=now)
    incident.roles.append(assignment)
    s.flush()
    if role == INCIDENT_MANAGER and current_incident_managers(s, incident.id) > 1:
        raise RoleConflict(f"{incident.key} would have two incident managers")
    return assignment


def current_incident_managers(s: Session, incident_id: int) -> int:
    return s.scalar(
        select(func.count()).select_from(RoleAssignment).where(
            RoleAssignment.incident_id == incident_id, RoleAssignment.role == INCIDENT_MANAGER,
            RoleAssignment.relieved_at.is_(None),
        )
    ) or 0
