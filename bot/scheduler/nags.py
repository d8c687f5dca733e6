"""The nag tick: due incidents -> nag rows -> claimed -> sent (once, by whichever process won).

1. plan: incidents whose `next_nag_at` has come (indexed, so the cost follows what is due)
   are read (PostgreSQL: FOR UPDATE SKIP LOCKED); the core says which nags are due; each is
   a row with a unique (incident, kind, due_at) key; older unsent points of the same
   deadline are marked skipped (no burst after downtime); `next_nag_at` moves on.
2. claim: unsent rows are claimed with a conditional UPDATE; only the winner sends.
3. send: the incident is read again and the core re-checks the nag (resolved, severity
   changed, a newer update) before anything reaches Slack; the row is marked sent/late.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.deadlines import COMMS_KINDS, HANDOVER_NUDGE, DueNag, NagPolicy, NagState, due_nags, next_nag_at, still_due
from bot.core.durations import format_duration
from bot.core.incident import INCIDENT_MANAGER
from bot.services import Services
from bot.settings import Settings
from bot.slack_edge import SlackFailure
from bot.views.nags import comms_nag_channel_line, comms_nag_dm, handover_nudge_dm
from storage import incidents, nags, timeline
from storage.models import Incident

log = logging.getLogger(__name__)

# Other tick jobs keep their reminders in the same table; this job claims only its own.
OWN_KINDS = (*COMMS_KINDS, HANDOVER_NUDGE)
PLAN_BATCH = 200
# A tick plans at most this many batches; what is left is due again on the next tick.
MAX_BATCHES = 50
# Slack errors that mean "this person cannot get a DM" (deactivated, gone): tell the channel.
UNREACHABLE = ("user_not_found", "channel_not_found", "user_disabled", "account_inactive", "cannot_dm_bot")


def policy(settings: Settings) -> NagPolicy:
    # "Late" means later than a couple of ticks, and never less than a minute.
    late_after = max(2 * settings.scheduler_tick, timedelta(minutes=1))
    return NagPolicy(reminder_lead=settings.reminder_lead, nag_severities=frozenset(settings.nag_severities),
                     handover_nudge_after=settings.handover_nudge_after, late_after=late_after)


def nag_state(incident: Incident) -> NagState:
    im = next((r for r in incident.roles if r.role == INCIDENT_MANAGER and r.relieved_at is None), None)
    return NagState(
        severity=incident.severity, status=incident.status, reporter_id=incident.reporter_id,
        declared_at=incident.declared_at, comms_deadline=incident.next_update_due,
        last_update_at=incident.last_update_at, incident_manager=im.user_id if im else None,
        incident_manager_since=im.assigned_at if im else None, handover_nudged_at=incident.handover_nudged_at,
    )


def run_due(services: Services, worker_id: str) -> int:
    """One tick: plan, claim, send. Returns how many nags were sent."""
    now = services.now()
    rules = policy(services.settings)
    for _ in range(MAX_BATCHES):
        if plan(services, now, rules) < PLAN_BATCH:
            break
    sent = 0
    while True:
        with services.sessions.begin() as s:
            claimed = [(n.id, n.incident_id, n.kind, n.due_at) for n in nags.claim_due(s, now=now, worker=worker_id, kinds=OWN_KINDS)]
        if not claimed:
            return sent
        for nag_id, incident_id, kind, due_at in claimed:
            try:
                sent += send(services, nag_id, incident_id, kind, due_at, rules)
            except Exception:  # noqa: BLE001 - one failed nag must not stop the others
                log.exception("nag %s (%s of incident %s) failed; its claim is taken over after %s", nag_id, kind,
                              incident_id, nags.STALE_CLAIM)


def plan(services: Services, now: datetime, rules: NagPolicy) -> int:
    """Creates the due nag rows of one batch of due incidents; returns how many incidents."""
    with services.sessions.begin() as s:
        due = nags.due_incidents(s, now=now, limit=PLAN_BATCH)
        for incident in due:
            state = nag_state(incident)
            for nag in due_nags(state, now, rules):
                nags.create_if_absent(s, incident_id=incident.id, kind=nag.kind, due_at=nag.due_at,
                                      recipient_id=nag.recipient_id, now=now,
                                      data={"deadline": nag.deadline.isoformat()})
                if nag.is_comms:
                    # Points of this deadline missed while nobody ticked are superseded, not sent.
                    nags.skip_unsent(s, incident_id=incident.id, kinds=COMMS_KINDS, now=now,
                                     reason="superseded", before=nag.due_at)
            incident.next_nag_at = next_nag_at(state, now, rules)
        return len(due)


def send(services: Services, nag_id: int, incident_id: int, kind: str, due_at: datetime, rules: NagPolicy) -> int:
    now = services.now()
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        current = still_due(nag_state(incident), kind, due_at, now, rules)
        if current is None:
            nags.mark_skipped(s, nag_id, now=now, reason="stale")
            log.info("%s: %s due %s is stale (update posted, resolved or severity changed)", incident.key, kind, due_at)
            return 0
        key, summary, channel_id = incident.key, incident.summary, incident.channel_id
        has_im = nag_state(incident).incident_manager is not None
    delivered = _deliver(services, current, incident_id=incident_id, key=key, summary=summary,
                         channel_id=channel_id, has_im=has_im, now=now)
    with services.sessions.begin() as s:
        nags.mark_sent(s, nag_id, now=now, late=current.late_by is not None, data={"delivered": delivered})
        if current.kind == HANDOVER_NUDGE:
            # The nudge is a change to the incident (asked once per IM): it goes on the timeline.
            incidents.get(s, incident_id, for_update=True).handover_nudged_at = now
            timeline.record(
                s, incident_id=incident_id, kind="system", source="system", occurred_at=now, recorded_at=now,
                text=f"Asked <@{current.recipient_id}> whether a handover should be planned.",
                data={"event": "handover_nudge", "due_at": due_at.isoformat(), "delivered": delivered},
            )
    return 1


def _deliver(services: Services, nag: DueNag, *, incident_id: int, key: str, summary: str, channel_id: str | None,
             has_im: bool, now: datetime) -> list[str]:
    """DMs the recipient (and, when asked for or when the DM cannot arrive, the channel)."""
    delivered: list[str] = []
    tell_channel = nag.tell_channel
    if _reachable(services, nag.recipient_id):
        if nag.kind == HANDOVER_NUDGE:
            text, blocks = handover_nudge_dm(nag, key=key, channel_id=channel_id,
                                             held_for=format_duration(now - nag.deadline))
        else:
            text, blocks = comms_nag_dm(nag, incident_id=incident_id, key=key, summary=summary,
                                        channel_id=channel_id, now=now, as_reporter=not has_im)
        try:
            services.slack.dm(nag.recipient_id, text, blocks=blocks)
            delivered.append("dm")
        except SlackFailure as exc:
            if exc.error not in UNREACHABLE:
                raise
            log.warning("%s: cannot DM %s (%s); telling the channel", key, nag.recipient_id, exc.error)
            tell_channel = True
    else:
        tell_channel = True
    if tell_channel and channel_id:
        if nag.kind == HANDOVER_NUDGE:
            line = (f":repeat: {'<@' + nag.recipient_id + '>'} has been the incident manager of {key} for "
                    f"{format_duration(now - nag.deadline)}: plan a handover with `/incident handover @user`.")
        else:
            line = comms_nag_channel_line(nag, key=key, incident_manager=nag.recipient_id if has_im else None,
                                          im_reachable="dm" in delivered, now=now)
        try:
            services.slack.post(channel_id, line)
            delivered.append("channel")
        except SlackFailure as exc:
            if exc.error not in ("is_archived", "channel_not_found"):
                raise
            # Someone archived the incident channel of an open incident: the DM (if any) stands.
            log.warning("%s: cannot post the nag in %s (%s); delivered: %s", key, channel_id, exc.error,
                        ", ".join(delivered) or "nothing")
    return delivered


def _reachable(services: Services, user_id: str) -> bool:
    """False for a deactivated or unknown person: their DM would go nowhere."""
    try:
        user = services.slack.user(user_id)
    except SlackFailure as exc:
        log.warning("users.info %s failed (%s); trying the DM anyway", user_id, exc.error)
        return True
    return bool(user) and not user.get("deleted")
