"""`/incident resolve` (a modal for the handbook's three times and a one-line summary) and `reopen`.

Resolving writes everything to the database first (status, times, nags stopped, timeline,
the postmortem of a major incident), then tells Slack: the final comms, the topic, the
postmortem owner's DM.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from bot.core.authority import Act
from bot.core.durations import format_duration
from bot.core.cleanup import archive_due_at
from bot.core.comms import parse_support_cases
from bot.core.incident import FIXING, INCIDENT_MANAGER, PENDING, TransitionError, status_after
from bot.core.resolve import (
    DETECTED,
    IMPACT_ENDED,
    IMPACT_STARTED,
    ResolveTimes,
    external_final_comms,
    parse_local,
    private_final_comms,
    validate_resolution_summary,
    validate_times,
    zone,
)
from bot.effects import outbox
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.ids import Block, Callback
from bot.views.resolve import TIME_BLOCKS, final_comms_message, resolve_modal
from bot.views.postmortem import owner_dm
from bot.views.slack_text import mention, utc_text
from bot.errors import CommandError
from commands import authority, postmortem
from bot.flows import external_comms
from commands.context import CommandContext
from commands.registry import verb
from bot.views.cleanup import archive_cancelled as archive_cancelled_line
from bot.views.cleanup import archive_notice
from storage import (
    IncidentRow, PostmortemRow, Session, cleanup, effects, incidents, nags, pages, postmortems, timeline, updates,
)
from storage import roles as role_store

log = logging.getLogger(__name__)


@verb("resolve", usage="resolve", act=Act.RESOLVE)
def resolve(ctx: CommandContext) -> None:
    deps = ctx.deps
    with deps.sessions.begin() as s:
        incident = incidents.get(s, ctx.incident_id)
        snap = incidents.snapshot(incident)
        authority.check(s, ctx.user_id, Act.RESOLVE, snap, typed_in=ctx.channel_id)
        external = external_comms.resolve_part(deps, s, incident.id, external_final_comms(snap))
    try:
        status_after(snap.status, "resolve")
    except TransitionError as exc:
        raise CommandError(f"{snap.key}: {exc}. `/incident reopen` returns it to Fixing.") from None
    user = deps.slack.user(ctx.user_id) or {}
    view = resolve_modal(incident=snap, incident_id=ctx.incident_id or 0, tz=zone(user.get("tz")), now=deps.now(),
                         external=external)
    deps.slack.open_view(ctx.trigger_id, view)


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.RESOLVE)
    def resolve_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submit(ack, body, deps)


def submit(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    tz = zone(meta.get("tz"))
    values = body["view"]["state"]["values"]
    given = {name: parse_local(input_value(values, date_block), input_value(values, time_block), tz)
             for name, (date_block, time_block) in TIME_BLOCKS.items()}
    now = deps.now()
    times, time_errors = validate_times(impact_started_at=given[IMPACT_STARTED], detected_at=given[DETECTED],
                                        impact_ended_at=given[IMPACT_ENDED], now=now)
    summary, summary_error = validate_resolution_summary(input_value(values, Block.RESOLUTION_SUMMARY))
    support_cases, cases_error = parse_support_cases(input_value(values, Block.SUPPORT_CASES))
    errors = {TIME_BLOCKS[name][1]: message for name, message in time_errors.items()}
    if summary_error:
        errors[Block.RESOLUTION_SUMMARY] = summary_error
    if cases_error:
        errors[Block.SUPPORT_CASES] = cases_error
    external, external_errors = external_comms.read_part(values, resolving=True)
    errors |= external_errors
    if errors or times is None:
        ack(response_action="errors", errors=errors)
        return
    user_id = body["user"]["id"]
    incident_id = int(meta["incident_id"])
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        snap = incidents.snapshot(incident)
        # Checked again here: someone may have resolved it, or taken the IM role, meanwhile.
        refusal, new_status = None, incident.status
        try:
            new_status = status_after(incident.status, "resolve")
        except TransitionError as exc:
            refusal = f"{snap.key}: {exc}."
        if refusal is None:
            decision = authority.decide(s, user_id, Act.RESOLVE, snap)
            refusal = None if decision else decision.reason
        created = None
        latest_impact = None
        if refusal is None:
            if support_cases is not None:
                incidents.set_support_cases(incident, support_cases)
            created = _resolve(s, deps, incident, times, summary, user_id, new_status)
            snap = incidents.snapshot(incident)
            latest_impact = _latest_update_impact(s, incident_id)
            # The status page incident is resolved and the final comms mailed (public incidents only).
            external_comms.publish(deps, s, incident.id, external, author=user_id, resolving=True)
            external_comms.email_final(deps, s, incident.id, times, summary, latest_impact=latest_impact,
                                       author=user_id)
            _final_comms(s, deps, incident_id, snap, times, summary, created, latest_impact, actor=user_id)
            # The topic and pin follow; an archived channel holds up neither the final comms nor the DMs.
            outbox.sync_channel(s, incident_id, now=deps.now())
    if refusal:
        ack(response_action="errors", errors={Block.RESOLUTION_SUMMARY: refusal})
        return
    ack()


def _final_comms(s: Session, deps: Deps, incident_id: int, snap: Any, times: ResolveTimes, summary: str,
                 created: PostmortemRow | None, latest_impact: str | None, *, actor: str) -> None:
    """The final comms, each destination its own effect in the resolve's transaction: the
    incident channel refusing (archived, the bot removed) does not hold up the incidents
    channel or the postmortem owner's DM, and whatever failed is told to the person who resolved."""
    now, settings = deps.now(), deps.settings
    due_line = (f"Postmortem: owned by {mention(created.owner_id)}, due {utc_text(created.due_at)}. "
                "`/incident postmortem` shows it." if created else None)
    text, blocks = final_comms_message(snap, times, summary, due_line, latest_impact)
    what = f"The final comms of {snap.key}"
    effects.enqueue(s, kind="slack.post", incident_id=incident_id, now=now, tell=actor,
                    ordering_key=effects.channel_key(incident_id),
                    payload={"channel": "incident", "text": text, "blocks": blocks, "what": what})
    if settings.incidents_channel:
        if snap.private:
            line = private_final_comms(snap)
            text, blocks = line, [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]
        effects.enqueue(s, kind="slack.post", incident_id=incident_id, now=now, tell=actor,
                        payload={"channel": "incidents", "text": text, "blocks": blocks, "what": what})
    archive_at = archive_due_at(snap.resolved_at, settings.archive_after) if snap.resolved_at else None
    if archive_at is not None:
        effects.enqueue(s, kind="slack.post", incident_id=incident_id, now=now,
                        ordering_key=effects.channel_key(incident_id),
                        payload={"channel": "incident", "text": archive_notice(archive_at)})
    if created:
        doc = postmortems.document(s, incident_id)
        if doc is not None:
            owner_text, owner_blocks = owner_dm(doc, settings.postmortem_due_business_days)
            effects.enqueue(s, kind="slack.dm", incident_id=incident_id, now=now, tell=actor,
                            recipient_id=created.owner_id,
                            payload={"text": owner_text, "blocks": owner_blocks,
                                     "what": f"The postmortem owner's DM of {snap.key}"})



