"""Tick job: plan reminders for the owners of overdue postmortem actions, once when an action
becomes overdue and then once a week while it stays open (storage/actions.py holds the
queries; bot/effects/action_reminders.py delivers them)."""

from __future__ import annotations

from bot.deps import Deps
from storage import actions


def run_due(deps: Deps, worker_id: str) -> int:
    """Plans this period's reminders of overdue actions; returns how many were new."""
    with deps.sessions.begin() as s:
        return actions.plan_reminders(s, now=deps.now())
