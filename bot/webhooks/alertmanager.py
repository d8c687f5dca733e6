"""`POST /webhooks/alertmanager` (bearer token): a firing group not seen before posts a card
with a Declare button to the incidents channel; once declared, the group's later
notifications go on the incident's timeline. One card per open group (`groupKey`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime

from bot.core.alerts import AlertNotification, AlertPayloadError, read_notification
from bot.core.incident import RESOLVED
from bot.deps import Deps
from bot.views.alerts import alert_card, alert_timeline_text
from bot.effects.alert_cards import alert_key
from storage import AlertGroupRow, Session, alerts, effects, incidents, timeline

log = logging.getLogger(__name__)


def authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def receive(deps: Deps, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    token = deps.settings.alertmanager_webhook_token
    if not token:
        return 404, "Alertmanager webhooks are off: ALERTMANAGER_WEBHOOK_TOKEN is not set"
    if not authorized(headers.get("authorization"), token):
        log.warning("Alertmanager webhook refused: missing or wrong bearer token")
        return 401, "missing or wrong bearer token"
    try:
        note = read_notification(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError) as exc:
        message = str(exc) if isinstance(exc, AlertPayloadError) else "the body is not JSON"
        return 400, message
    now = deps.now()
    answer = "recorded"
    with deps.sessions.begin() as s:
        group = alerts.open_group(s, note.group_hash, for_update=True)
        if group is not None and group.incident_id is not None:
            incident = incidents.get(s, group.incident_id)
            if incident.status == RESOLVED and note.firing:
                alerts.close_for_a_new_episode(s, group, now)  # its incident is over: a new episode
                group = None
            else:
                answer = _to_timeline(s, group, note, now)
                return 200, answer
        if group is None:
            if not note.firing:
                return 200, "ignored: a resolved group the bot never saw firing"
            group = alerts.open_new(s, note, now)
            if group is None:  # another delivery opened it a moment ago
                return 200, "already open"
            _show_card(s, deps, group.id, note, now)
            answer = "card posted"
        else:
            alerts.seen_again(group, note, now)
            if not note.firing:
                alerts.close(group, now)
            _show_card(s, deps, group.id, note, now)
            answer = "card updated"
    return 200, answer


def _to_timeline(s: Session, group: AlertGroupRow, note: AlertNotification, now: datetime) -> str:
    """A declared group's notification: on the incident's timeline, once per distinct state."""
    again = group.status != "firing"
    alerts.seen_again(group, note, now)
    state = "|".join([note.status, str(note.starts_at), str(note.ends_at), *sorted(note.fingerprints)])
    digest = hashlib.sha256(state.encode("utf-8")).hexdigest()[:32]
    inserted = timeline.record_system(
        s, group.incident_id or 0,
        alert_timeline_text(summary=note.summary, status=note.status, ends_at=note.ends_at, again=again), now=now,
        occurred_at=note.ends_at if not note.firing and note.ends_at else now, source="webhook",
        dedupe_key=f"alert:{group.id}:{digest}",
        data={"event": "alertmanager", "status": note.status, "group_key": note.group_key},
    )
    return "on the incident's timeline" if inserted else "already on the timeline"


def _show_card(s: Session, deps: Deps, group_id: int, note: AlertNotification, now: datetime) -> None:
    """The card, as this notification shows it: an effect of the notification's transaction,
    posted to the incidents channel the first time and edited after (bot/effects/alert_cards.py)."""
    if not deps.settings.incidents_channel:
        log.warning("alert %r: INCIDENTS_CHANNEL is not set, so its card goes nowhere", note.summary)
        return
    text, blocks = alert_card(group_id=group_id, summary=note.summary, labels=note.labels,
                              description=note.description, status=note.status, starts_at=note.starts_at,
                              ends_at=note.ends_at, external_url=note.external_url)
    effects.enqueue(s, kind="alert.show_card", incident_id=None, now=now, ordering_key=alert_key(group_id),
                    payload={"group_id": group_id, "text": text, "blocks": blocks})
