"""Ways in from any message (INTEGRATIONS.md): the "Declare incident" and "Add to incident
timeline" message shortcuts, and an alert card's Declare incident button."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.core import timeline as core
from bot.core.alerts import service_from_labels, severity_from_labels
from bot.core.declaration import SUMMARY_MAX
from bot.effects import outbox
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.declare import declare_modal
from bot.views.ids import Action, Block, Callback
from bot.views.shortcuts import add_to_timeline_modal, incident_choice_label, nothing_open_modal
from bot.core.authority import Act
from commands import authority
from bot.flows import declare_sources
from bot.flows.channel_messages import message_text
from bot.flows import visibility
from bot.flows.timeline_ingest import acknowledge
from storage import alerts, incidents, timeline

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.shortcut(Callback.DECLARE_FROM_MESSAGE)
    def on_declare_from_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        declare_from_message(deps, body)

    @app.shortcut(Callback.ADD_TO_TIMELINE)
    def on_add_to_timeline(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        add_to_timeline(deps, body)

    @app.view(Callback.ADD_TO_TIMELINE_SUBMIT)
    def on_add_to_timeline_submitted(ack: Ack, body: dict[str, Any]) -> None:
        add_to_timeline_submitted(ack, deps, body)

    @app.action(Action.ALERT_DECLARE)
    def on_alert_declare(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        declare_from_alert(deps, body)


def _message(body: dict[str, Any]) -> dict[str, Any]:
    message = dict(body.get("message") or {})
    message["channel"] = (body.get("channel") or {}).get("id") or message.get("channel")
    message["text"] = message_text(message)
    return message


# -- Declare incident (message shortcut) ---------------------------------------------------------
def declare_from_message(deps: Deps, body: dict[str, Any]) -> None:
    """The declare modal prefilled with the message; on submit it is the detection entry."""
    message = _message(body)
    text = message["text"]
    summary = " ".join(text.split())
    team = deps.team
    view = declare_modal(
        summary=summary[:SUMMARY_MAX], impact=text if len(summary) > SUMMARY_MAX else "",
        services=tuple(s.name for s in team.services), products=team.products, origin_channel=message["channel"],
        metadata=declare_sources.metadata(message["channel"], message=message),
    )
    deps.slack.open_view(body["trigger_id"], view)


# -- Declare incident (alert card button) ----------------------------------------------------------
def declare_from_alert(deps: Deps, body: dict[str, Any]) -> None:
    action = (body.get("actions") or [{}])[0]
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or ""
    with deps.sessions() as s:
        group = alerts.get(s, int(action.get("value") or 0))
        taken = incidents.get(s, group.incident_id).key if group and group.incident_id else None
        found = group and (group.summary, dict(group.labels or {}), group.description)
    if not found:
        deps.slack.ephemeral(channel, user, "That alert is no longer known to the bot; declare with "
                                 "`/incident declare`.")
        return
    if taken:
        deps.slack.ephemeral(channel, user, f"This alert was already declared as {taken}.")
        return
    summary, labels, description = found
    team = deps.team
    names = tuple(s.name for s in team.services)
    view = declare_modal(
        summary=summary, impact=description, severity=severity_from_labels(labels),
        faulty_service=service_from_labels(labels, names), services=names, products=team.products,
        origin_channel=channel, metadata=declare_sources.metadata(channel, alert_group_id=int(action["value"])),
    )
    deps.slack.open_view(body["trigger_id"], view)


# -- Add to incident timeline -------------------------------------------------------------------------
def add_to_timeline(deps: Deps, body: dict[str, Any]) -> None:
    message = _message(body)
    user = body["user"]["id"]
    meta = {"channel": message["channel"], "ts": message.get("ts"), "thread_ts": message.get("thread_ts"),
            "user": message.get("user"), "text": message["text"][:declare_sources.MESSAGE_TEXT_KEEP]}
    with deps.sessions() as s:
        here = incidents.get_by_channel(s, message["channel"])
        label = here.key if here is not None else None
        if here is not None:
            meta["incident_id"] = here.id
    if label is None:
        # A private incident shows nothing outside its channel: offered only to its members
        # (stored membership: no Slack call per incident).
        visible = [(str(i.incident_id), incident_choice_label(i.key, i.summary, i.private))
                   for i in visibility.open_incidents(deps, user)]
        if not visible:
            deps.slack.open_view(body["trigger_id"], nothing_open_modal())
            return
        view = add_to_timeline_modal(message_text=message["text"], incident_label=None, choices=visible,
                                     metadata=json.dumps(meta))
    else:
        view = add_to_timeline_modal(message_text=message["text"], incident_label=label, choices=None,
                                     metadata=json.dumps(meta))
    deps.slack.open_view(body["trigger_id"], view)


def add_to_timeline_submitted(ack: Ack, deps: Deps, body: dict[str, Any]) -> None:
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    values = body["view"]["state"]["values"]
    user = body["user"]["id"]
    kind = input_value(values, Block.TIMELINE_KIND) or core.NOTE
    chosen = meta.get("incident_id") or input_value(values, Block.TIMELINE_INCIDENT)
    if kind not in core.PERSON_KINDS or not chosen:
        ack(response_action="errors", errors={Block.TIMELINE_KIND: "Choose what kind of entry this is."})
        return
    with deps.sessions() as s:
        # Asked again on submit: the choice may be forged or the person may have left meanwhile.
        target = incidents.snapshot(incidents.get(s, int(chosen)))
        decision = authority.decide(s, user, Act.TIMELINE_EMOJI, target, typed_in=meta.get("channel"))
    key, in_channel = target.key, meta.get("channel") == target.channel_id
    if not decision:
        ack(response_action="errors", errors={Block.TIMELINE_INCIDENT if not meta.get("incident_id")
                                              else Block.TIMELINE_KIND: decision.reason})
        return
    ack()
    channel, ts = meta["channel"], meta["ts"]
    thread = meta.get("thread_ts") if meta.get("thread_ts") != ts else None
    permalink = deps.slack.permalink(channel, ts, thread)
    with deps.sessions.begin() as s:
        inserted = timeline.record_once(
            s, dedupe_key=core.message_key(channel, ts, kind), incident_id=int(chosen), kind=kind, text=meta["text"],
            occurred_at=core.ts_to_datetime(ts), recorded_at=deps.now(), source="shortcut",
            actor_id=meta.get("user"), message_ts=ts, thread_ts=thread, permalink=permalink, data={"added_by": user},
        )
        told = (f"Added to the timeline of {key} as {core.kind_label(kind).lower()}." if inserted
                else f"That message is already on the timeline of {key} as {core.kind_label(kind).lower()}.")
        if in_channel and inserted:
            acknowledge(s, deps, int(chosen), channel, ts)
        if not in_channel:
            # Outside the incident channel an ephemeral has nowhere to go: a DM, sent with the entry.
            outbox.to_person(s, int(chosen), user, f"{told} <{permalink}|The message>" if permalink else told,
                             now=deps.now())
    if in_channel:
        deps.slack.ephemeral(channel, user, told)
