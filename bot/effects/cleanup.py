"""Deliverers of the clean-up and fatigue reminders (rules in bot.core.cleanup): each re-checks
its rule against the database before anything reaches Slack, and skips when it no longer holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.cleanup import (
    ARCHIVE_CHANNEL,
    POSTMORTEM_APPROVAL_REMINDER,
    ROLE_HANDOVER_NUDGE,
    approval_reminder_still_due,
    archive_still_due,
    next_approval_reminder,
    role_nudge_still_due,
)
from bot.core.durations import format_duration
from bot.core.postmortem import missing_fields
from bot.effects.errors import CANNOT_REACH, Skip
from bot.effects.registry import deliverer
from bot.effects.slack_messages import post_once
from bot.slack_edge import SlackFailure
from bot.views import cleanup as views
from bot.views.postmortem import approval_request, private_approval_request
from bot.views.roles import role_title
from bot.views.slack_text import mention
from storage import Session, cleanup, incidents, postmortems, timeline
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


@deliverer(ROLE_HANDOVER_NUDGE)
def nudge_role_holder(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    now = deps.now()
    assert effect.incident_id is not None and effect.recipient_id is not None
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id)
        held = cleanup.assignment(s, int(effect.payload["assignment_id"]))
        if not role_nudge_still_due(status=incident.status, severity=incident.severity,
                                    nag_severities=deps.settings.nag_severities,
                                    still_held=held is not None and held.relieved_at is None):
            raise Skip("stale: resolved, relieved, or a severity that is not nagged")
        assert held is not None
        key, channel_id, since = incident.key, incident.channel_id, held.assigned_at
    title = role_title(str(effect.payload["role"]), deps.team.extra_roles)
    held_for = format_duration(now - since)
    text, blocks = views.role_nudge_dm(key=key, channel_id=channel_id, role_title=title, held_for=held_for,
                                       role=str(effect.payload["role"]), late=effect.late)
    try:
        return post_once(deps, effect, effect.recipient_id, text, blocks, dm=True) | {"to": "dm"}
    except SlackFailure as exc:
        if exc.error not in CANNOT_REACH or not channel_id:
            raise
        line = views.role_nudge_channel_line(user_id=effect.recipient_id, key=key, role_title=title,
                                             held_for=held_for)
        return post_once(deps, effect, channel_id, line) | {"to": "channel"}


@nudge_role_holder.recorder
def _nudged(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    timeline.record_system(
        s, effect.incident_id,
        f"Asked {mention(effect.recipient_id)} ({effect.payload['role']}) whether a handover should be planned.",
        now=now,
        data={"event": "role_handover_nudge", "role": effect.payload["role"], "user": effect.recipient_id,
              "delivered": result.get("to")},
    )


@deliverer(ARCHIVE_CHANNEL)
def archive_channel(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    assert effect.incident_id is not None
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id)
        if not archive_still_due(status=incident.status, resolved_at=incident.resolved_at,
                                 scheduled_for=datetime.fromisoformat(effect.payload["resolved_at"])):
            raise Skip("reopened since it was resolved")
        key, channel_id = incident.key, incident.channel_id
        if incident.channel_archived_at is not None:
            raise Skip("a person archived the channel already")
    if not channel_id:
        raise Skip("the incident has no channel")
    try:
        if not effect.may_have_landed:
            deps.slack.post(channel_id, views.archiving_now(key))
        archived = deps.slack.archive(channel_id)
    except SlackFailure as exc:
        if exc.error in ("is_archived", "channel_not_found"):
            raise Skip(f"the channel is gone or archived already ({exc.error})") from None
        raise
    return {"archived": archived}


@archive_channel.recorder
def _archived(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    incidents.mark_channel_archived(s, effect.incident_id, now=now)
    timeline.record_system(
        s, effect.incident_id, "The incident channel was archived (ARCHIVE_AFTER after resolve).", now=now,
        data={"event": "archived", "by_bot": bool(result.get("archived"))},
    )


@deliverer(POSTMORTEM_APPROVAL_REMINDER, reminder=True)
def remind_approver(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    assert effect.incident_id is not None and effect.recipient_id is not None
    postmortem_id = int(effect.payload["postmortem_id"])
    with deps.sessions.begin() as s:
        found = postmortems.get(s, postmortem_id)
        if found is None or not approval_reminder_still_due(
                status=found.status, approver=effect.recipient_id, approvers=tuple(found.approvers or ()),
                decided=postmortems.approved_since_last_change_request(s, postmortem_id)):
            raise Skip("decided, no longer an approver, or the postmortem is not in review")
        doc = postmortems.document(s, effect.incident_id)
    if doc is None:
        raise Skip("the postmortem is gone")
    text, blocks = approval_request(doc, postmortem_id, missing_fields(doc))
    if doc.incident.private and doc.incident.channel_id:
        # As the request itself: a private incident's details stay in its channel.
        text, blocks = private_approval_request(doc.incident.key, doc.incident.channel_id, blocks)
    heading = views.approval_reminder_heading(doc.incident.key, late=effect.late)
    return post_once(deps, effect, effect.recipient_id, heading, [{"type": "section", "text": {
        "type": "mrkdwn", "text": heading}}, *blocks], dm=True)


@remind_approver.recorder
def _reminded(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    """Once per period until they decide: the next reminder is written with this one's outcome."""
    assert effect.incident_id is not None and effect.recipient_id is not None
    period = timedelta(seconds=int(effect.payload["every_seconds"]))
    cleanup.schedule_approval_reminder(
        s, incident_id=effect.incident_id, postmortem_id=int(effect.payload["postmortem_id"]),
        approver=effect.recipient_id, due_at=next_approval_reminder(effect.due_at, period, now), every=period,
        now=now)
