"""Tick job: remind a postmortem's owner one business day before its due date and once overdue.

Each reminder is a row in `nags`, unique per (incident, kind, due_at), claimed with a
conditional UPDATE in its own transaction before the DM goes out, so replicas ticking the
same database send it once. A reminder missed while the bot was down is sent once, marked
late; when both are missed, only the overdue one is sent (the other is marked skipped).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.postmortem import DUE_SOON, IN_REVIEW, OVERDUE, reminders_due
from bot.core.resolve import slack_time
from bot.core.topic import mention
from bot.services import Services
from bot.slack_edge import SlackFailure
from storage import incidents, postmortems

log = logging.getLogger(__name__)
# Sent later than this after its time, a reminder says it is late (the bot was down).
LATE_AFTER = timedelta(minutes=5)


def run_due(services: Services, worker_id: str) -> int:
    """Sends the reminders that are due; returns how many this worker sent."""
    now = services.now()
    with services.sessions.begin() as s:
        work = []
        for pm in postmortems.reminder_candidates(s, now):
            due = reminders_due(status=pm.status, due_at=pm.due_at, now=now)
            for index, (kind, due_at) in enumerate(due):
                nag = postmortems.ensure_reminder(s, incident_id=pm.incident_id, kind=kind, due_at=due_at,
                                                  recipient_id=pm.owner_id, now=now)
                if nag.sent_at is None:
                    # Only the newest of several missed reminders goes out.
                    work.append((nag.id, pm.id, kind, due_at, index < len(due) - 1))
    sent = 0
    for nag_id, postmortem_id, kind, due_at, superseded in work:
        with services.sessions.begin() as s:
            if not postmortems.claim(s, nag_id, worker_id=worker_id, now=now):
                continue
            if superseded:
                postmortems.mark_sent(s, nag_id, now=now, late=True, data={"skipped": True})
                continue
        if _send(services, nag_id, postmortem_id, kind, due_at, now):
            sent += 1
    return sent


def _send(services: Services, nag_id: int, postmortem_id: int, kind: str, due_at: datetime, now: datetime) -> bool:
    with services.sessions.begin() as s:
        pm = postmortems.get(s, postmortem_id)
        incident = incidents.snapshot(incidents.get(s, pm.incident_id)) if pm else None
    late = bool(now - due_at > LATE_AFTER)
    if pm is None or incident is None or (kind == OVERDUE and pm.due_at != due_at):
        with services.sessions.begin() as s:  # stale: the postmortem changed since the row was made
            postmortems.mark_sent(s, nag_id, now=now, late=late, data={"skipped": True})
        return False
    channel = f"<#{incident.channel_id}>" if incident.channel_id else incident.key
    if kind == DUE_SOON:
        text = f":spiral_note_pad: The postmortem of {incident.key} is due {slack_time(pm.due_at)}, one business day from now."
    else:
        text = f":warning: The postmortem of {incident.key} is overdue: it was due {slack_time(pm.due_at)}."
    if late:
        text += f" (This reminder is late: it was due {slack_time(due_at)}, while the bot was not running.)"
    if pm.status == IN_REVIEW:
        text += f" It is in review: follow up with {', '.join(mention(a) for a in pm.approvers)}."
    else:
        text += (f" Finish it with `/incident postmortem` in {channel}, then "
                 "`/incident postmortem request-approval`.")
    try:
        try:
            services.slack.dm(pm.owner_id, text)
        except SlackFailure as exc:
            if exc.error not in ("user_not_found", "channel_not_found", "cannot_dm_bot", "user_disabled") \
                    or not incident.channel_id:
                raise
            # The owner left: the channel hears it instead, so someone takes the postmortem over.
            services.slack.post(incident.channel_id, f"{mention(pm.owner_id)} cannot be reached. {text} "
                                "`/incident postmortem owner me` takes it over.")
    except SlackFailure:
        log.exception("postmortem reminder for %s not sent; retrying on the next tick", incident.key)
        with services.sessions.begin() as s:
            postmortems.release(s, nag_id)
        return False
    with services.sessions.begin() as s:
        postmortems.mark_sent(s, nag_id, now=now, late=late)
    return True
