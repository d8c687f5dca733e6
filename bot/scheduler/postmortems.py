"""Tick job: plan the postmortem reminders (one business day before its due date, and once
overdue) as effects; bot/effects/postmortem_reminders.py delivers them.

Each is unique per (incident, kind, due_at). When both are due at once (the bot was down),
only the overdue one goes out: the other is skipped (no burst after downtime).
"""

from __future__ import annotations

from bot.core.postmortem import reminders_due
from bot.deps import Deps
from storage import effects, postmortems


def run_due(deps: Deps, worker_id: str) -> int:
    """Plans the reminders whose time has come; returns how many were new."""
    now = deps.now()
    planned = 0
    with deps.sessions.begin() as s:
        for pm in postmortems.reminder_candidates(s, now):
            due = reminders_due(status=pm.status, due_at=pm.due_at, now=now)
            for kind, due_at in due:
                planned += postmortems.plan_reminder(s, incident_id=pm.incident_id, kind=kind, due_at=due_at,
                                                     recipient_id=pm.owner_id, now=now)
            if len(due) > 1:
                # Only the newest of several missed reminders goes out.
                effects.skip_pending(s, incident_id=pm.incident_id, kinds=[kind for kind, _ in due[:-1]], now=now,
                                     reason="superseded")
    return planned