def _resolve(s: Session, deps: Deps, incident: IncidentRow, times: ResolveTimes, summary: str,
             user_id: str, new_status: str) -> PostmortemRow | None:
    """The database side of resolving; returns the postmortem it created, if any."""
    now = deps.now()
    incident_id = incident.id
    if incident.status == PENDING and incidents.snapshot(incident).incident_manager is None:
        _take_im_to_resolve(s, incident, user_id, now)
    snap = incidents.snapshot(incident)
    incidents.resolve(incident, status=new_status, times=times, summary=summary, now=now)
    nags.look_at(incident, None)  # the nag job stops looking; it re-checks the status too
    archive_at = archive_due_at(now, deps.settings.archive_after)
    if archive_at is not None:
        cleanup.schedule_archive(s, incident_id=incident_id, resolved_at=now, due_at=archive_at, now=now)
    ttd, ttr = format_duration(times.time_to_detect), format_duration(times.time_to_recovery)
    timeline.record_system(
        s, incident_id,
        f"{snap.key} resolved by {mention(user_id)}: {summary}. Start of impact "
        f"{utc_text(times.impact_started_at)}, detected {utc_text(times.detected_at)}, end of impact "
        f"{utc_text(times.impact_ended_at)} (TTD {ttd}, TTR {ttr}).",
        now=now, actor_id=user_id,
        data={"event": "resolved", "impact_started_at": times.impact_started_at.isoformat(),
              "detected_at": times.detected_at.isoformat(), "impact_ended_at": times.impact_ended_at.isoformat(),
              "ttd_seconds": int(times.time_to_detect.total_seconds()),
              "ttr_seconds": int(times.time_to_recovery.total_seconds())},
    )
    pages.resolve_all(s, incident=incident, now=now)  # every key the incident paged
    created = None
    if snap.is_major:
        owner = snap.incident_manager or snap.reporter_id
        created = postmortem.create_for(s, deps, incident, owner_id=owner, actor_id=user_id, now=now)
    return created


