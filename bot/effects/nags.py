"""Deliverers of the comms nags and the handover nudge (planned by bot/scheduler/nags.py).

The incident is read again and the core re-checks the nag (resolved, severity changed, a
newer update) before anything reaches Slack. The recipient gets a DM; the channel hears it
when asked for, or when the DM cannot arrive (one list: errors.CANNOT_REACH).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.deadlines import COMMS_KINDS, HANDOVER_NUDGE, DueNag, still_due
from bot.core.durations import format_duration
from bot.effects.errors import CANNOT_REACH, Skip
from bot.effects.registry import deliverer
from bot.effects.slack_messages import post_once
from bot.scheduler.nags import policy
from bot.slack_edge import SlackFailure
from bot.views.nags import comms_nag_channel_line, comms_nag_dm, handover_nudge_channel_line, handover_nudge_dm
from bot.views.slack_text import mention
from storage import Session, incidents, timeline
from storage.nags import nag_state
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


def deliver_nag(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    now = deps.now()
    assert effect.incident_id is not None
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id)
        state = nag_state(incident)
        current = still_due(state, effect.kind, effect.due_at, now, policy(deps.settings))
        if current is None:
            raise Skip("stale: update posted, resolved or severity changed")
        key, summary, channel_id = incident.key, incident.summary, incident.channel_id
        # A person archived the channel: the DM still goes, nothing is posted there.
        postable = channel_id if incident.channel_archived_at is None else None
        has_im = state.incident_manager is not None
    delivered = _deliver(deps, effect, current, key=key, summary=summary, channel_id=channel_id,
                         postable=postable, has_im=has_im, now=now)
    return {"delivered": delivered, "late": current.late_by is not None}


for _kind in COMMS_KINDS:
    deliverer(_kind, reminder=True)(deliver_nag)
nudge = deliverer(HANDOVER_NUDGE, reminder=True)(deliver_nag)


@nudge.recorder
def _nudged(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    # The nudge is a change to the incident (asked once per IM): it goes on the timeline.
    assert effect.incident_id is not None
    incidents.mark_handover_nudged(s, effect.incident_id, at=now)
    timeline.record_system(
        s, effect.incident_id, f"Asked {mention(effect.recipient_id)} whether a handover should be planned.", now=now,
        data={"event": "handover_nudge", "due_at": effect.due_at.isoformat(), "delivered": result["delivered"]},
    )


def _deliver(deps: Deps, effect: PendingEffect, nag: DueNag, *, key: str, summary: str,
             channel_id: str | None, postable: str | None, has_im: bool, now: datetime) -> list[str]:
    """DMs the recipient (and, when asked for or when the DM cannot arrive, the channel)."""
    delivered: list[str] = []
    tell_channel = nag.tell_channel
    if _reachable(deps, nag.recipient_id):
        if nag.kind == HANDOVER_NUDGE:
            text, blocks = handover_nudge_dm(nag, key=key, channel_id=channel_id,
                                             held_for=format_duration(now - nag.deadline))
        else:
            text, blocks = comms_nag_dm(nag, incident_id=effect.incident_id or 0, key=key, summary=summary,
                                        channel_id=channel_id, now=now, as_reporter=not has_im)
        try:
            post_once(deps, effect, nag.recipient_id, text, blocks, dm=True)
            delivered.append("dm")
        except SlackFailure as exc:
            if exc.error not in CANNOT_REACH:
                raise
            log.warning("%s: cannot DM %s (%s); telling the channel", key, nag.recipient_id, exc.error)
            tell_channel = True
    else:
        tell_channel = True
    if tell_channel and channel_id and not postable:
        log.warning("%s: the incident channel is archived; the nag is not posted there (delivered: %s)", key,
                    ", ".join(delivered) or "nothing")
    if tell_channel and postable:
        channel_id = postable
        if nag.kind == HANDOVER_NUDGE:
            line = handover_nudge_channel_line(nag, key=key, held_for=format_duration(now - nag.deadline))
        else:
            line = comms_nag_channel_line(nag, key=key, incident_manager=nag.recipient_id if has_im else None,
                                          im_reachable="dm" in delivered, now=now)
        try:
            post_once(deps, effect, channel_id, line)
            delivered.append("channel")
        except SlackFailure as exc:
            if exc.error not in ("is_archived", "channel_not_found"):
                raise
            # Someone archived the incident channel of an open incident: the DM (if any) stands.
            log.warning("%s: cannot post the nag in %s (%s); delivered: %s", key, channel_id, exc.error,
                        ", ".join(delivered) or "nothing")
    return delivered


def _reachable(deps: Deps, user_id: str) -> bool:
    """False for a deactivated or unknown person: their DM would go nowhere."""
    try:
        user = deps.slack.user(user_id)
    except SlackFailure as exc:
        log.warning("users.info %s failed (%s); trying the DM anyway", user_id, exc.error)
        return True
    return bool(user) and not user.get("deleted")
