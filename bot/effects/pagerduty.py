"""PagerDuty effects: trigger and resolve pages (Events API v2), and find who is on call
(REST) to invite them. Each outbound call lands on the incident's timeline (kind=system).

The event is built at delivery from the incident as it is then (its channel exists by
then, its severity is current); PagerDuty's `dedup_key` makes a repeated trigger harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.paging import PageTarget, resolve_event, trigger_event
from bot.effects.errors import Skip, VendorError
from bot.effects.registry import deliverer
from bot.slack_edge import SlackFailure
from bot.vendors.pagerduty import PagerDuty
from bot.views.invites import refused_invites
from bot.views.slack_text import escape, mention
from storage import Session, effects, incidents, pages, timeline
from storage.effects import PendingEffect, channel_key

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


def client(deps: Deps) -> PagerDuty:
    settings = deps.settings
    return PagerDuty(events_url=settings.pagerduty_events_url, api_url=settings.pagerduty_api_url,
                     api_token=settings.pagerduty_api_token)


@deliverer(pages.TRIGGER)
def trigger(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    with deps.sessions() as s:
        incident = incidents.get(s, effect.incident_id or 0)
        snap, info_ts = incidents.snapshot(incident), incident.info_message_ts
    # The pinned message when it is there; else the channel (a page never waits for the pin).
    link = None
    if snap.channel_id:
        link = (deps.slack.permalink(snap.channel_id, info_ts) if info_ts
                else deps.slack.channel_link(snap.channel_id))
    event = trigger_event(PageTarget(p["service"], p["routing_key"], p["dedup_key"]), key=snap.key,
                          severity=snap.severity, summary=snap.summary, private=snap.private, channel_url=link,
                          channel_name=snap.channel_name, message=p.get("message") or "")
    try:
        accepted = client(deps).send_event(event)
    except VendorError as exc:
        if not exc.permanent:
            _tell_delayed(deps, effect, exc)
        raise
    _show_in_pin(deps, effect.incident_id or 0)
    return {"dedup_key": accepted.dedup_key, "summary": event["payload"]["summary"]}


# A single blip is not worth a message; a second failure in a row is.
TELL_AFTER_ATTEMPTS = 2


def _tell_delayed(deps: Deps, effect: PendingEffect, exc: VendorError) -> None:
    """PagerDuty is down: the IM hears once that the page has not gone out yet (it will)."""
    if effect.attempts < TELL_AFTER_ATTEMPTS or not effect.tell:
        return
    what = effect.payload.get("what") or "A page"
    with deps.sessions.begin() as s:
        effects.enqueue(s, kind="slack.dm", incident_id=effect.incident_id, now=deps.now(),
                        recipient_id=effect.tell, dedupe_key=f"pagerduty.delayed:{effect.id}",
                        payload={"text": f":hourglass: {what} has not reached PagerDuty yet ({exc.error}); "
                                         "the bot keeps trying and the channel hears when it does."})


def _show_in_pin(deps: Deps, incident_id: int) -> None:
    """The pinned message says who was paged: its edit is an effect of its own, in order."""
    from bot.effects import declaration

    with deps.sessions.begin() as s:
        effects.enqueue(s, kind=declaration.INFO_EDIT, incident_id=incident_id, now=deps.now(),
                        ordering_key=declaration.info_key(incident_id))


@trigger.recorder
def _triggered(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    p = effect.payload
    line = f"Paged {p['service']}'s on-call through PagerDuty ({p['dedup_key']})"
    timeline.record_system(
        s, effect.incident_id or 0, line, now=now,
        data={"event": pages.TRIGGER, "service": p["service"], "dedup_key": p["dedup_key"],
              "summary": result.get("summary")},
    )
    effects.enqueue(s, kind="slack.post", incident_id=effect.incident_id, now=now,
                    ordering_key=channel_key(effect.incident_id or 0),
                    payload={"channel": "incident", "text": f":pager: {escape(line)}."})


@deliverer(pages.RESOLVE)
def resolve(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    accepted = client(deps).send_event(resolve_event(PageTarget(p["service"], p["routing_key"], p["dedup_key"])))
    return {"dedup_key": accepted.dedup_key}


@resolve.recorder
def _resolved(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    p = effect.payload
    timeline.record_system(
        s, effect.incident_id or 0, f"Resolved the page of {p['service']} in PagerDuty ({p['dedup_key']})", now=now,
        data={"event": pages.RESOLVE, "service": p["service"], "dedup_key": p["dedup_key"]},
    )


@deliverer(pages.ON_CALL)
def on_call(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    """Who is on call (GET /oncalls), matched to Slack by email, invited to the channel and
    named in the pinned message. Nobody found: the IM is told (by the recorder)."""
    if not deps.settings.pagerduty_api_token:
        raise Skip("PAGERDUTY_API_TOKEN is not set")
    p = effect.payload
    with deps.sessions() as s:
        channel_id = incidents.get(s, effect.incident_id or 0).channel_id
    if not channel_id:
        raise VendorError("Slack", "the incident channel is not created yet", permanent=False)
    people: list[dict[str, Any]] = []
    for person in client(deps).on_call(p["escalation_policy"]):
        slack_id = None
        if person.email:
            try:
                slack_id = deps.slack.call("users.lookupByEmail", email=person.email)["user"]["id"]
            except SlackFailure as exc:
                if exc.error != "users_not_found":
                    raise
        people.append({"name": person.name, "email": person.email, "slack_id": slack_id})
    found = [x["slack_id"] for x in people if x["slack_id"]]
    # A guest or Slack Connect on-call may be refused: the others are invited; the IM is told.
    refused = deps.slack.invite(channel_id, found) if found else {}
    with deps.sessions.begin() as s:
        pages.set_on_call(s, p["page_id"], people)
    _show_in_pin(deps, effect.incident_id or 0)
    return {"people": people, "channel": channel_id, "refused": refused}


@on_call.recorder
def _on_call_found(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    p = effect.payload
    people = result.get("people") or []
    named = ", ".join(f"{x['name']} ({mention(x['slack_id'])})" if x["slack_id"] else f"{x['name']} (not in Slack)"
                      for x in people)
    timeline.record_system(
        s, effect.incident_id or 0, f"On call for {p['service']} (PagerDuty): {named or 'nobody'}", now=now,
        data={"event": pages.ON_CALL, "service": p["service"], "people": people},
    )
    incident = incidents.get(s, effect.incident_id or 0)
    im = next((r.user_id for r in incidents.current_roles(incident) if r.role == "incident-manager"), None)
    if result.get("refused"):
        effects.enqueue(s, kind="slack.dm", incident_id=incident.id, now=now, recipient_id=im or incident.reporter_id,
                        dedupe_key=f"invite_refused:{effect.id}",
                        payload={"text": refused_invites(incident.key, result.get("channel"), result["refused"],
                                                         why=f"they are on call for {p['service']}")})
    if any(x["slack_id"] for x in people):
        return
    why = ("PagerDuty lists nobody on call for escalation policy " + p["escalation_policy"] if not people else
           "none of them (" + ", ".join(escape(x["name"]) for x in people) + ") has a Slack account with that email")
    effects.enqueue(s, kind="slack.dm", incident_id=incident.id, now=now, recipient_id=im or incident.reporter_id,
                    payload={"text": f":warning: {incident.key}: {p['service']} was paged, but I could not find who "
                                     f"is on call to invite: {why}. Invite them by hand."})
