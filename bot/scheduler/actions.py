"""Tick job: DM the owners of overdue postmortem actions, once when an action becomes
overdue and then once a week while it stays open (storage/actions.py holds the queries)."""

from __future__ import annotations

import logging

from bot.services import Services
from bot.slack_edge import SlackFailure
from bot.views.actions import reminder
from storage import actions

log = logging.getLogger(__name__)

# Slack errors that will not go away by retrying: the reminder is given up, and logged.
PERMANENT = ("user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled", "channel_not_found")


def run_due(services: Services, worker_id: str) -> int:
    """Claims this period's reminders of overdue actions and sends them; returns how many were sent."""
    now = services.now()
    late_after = max(services.settings.scheduler_tick * 2, services.settings.reminder_lead)
    with services.sessions.begin() as s:
        claimed = actions.claim_reminders(s, now=now, worker_id=worker_id, late_after=late_after)
        plan = []
        for nag in claimed:
            if actions.superseded(s, nag):
                actions.mark_sent(s, nag.id, now=now, outcome="superseded")
                continue
            plan.append((nag.id, nag.recipient_id, nag.late, (nag.data or {}).get("action_id")))
        items = actions.items(s, [action_id for *_, action_id in plan if action_id])
    sent = 0
    for nag_id, recipient, late, action_id in plan:
        item = items.get(action_id)
        outcome = "sent"
        if item is None or item.done_at is not None or not recipient:
            outcome = "action closed"
        else:
            try:
                services.slack.dm(recipient, reminder(item, now, late=late))
                sent += 1
            except SlackFailure as exc:
                if exc.error not in PERMANENT:
                    # Left claimed: after the stale-claim window a tick tries it again.
                    log.warning("action reminder %s to %s failed, will retry: %s", nag_id, recipient, exc)
                    continue
                log.error("action reminder %s to %s given up: %s", nag_id, recipient, exc)
                outcome = f"failed: {exc.error}"
        with services.sessions.begin() as s:
            actions.mark_sent(s, nag_id, now=now, outcome=outcome)
    return sent