def _take_im_to_resolve(s: Session, incident: IncidentRow, user_id: str, now: datetime) -> None:
    """Nobody ever took a Pending incident: whoever resolves it becomes its IM first, so the
    handbook's workflow runs Pending -> Fixing -> Resolved and the postmortem has an owner."""
    role_store.assign(s, incident, role=INCIDENT_MANAGER, user_id=user_id, by=user_id, now=now)
    timeline.record_system(
        s, incident.id, f"{mention(user_id)} took the incident manager role to resolve {incident.key}", now=now,
        actor_id=user_id,
        data={"event": "role", "action": "assigned", "role": INCIDENT_MANAGER, "user": user_id,
              "by": user_id},
    )
    timeline.record_system(
        s, incident.id, f"Status {PENDING} → {FIXING}: {mention(user_id)} is the incident manager", now=now,
        actor_id=user_id, data={"event": "status", "from": PENDING, "to": FIXING, "by": user_id},
    )
    incidents.set_status(incident, FIXING)


def _latest_update_impact(s: Session, incident_id: int) -> str | None:
    """What the latest comms update said the impact on customers was."""
    fields = updates.latest_fields(s, incident_id)
    return str((fields or {}).get("customer_impact") or "") or None


@verb("reopen", usage="reopen", act=Act.REOPEN)
def reopen(ctx: CommandContext) -> None:
    """Back to Fixing: the comms deadline restarts, so the nag job looks again right away."""
    deps = ctx.deps
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, ctx.incident_id, for_update=True)
        snap = incidents.snapshot(incident)
        authority.check(s, ctx.user_id, Act.REOPEN, snap, typed_in=ctx.channel_id)
        try:
            reopened = status_after(incident.status, "reopen")
        except TransitionError as exc:
            raise CommandError(f"{snap.key}: {exc}.") from None
        incidents.reopen(incident, status=reopened, next_update_due=now + deps.settings.update_interval)
        nags.look_at(incident, now)
        archive_cancelled = cleanup.cancel_archive(s, incident_id=incident.id, now=now) > 0
        timeline.record_system(
            s, incident.id, f"{snap.key} reopened by {mention(ctx.user_id)}: back to Fixing.", now=now,
            actor_id=ctx.user_id, data={"event": "reopened"},
        )
        pages.page_again(s, incident=incident, team=deps.team, settings=deps.settings, by=ctx.user_id,
                         now=now)
        due = incident.next_update_due
        outbox.in_channel(s, incident.id, f":arrows_counterclockwise: {mention(ctx.user_id)} reopened {snap.key}: "
                          f"it is Fixing again. Next update due by {utc_text(due)}."
                          + (f"\n{archive_cancelled_line()}" if archive_cancelled else ""),
                          now=now, tell=ctx.user_id, what=f"The reopening of {snap.key}")
        outbox.sync_channel(s, incident.id, now=now)
