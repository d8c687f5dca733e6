"""The nag tick: due incidents -> reminder effects (the worker delivers them).

Incidents whose `next_nag_at` has come (indexed, so the cost follows what is due) are read
(PostgreSQL: FOR UPDATE SKIP LOCKED); the core says which nags are due; each is an effect
with a unique (incident, kind, due_at) key; older unsent points of the same deadline are
marked skipped (no burst after downtime); `next_nag_at` moves on. bot/effects/nags.py
delivers them: it re-checks the nag against the incident first (resolved, severity changed,
a newer update) before anything reaches Slack.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.deadlines import COMMS_KINDS, NagPolicy, due_nags, next_nag_at
from bot.core.reminders import late_after
from bot.deps import Deps
from bot.settings import Settings
from storage import nags

log = logging.getLogger(__name__)

PLAN_BATCH = 200
# A tick plans at most this many batches; what is left is due again on the next tick.
MAX_BATCHES = 50


def policy(settings: Settings) -> NagPolicy:
    return NagPolicy(reminder_lead=settings.reminder_lead, nag_severities=frozenset(settings.nag_severities),
                     handover_nudge_after=settings.handover_nudge_after,
                     late_after=late_after(settings.scheduler_tick))


def run_due(deps: Deps, worker_id: str) -> int:
    """One tick: plans the due nags as effects; returns how many incidents were looked at."""
    now = deps.now()
    rules = policy(deps.settings)
    looked = 0
    for _ in range(MAX_BATCHES):
        batch = plan(deps, now, rules)
        looked += batch
        if batch < PLAN_BATCH:
            break
    return looked


def plan(deps: Deps, now: datetime, rules: NagPolicy) -> int:
    """Creates the due nag rows of one batch of due incidents; returns how many incidents."""
    with deps.sessions.begin() as s:
        due = nags.due_incidents(s, now=now, limit=PLAN_BATCH)
        for incident in due:
            state = nags.nag_state(incident)
            for nag in due_nags(state, now, rules):
                nags.create_if_absent(s, incident_id=incident.id, kind=nag.kind, due_at=nag.due_at,
                                      recipient_id=nag.recipient_id, now=now,
                                      data={"deadline": nag.deadline.isoformat()})
                if nag.is_comms:
                    # Points of this deadline missed while nobody ticked are superseded, not sent.
                    nags.skip_unsent(s, incident_id=incident.id, kinds=COMMS_KINDS, now=now,
                                     reason="superseded", before=nag.due_at)
            nags.look_at(incident, next_nag_at(state, now, rules))
        return len(due)


