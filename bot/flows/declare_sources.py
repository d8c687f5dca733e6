"""Where a declaration came from, beyond `/incident declare`: an alert's Declare button or the
"Declare incident" message shortcut. The declare modal carries it in `private_metadata`;
on submit the source becomes the first timeline entry (the detection) and, for an alert,
the group is tied to the incident so its later notifications go on the timeline.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.timeline import OBSERVATION, ts_to_datetime
from bot.deps import Deps
from storage import Session, alerts, incidents, timeline

log = logging.getLogger(__name__)

# Slack's private_metadata holds 3000 characters; the message text gets what is left.
MESSAGE_TEXT_KEEP = 2000


@dataclass(frozen=True)
class Source:
    origin_channel_id: str | None
    alert_group_id: int | None = None
    message: dict[str, Any] | None = None


def metadata(origin: str, *, alert_group_id: int | None = None, message: dict[str, Any] | None = None) -> str:
    data: dict[str, Any] = {"origin": origin}
    if alert_group_id is not None:
        data["alert_group"] = alert_group_id
    if message is not None:
        data["message"] = {"channel": message.get("channel"), "ts": message.get("ts"), "user": message.get("user"),
                           "text": (message.get("text") or "")[:MESSAGE_TEXT_KEEP]}
    return json.dumps(data, separators=(",", ":"))


def read(raw: str | None) -> Source:
    """`private_metadata`: a bare channel ID (`/incident declare`) or the JSON above."""
    if not raw or not raw.startswith("{"):
        return Source(origin_channel_id=raw or None)
    data = json.loads(raw)
    group = data.get("alert_group")
    return Source(origin_channel_id=data.get("origin") or None, alert_group_id=int(group) if group else None,
                  message=data.get("message") if isinstance(data.get("message"), dict) else None)


def taken_by(deps: Deps, source: Source) -> str | None:
    """Why this alert cannot be declared (again), or None; said in the modal, nothing created."""
    if source.alert_group_id is None:
        return None
    with deps.sessions() as s:
        group = alerts.get(s, source.alert_group_id)
        if group is None:
            return "That alert is gone; declare with `/incident declare` instead."
        if group.incident_id is not None:
            return f"This alert was already declared as {incidents.get(s, group.incident_id).key}."
    return None


def attach(s: Session, incident_id: int, source: Source, *, permalink: str | None, now: datetime) -> None:
    """In the declaration's transaction: the detection entry, and the alert group's incident."""
    if source.alert_group_id is not None:
        group = alerts.take(s, source.alert_group_id, incident_id)
        if group is not None:
            detected = group.starts_at or now
            incidents.set_detected_at(s, incident_id, detected)
            timeline.record_system(
                s, incident_id, f"Detected: Alertmanager alert {group.summary} firing", now=now, occurred_at=detected,
                source="webhook", data={"event": "detection", "source": "alertmanager", "group_key": group.group_key},
            )
    if source.message and source.message.get("ts"):
        message = source.message
        detected = ts_to_datetime(str(message["ts"]))
        incidents.set_detected_at(s, incident_id, detected)
        timeline.record(
            s, incident_id=incident_id, kind=OBSERVATION, occurred_at=detected, recorded_at=now, source="shortcut",
            text=message.get("text") or "", actor_id=message.get("user"), message_ts=str(message["ts"]),
            permalink=permalink, data={"event": "detection", "channel": message.get("channel")},
        )


def permalink_of(deps: Deps, source: Source) -> str | None:
    message = source.message or {}
    if not message.get("channel") or not message.get("ts"):
        return None
    return deps.slack.permalink(str(message["channel"]), str(message["ts"]))


def after_channel(source: Source) -> list[dict[str, Any]]:
    """Effects that follow once the incident's channel exists: the alert's card says which
    incident took it (bot/effects/alert_cards.py)."""
    if source.alert_group_id is None:
        return []
    return [{"kind": "alert.card", "payload": {"group_id": source.alert_group_id}}]
