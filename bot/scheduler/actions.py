"""Tick job: plan reminders for the owners of overdue postmortem actions, once when an action
becomes overdue and then once a week while it stays open (storage/actions.py holds the
queries; bot/effects/action_reminders.py delivers them)."""

from __future__ import annotations

from bot.services import Services
from storage import actions


def run_due(services: Services, worker_id: str) -> int:
    """Plans this period's reminders of overdue actions; returns how many were new."""
    with services.sessions.begin() as s:
        return actions.plan_reminders(s, now=services.now())
