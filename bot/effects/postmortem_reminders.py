"""Deliverers of the postmortem reminders (planned by bot/scheduler/postmortems.py): a DM to
the postmortem's owner; when the owner cannot be reached, the incident channel hears it so
that someone takes the postmortem over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.postmortem import APPROVED, DUE_SOON, OVERDUE
from bot.effects.errors import CANNOT_REACH, Skip
from bot.effects.registry import deliverer
from bot.effects.slack_messages import post_once
from bot.slack_edge import SlackFailure
from bot.views.postmortem import postmortem_reminder
from storage import incidents, postmortems
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


def deliver(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    assert effect.incident_id is not None
    with deps.sessions.begin() as s:
        pm = postmortems.get_by_incident(s, effect.incident_id)
        incident = incidents.snapshot(incidents.get(s, effect.incident_id))
        if pm is None or pm.status == APPROVED or (effect.kind == OVERDUE and pm.due_at != effect.due_at):
            raise Skip("stale: the postmortem changed since the reminder was planned")
        owner, status, due_at, approvers = pm.owner_id, pm.status, pm.due_at, tuple(pm.approvers or ())
    text = postmortem_reminder(effect.kind, incident, status=status, due_at=due_at, reminder_due_at=effect.due_at,
                               late=effect.late, approvers=approvers)
    try:
        return post_once(deps, effect, owner, text, dm=True)
    except SlackFailure as exc:
        if exc.error not in CANNOT_REACH or not incident.channel_id:
            raise
        # The owner left: the channel hears it instead, so someone takes the postmortem over.
        return post_once(deps, effect, incident.channel_id,
                         postmortem_reminder(effect.kind, incident, status=status, due_at=due_at,
                                             reminder_due_at=effect.due_at, late=effect.late,
                                             approvers=approvers, owner_unreachable=owner))


for _kind in (DUE_SOON, OVERDUE):
    deliverer(_kind, reminder=True)(deliver)
