"""Status page effects: publish (create, then PATCH the same incident), components, the link.

Statuspage has no idempotency key, so nothing is sent twice by looking first: a create
whose answer was lost is found again by the bot's key in the incident metadata, and a PATCH
whose answer was lost is recognised as the incident's newest update. Every call that
reached Statuspage, and every refusal, is on the incident's timeline (kind=system).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.external_comms import RESOLVED
from bot.effects.errors import Skip
from bot.effects.registry import deliverer
from bot.vendors.statuspage import StatuspageClient, StatuspageError, StatuspageIncident
from bot.views.declare import LINK_TITLES
from bot.views.slack_text import escape
from bot.flows.channel_sync import sync_channel
from storage import Session, effects, incidents, statuspage, timeline
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


def client(deps: Deps) -> StatuspageClient:
    settings = deps.settings
    return StatuspageClient(api_url=settings.statuspage_api_url, api_key=settings.statuspage_api_key,
                            page_id=settings.statuspage_page_id, pacer=deps.statuspage_pacer)


def _still_wanted(effect: PendingEffect, deps: Deps) -> str | None:
    """The remote id (None before the first create); Skip when nothing may be published."""
    if not deps.settings.statuspage_enabled:
        raise Skip("Statuspage is not configured any more")
    if effect.incident_id is None:
        raise Skip("no incident")
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id)
        if incident.private:  # never, not even if a row slipped in
            raise Skip("private incident")
        row = statuspage.get(s, effect.incident_id)
        return row.remote_id if row else None


def _refused(deps: Deps, effect: PendingEffect, exc: StatuspageError) -> StatuspageError:
    """A permanent refusal goes on the timeline (the IM is told by the worker, via `tell`);
    a transient one tells the IM once that the page is behind."""
    now = deps.now()
    with deps.sessions.begin() as s:
        if exc.permanent:
            timeline.record_system(
                s, effect.incident_id or 0,
                f"Statuspage refused {effect.payload.get('what', effect.kind).lower()}: "
                f"{exc.status} {exc.reason}",
                now=now,
                data={"event": "statuspage_refused", "effect_id": effect.id, "status": exc.status,
                      "reason": exc.reason},
            )
        elif effect.tell:
            effects.enqueue(s, kind="slack.dm", incident_id=effect.incident_id, now=now, recipient_id=effect.tell,
                            dedupe_key=f"statuspage.delayed:{effect.id}",
                            payload={"text": f":hourglass: {effect.payload.get('what', effect.kind)} has not reached "
                                             f"Statuspage yet ({escape(exc.error)}). The bot keeps trying; "
                                             "nothing needs doing, and nothing will be sent twice."})
    return exc


@deliverer(statuspage.PUBLISH)
def publish(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    remote_id = _still_wanted(effect, deps)
    sp = client(deps)
    try:
        landed = _landed_before(sp, effect, remote_id)
        if landed is not None:
            incident = landed
        elif remote_id is None and p["status"] == RESOLVED:
            raise Skip("the status page incident was never opened: there is nothing to resolve")
        elif remote_id is None:
            incident = sp.create_incident(name=p["name"], status=p["status"], body=p["body"],
                                          components=p["components"], key=p["key"])
        else:
            incident = sp.update_incident(remote_id, status=p["status"], body=p["body"], components=p["components"])
    except StatuspageError as exc:
        raise _refused(deps, effect, exc) from None
    return {"id": incident.id, "shortlink": incident.shortlink, "status": incident.status,
            "created": remote_id is None, "components": incident.components}


def _landed_before(sp: StatuspageClient, effect: PendingEffect, remote_id: str | None) -> StatuspageIncident | None:
    """After a try whose answer was lost: the incident (or its newest update) if it got there."""
    if not effect.may_have_landed:
        return None
    p = effect.payload
    if remote_id is None:
        return sp.find_unresolved(p["key"])
    current = sp.get_incident(remote_id)
    if current.latest_update_body == p["body"] and current.status == p["status"]:
        return current
    return None


@publish.recorder
def _published(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    incident_id = effect.incident_id or 0
    first = statuspage.set_remote(s, incident_id, remote_id=result["id"], shortlink=result.get("shortlink"), now=now)
    p = effect.payload
    link = f" {result['shortlink']}" if result.get("shortlink") else ""
    verb = "Opened the status page incident" if result.get("created") else "Updated the status page incident"
    timeline.record_system(
        s, incident_id, f"{verb} ({p['status']}){link}: {p['body']}", now=now,
        data={"event": "statuspage_published", "effect_id": effect.id, "remote_id": result["id"],
              "status": p["status"], "components": p.get("components") or {}},
    )
    if first and result.get("shortlink"):
        # The link goes to the channel's bookmarks and pinned message, in the channel's order.
        effects.enqueue(s, kind=statuspage.LINK, incident_id=incident_id, now=now,
                        ordering_key=effects.channel_key(incident_id), payload={"url": result["shortlink"]})


@deliverer(statuspage.COMPONENTS)
def components(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    remote_id = _still_wanted(effect, deps)
    if remote_id is None:
        raise Skip("the status page incident was never opened")
    try:
        incident = client(deps).update_incident(remote_id, components=effect.payload["components"])
    except StatuspageError as exc:
        raise _refused(deps, effect, exc) from None
    return {"id": incident.id, "components": incident.components}


@components.recorder
def _components_set(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    shown = ", ".join(f"{cid} {status.replace('_', ' ')}" for cid, status in effect.payload["components"].items())
    timeline.record_system(
        s, effect.incident_id or 0, f"Status page components set to follow the severity: {shown}", now=now,
        data={"event": "statuspage_components", "effect_id": effect.id,
              "components": effect.payload["components"]},
    )


@deliverer(statuspage.LINK)
def link(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    """The pinned message and topic show the link (from the snapshot); then the bookmark."""
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id or 0)
        channel, bookmark_id = incident.channel_id, (incident.bookmark_ids or {}).get("statuspage")
    if not channel:
        raise Skip("the incident has no channel")
    sync_channel(deps, effect.incident_id or 0)
    new_id = deps.slack.set_bookmark(channel, LINK_TITLES["statuspage"], effect.payload["url"], bookmark_id)
    return {"bookmark_id": new_id}


@link.recorder
def _bookmarked(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    statuspage.set_bookmark_id(s, effect.incident_id or 0, result["bookmark_id"])
