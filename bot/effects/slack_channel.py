"""Changes to an incident channel as effects: invitations, a link's bookmark, a message edit.

- `slack.invite` (payload `users`, `why`): invites them into the incident's channel (read when
  it is delivered) and records who is in it now; who Slack refused (guests, Slack Connect...)
  is told once to `tell`, with `why` they were invited. An invitation is idempotent at Slack
  (already_in_channel), so a retry repeats nothing.
- `slack.bookmark` (payload `link`: video, doc or issue): sets the bookmark from the link as
  the database holds it when it is delivered, and records its ID. A retry whose first try
  may have added it finds that bookmark (its title and link) instead of adding a second one.
- `slack.update` (payload `channel`, `ts`, `text`, `blocks`): edits a message (idempotent).
- `slack.react` / `slack.unreact` (payload `channel`, `ts`, `emoji`): the bot's own reaction that
  says a message is on the timeline, and its withdrawal (both idempotent at Slack).

Enqueue them through bot/effects/outbox.py, in the transaction of the change.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.effects.errors import CHANNEL_ARCHIVED, Skip
from bot.effects.registry import deliverer
from bot.slack_edge import SlackFailure
from bot.views.declare import LINK_TITLES
from bot.views.invites import refused_invites
from storage import Session, effects, incidents, members
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

INVITE, BOOKMARK, UPDATE = "slack.invite", "slack.bookmark", "slack.update"
REACT, UNREACT = "slack.react", "slack.unreact"


def _channel(deps: Deps, effect: PendingEffect) -> tuple[str, Any]:
    if effect.incident_id is None:
        raise Skip("no incident")
    with deps.sessions.begin() as s:
        incident = incidents.get(s, effect.incident_id)
        snap = incidents.snapshot(incident)
        ids = dict(incident.bookmark_ids or {})
    if not snap.channel_id:
        raise Skip("the incident has no channel")
    if snap.channel_archived:
        raise Skip(CHANNEL_ARCHIVED)  # a person archived it: caught up when it is unarchived
    return snap.channel_id, (snap, ids)


@deliverer(INVITE)
def invite(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    channel, (snap, _) = _channel(deps, effect)
    users = [u for u in effect.payload.get("users") or [] if u]
    # Guests, Slack Connect users... may be refused: the others are invited all the same, and
    # whoever acted is told once who stayed out and why (the recorder); nothing is retried.
    refused = deps.slack.invite(channel, users)
    if refused:
        log.warning("%s: Slack refused to invite %s", snap.key, refused)
    return {"channel": channel, "joined": [u for u in users if u not in refused], "refused": refused,
            "key": snap.key}


@invite.recorder
def _invited(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    if result["joined"]:
        members.add(s, channel_id=result["channel"], user_ids=result["joined"], now=now)
    if result.get("refused") and effect.tell:
        effects.enqueue(s, kind="slack.dm", incident_id=effect.incident_id, now=now, recipient_id=effect.tell,
                        dedupe_key=f"invite_refused:{effect.id}",
                        payload={"text": refused_invites(result["key"], result["channel"], result["refused"],
                                                         why=effect.payload.get("why") or "you invited them")})


@deliverer(BOOKMARK)
def bookmark(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    kind = effect.payload["link"]
    channel, (snap, ids) = _channel(deps, effect)
    url = snap.links.get(kind)
    if not url:
        raise Skip(f"no {kind} link")
    title = LINK_TITLES[kind]
    bookmark_id = ids.get(kind)
    if bookmark_id is None and effect.may_have_landed:
        # An earlier try may have added it before its answer was lost: the one with its title and link.
        try:
            listed = deps.slack.call("bookmarks.list", channel_id=channel).get("bookmarks") or []
        except SlackFailure as exc:
            if exc.error != "missing_scope":
                raise
            # An app installed before it asked for bookmarks:read: add it (at worst, twice).
            log.warning("%s: cannot list bookmarks (%s); adding the %s link", snap.key, exc, kind)
            listed = []
        bookmark_id = next((b["id"] for b in listed if b.get("title") == title and b.get("link") == url), None)
    new_id = deps.slack.set_bookmark(channel, title, url, bookmark_id)
    return {"link": kind, "bookmark_id": new_id, "url": url}


@bookmark.recorder
def _bookmarked(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    incidents.set_bookmark_id(s, effect.incident_id, result["link"], result["bookmark_id"])


@deliverer(UPDATE)
def update(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    deps.slack.update_message(p["channel"], p["ts"], p["text"], blocks=p.get("blocks"))
    return {"channel": p["channel"], "ts": p["ts"]}


@deliverer(REACT)
def react(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    deps.slack.add_reaction(p["channel"], p["ts"], p["emoji"])  # already_reacted: done before
    return {"channel": p["channel"], "ts": p["ts"]}


@deliverer(UNREACT)
def unreact(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    try:
        deps.slack.call("reactions.remove", channel=p["channel"], timestamp=p["ts"], name=p["emoji"])
    except SlackFailure as exc:
        if exc.error not in ("no_reaction", "message_not_found"):
            raise
        raise Skip(f"nothing to withdraw ({exc.error})") from None
    return {"channel": p["channel"], "ts": p["ts"]}
