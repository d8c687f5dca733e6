"""Slack messages as effects: `slack.post` (a channel) and `slack.dm` (a person).

Every message carries the effect id in its metadata. A retry whose first try may have
reached Slack (the process died mid-call, or the answer was lost) first looks for that id in
the channel's recent history and, if the message is there, records it instead of posting
a second one.

Payload of `slack.post`: `channel` is a channel ID, "incident" (the incident's channel, read
when it is delivered: it may not exist when the effect is written) or "incidents" (the
INCIDENTS_CHANNEL setting); `text`, `blocks`, `thread_ts`; `record` names where the message's
ts goes (see RECORDS). `slack.dm` goes to `recipient_id`: `text`, `blocks`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.effects.errors import Skip, VendorError, channel_archived
from bot.effects.registry import deliverer
from bot.slack_edge import SlackFailure
from bot.views.posting import is_restricted, refused_post
from storage import Session, incidents, updates
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

INCIDENT_CHANNEL, INCIDENTS_CHANNEL = "incident", "incidents"


def target_channel(effect: PendingEffect, deps: Deps, where: str) -> str:
    if where == INCIDENT_CHANNEL:
        if effect.incident_id is None:
            raise Skip("no incident to post in")
        with deps.sessions.begin() as s:
            incident = incidents.get(s, effect.incident_id)
            channel_id, archived = incident.channel_id, incident.channel_archived_at is not None
        if not channel_id:
            raise Skip("the incident has no channel")
        if archived:
            raise channel_archived()
        return channel_id
    if where == INCIDENTS_CHANNEL:
        target = deps.settings.incidents_channel
        if not target:
            raise Skip("no INCIDENTS_CHANNEL set")
        return deps.slack.resolve_channel(target)
    return where


def post_once(deps: Deps, effect: PendingEffect, channel: str, text: str,
              blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None, *,
              dm: bool = False) -> dict[str, Any]:
    """Posts the effect's message unless an earlier try already did; returns {channel, ts}.
    `dm`: `channel` is a user ID (their DM's history is read through conversations.open)."""
    if effect.may_have_landed:
        history_channel = deps.slack.open_dm(channel) if dm else channel
        found = deps.slack.find_effect_message(history_channel, effect.id)
        if found is not None:
            return {"channel": found["channel"], "ts": found["ts"], "found_in_history": True}
    posted = deps.slack.post(channel, text, blocks=blocks, thread_ts=thread_ts, effect_id=effect.id)
    return {"channel": posted["channel"], "ts": posted["ts"]}


@deliverer("slack.post")
def post(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    channel = target_channel(effect, deps, p["channel"])
    try:
        return post_once(deps, effect, channel, p["text"], p.get("blocks"), p.get("thread_ts"))
    except SlackFailure as exc:
        exc.channel = channel  # type: ignore[attr-defined]  # named in the explanation
        raise


@post.explainer
def explain_not_posted(effect: PendingEffect, error: VendorError) -> str:
    """The DM to `tell` when a post fails for good (payload `channel`: "incident" when absent)."""
    what = effect.payload.get("what") or effect.kind
    where = effect.payload.get("channel", INCIDENT_CHANNEL)
    if is_restricted(error.error):
        return refused_post(what, error.error, incidents_channel=where == INCIDENTS_CHANNEL,
                            channel=getattr(error, "channel", None))
    if error.error == "is_archived" and where == INCIDENT_CHANNEL:
        return (f":warning: {what} did not reach the incident channel: it is archived. The rest of the change went "
                "out; unarchive the channel to post there again.")
    return f":warning: {what} did not reach Slack: Slack: {error.error}."


@deliverer("slack.dm")
def dm(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    if not effect.recipient_id:
        raise Skip("nobody to DM")
    return post_once(deps, effect, effect.recipient_id, effect.payload["text"], effect.payload.get("blocks"),
                     dm=True)


def _comms_update(s: Session, record: dict[str, Any], result: dict[str, Any]) -> None:
    updates.set_posted(s, record["id"], **{record["field"]: result["ts"]})


# Where a posted message's ts is written: record={"as": <name>, ...}.
RECORDS: dict[str, Callable[[Session, dict[str, Any], dict[str, Any]], None]] = {
    "comms_update": _comms_update,
}


@post.recorder
def _record(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    record = effect.payload.get("record")
    if record:
        RECORDS[record["as"]](s, record, result)
