"""Alert cards in the incidents channel.

`alert.show_card` (enqueued with each Alertmanager notification): the card as that
notification shows it, posted the first time (once: a retry finds it in history) and edited
after; one group's cards go out in order. `alert.card`: once an incident declared from an
alert has its channel, the card says which incident took it (enqueued by the channel's recorder)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.effects.errors import Skip
from bot.effects.registry import deliverer
from bot.effects.slack_messages import INCIDENTS_CHANNEL, post_once, target_channel
from bot.views.alerts import alert_card
from storage import Session, alerts, incidents
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


def alert_key(group_id: int) -> str:
    """One alert group's cards in order: posted before it is edited."""
    return f"alert:{group_id}"


@deliverer("alert.show_card")
def show_card(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    with deps.sessions() as s:
        group = alerts.get(s, int(p["group_id"]))
        if group is None:
            raise Skip("the alert group is gone")
        channel_id, ts, declared = group.card_channel_id, group.card_ts, group.incident_id is not None
    if declared:
        raise Skip("declared: the card shows its incident (alert.card)")
    if channel_id and ts:
        deps.slack.update_message(channel_id, ts, p["text"], blocks=p.get("blocks"))
        return {"channel": channel_id, "ts": ts, "edited": True}
    return post_once(deps, effect, target_channel(effect, deps, INCIDENTS_CHANNEL), p["text"], p.get("blocks"))


@show_card.recorder
def _card_posted(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    if not result.get("edited"):
        alerts.set_card(s, int(effect.payload["group_id"]), result["channel"], result["ts"])
