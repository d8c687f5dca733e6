"""`alert.card`: once an incident declared from an alert has its channel, the alert's card in
the alerts channel says which incident took it (enqueued by the channel's recorder)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.effects.errors import Skip
from bot.effects.registry import deliverer
from bot.views.alerts import alert_card
from storage import alerts, incidents
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


@deliverer("alert.card")
def update_card(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    with deps.sessions() as s:
        group = alerts.get(s, int(effect.payload["group_id"]))
        if group is None or group.incident_id != effect.incident_id or not group.card_ts or not group.card_channel_id:
            raise Skip("no card of this incident's alert")
        incident = incidents.get(s, group.incident_id)
        text, blocks = alert_card(
            group_id=group.id, summary=group.summary, labels=group.labels or {}, description=group.description,
            status=group.status, starts_at=group.starts_at, ends_at=group.ends_at, incident_key=incident.key,
            incident_channel_id=incident.channel_id, incident_private=incident.private)
        channel_id, ts = group.card_channel_id, group.card_ts
    deps.slack.update_message(channel_id, ts, text, blocks=blocks)
    return {"channel": channel_id, "ts": ts}
