"""The Slack side of a declaration, as effects.

The declare submission writes the incident and one effect, `declare.channel`, in one
transaction. When the channel exists, its recorder (in the transaction that records the
channel ID) enqueues the rest: invite, topic, the pinned info message, bookmarks, the
announcement and the reporter's DM. They are independent destinations and go out at once,
in parallel. Each is claimed, retried and recorded like any effect, so a process killed at
any point is finished by the next one: the channel is found again among the bot's own
channels, and a message whose answer was lost is found in the channel's history by its
metadata. One channel, one announcement, one pinned message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.incident import IncidentSnapshot, channel_name
from bot.effects import outbox
from bot.effects.outbox import info_key, topic_key
from bot.effects.errors import CHANNEL_ARCHIVED, Skip, VendorError
from bot.effects.registry import deliverer
from bot.effects.slack_messages import post_once
from bot.core.topic import render_topic
from bot.slack_edge import SlackFailure
from bot.views.declare import LINK_TITLES, announcement, info_message
from bot.views.invites import refused_invites
from bot.views.posting import is_restricted, refused_post
from bot.views.slack_text import inert_incident
from storage import Session, effects, incidents, members, pages
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

CHANNEL, INVITE, TOPIC, INFO, BOOKMARKS, ANNOUNCE, TELL_REPORTER = (
    "declare.channel", "declare.invite", outbox.TOPIC, "declare.info", "declare.bookmarks", "declare.announce",
    "declare.tell_reporter")
# Edits of the pinned info message after a change (commands/channel_sync.py).
INFO_EDIT = outbox.INFO_EDIT
# hot-12 taken? then hot-12-2 ... hot-12-10.
NAME_ATTEMPTS = 10


def plan(s: Session, *, incident_id: int, reporter_id: str, now: datetime,
         then: list[dict[str, Any]] | None = None) -> None:
    """In the declaration's transaction: the channel first; the rest follows once it exists,
    with `then` ({"kind", "payload"} each: e.g. the alert card a declaration came from)."""
    effects.enqueue(s, kind=CHANNEL, incident_id=incident_id, now=now, tell=reporter_id,
                    ordering_key=effects.channel_key(incident_id), dedupe_key=f"{CHANNEL}:{incident_id}",
                    payload={"then": then or []})


def _snapshot(deps: Deps, incident_id: int | None) -> tuple[IncidentSnapshot, int, str | None, dict[str, str]]:
    if incident_id is None:
        raise Skip("no incident")
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        return (incidents.snapshot(incident), incident.number, incident.info_message_ts,
                dict(incident.bookmark_ids or {}))


def _channel_of(snap: IncidentSnapshot) -> str:
    """The incident channel, for work that only keeps it in sync (skipped when there is none)."""
    if not snap.channel_id:
        raise Skip("the incident has no channel")
    if snap.channel_archived:
        raise Skip(CHANNEL_ARCHIVED)
    return snap.channel_id


def _paged(deps: Deps, incident_id: int | None) -> list[tuple[str, bool, list[Any] | None]]:
    """Who was paged and who is on call, for the pinned message (read when it is rendered)."""
    if incident_id is None:
        return []
    with deps.sessions.begin() as s:
        return pages.paged_lines(s, incident_id)


@deliverer(CHANNEL)
def create_channel(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    snap, number, _, _ = _snapshot(deps, effect.incident_id)
    if snap.channel_id:
        return {"channel": snap.channel_id, "name": snap.channel_name}
    prefix = deps.settings.incident_key_prefix
    names = [channel_name(prefix, number, attempt) for attempt in range(1, NAME_ATTEMPTS + 1)]
    # An earlier try may have created it before its process died: the bot's own channel of that name.
    found = deps.slack.find_own_channel(names) if effect.may_have_landed else None
    channel_id, name = found or deps.slack.create_channel(names, private=snap.private)
    return {"channel": channel_id, "name": name, "wanted": names[0]}


@create_channel.recorder
def _channel_created(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    incident_id = effect.incident_id
    assert incident_id is not None
    incidents.record_slack_ids(s, incident_id, channel_id=result["channel"], channel_name=result["name"])
    note = None
    if result.get("wanted") and result["wanted"] != result["name"]:
        note = f"#{result['wanted']} was taken, so the incident lives in #{result['name']}."
    follow_ups: list[tuple[str, str | None, dict[str, Any]]] = [
        (INVITE, effects.channel_key(incident_id), {}),
        (TOPIC, topic_key(incident_id), {}),
        (INFO, info_key(incident_id), {}),
        (BOOKMARKS, outbox.bookmarks_key(incident_id), {}),
        (ANNOUNCE, None, {}),
        (TELL_REPORTER, None, {"note": note}),
        *((extra["kind"], None, extra.get("payload") or {}) for extra in effect.payload.get("then") or []),
    ]
    for kind, ordering_key, payload in follow_ups:
        effects.enqueue(s, kind=kind, incident_id=incident_id, now=now, ordering_key=ordering_key, payload=payload,
                        tell=effect.tell if kind != TELL_REPORTER else None,
                        recipient_id=effect.tell if kind == TELL_REPORTER else None,
                        dedupe_key=f"{kind}:{incident_id}:declared")


@create_channel.explainer
def _no_channel(effect: PendingEffect, error: VendorError) -> str:
    return (f":warning: The incident is recorded, but Slack refused to create its channel ({error.error}). "
            "The bot's log has the details; `/incident declare` again once the cause is fixed.")


@deliverer(INVITE)
def invite(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    snap, _, _, _ = _snapshot(deps, effect.incident_id)
    _channel_of(snap)
    people = [snap.reporter_id]
    if not snap.private:
        # The faulty service's on-call people, from the TOML config.
        for service in deps.team.services:
            if service.name == snap.faulty_service:
                people.extend(service.on_call)
    # Guests, Slack Connect users... may be refused: the others are invited all the same, and
    # the reporter is told once who stayed out and why (the recorder); nothing is retried.
    refused = deps.slack.invite(snap.channel_id, people)
    if refused:
        log.warning("%s: Slack refused to invite %s", snap.key, refused)
    # Membership is read once here and then kept by member_joined/left events, so authority
    # checks and private listings never ask Slack inside an ack.
    try:
        listed: list[str] | None = sorted(deps.slack.members(snap.channel_id))
    except SlackFailure as exc:
        # Not a reason to fail the declaration: the housekeeping tick reads it later.
        log.warning("cannot read the members of %s yet (%s); housekeeping retries", snap.channel_id, exc)
        listed = None
    return {"channel": snap.channel_id, "refused": refused, "members": listed, "key": snap.key}


@invite.recorder
def _invited(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    if result["members"] is not None:
        members.replace(s, channel_id=result["channel"], user_ids=result["members"], now=now)
    if result.get("refused") and effect.tell:
        effects.enqueue(s, kind="slack.dm", incident_id=effect.incident_id, now=now, recipient_id=effect.tell,
                        dedupe_key=f"invite_refused:{effect.id}",
                        payload={"text": refused_invites(result["key"], result["channel"], result["refused"],
                                                         why="you declared the incident")})


@deliverer(TOPIC)
def topic(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    """Sets the channel topic from the incident as it is now (so edits can only catch up)."""
    snap, _, _, _ = _snapshot(deps, effect.incident_id)
    _channel_of(snap)
    text = render_topic(inert_incident(snap))  # typed text escaped for mrkdwn
    deps.slack.set_topic(snap.channel_id, text)
    return {"topic": text}


@deliverer(INFO)
def info_and_pin(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    """Posts the info message (once: a lost answer is found in history) and pins it."""
    snap, _, ts, _ = _snapshot(deps, effect.incident_id)
    _channel_of(snap)
    if not ts:
        text, blocks = info_message(snap, _paged(deps, effect.incident_id))
        ts = post_once(deps, effect, snap.channel_id, text, blocks)["ts"]
    deps.slack.pin(snap.channel_id, ts)
    return {"channel": snap.channel_id, "ts": ts}


@info_and_pin.recorder
def _info_posted(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    incidents.record_slack_ids(s, effect.incident_id, info_message_ts=result["ts"])


@deliverer(INFO_EDIT)
def info_edit(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    """Edits the pinned info message so it shows the current roles, status and links."""
    snap, _, ts, _ = _snapshot(deps, effect.incident_id)
    _channel_of(snap)
    if not ts:
        raise Skip("no info message yet (the declaration's own post shows the current state)")
    text, blocks = info_message(snap, _paged(deps, effect.incident_id))
    deps.slack.update_message(snap.channel_id, ts, text, blocks=blocks)
    return {"channel": snap.channel_id, "ts": ts}


@deliverer(BOOKMARKS)
def bookmarks(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    snap, _, _, ids = _snapshot(deps, effect.incident_id)
    _channel_of(snap)
    for kind, url in snap.links.items():
        ids[kind] = deps.slack.set_bookmark(snap.channel_id, LINK_TITLES[kind], url, ids.get(kind))
    return {"bookmark_ids": ids}


@bookmarks.recorder
def _bookmarked(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    incidents.record_slack_ids(s, effect.incident_id, bookmark_ids=result["bookmark_ids"])


@deliverer(ANNOUNCE)
def announce(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    target = deps.settings.incidents_channel
    if not target:
        raise Skip("no INCIDENTS_CHANNEL set")
    snap, _, _, _ = _snapshot(deps, effect.incident_id)
    text, blocks = announcement(snap)
    channel = deps.slack.resolve_channel(target)
    try:
        return post_once(deps, effect, channel, text, blocks)
    except SlackFailure as exc:
        exc.channel = channel  # type: ignore[attr-defined]  # named in the explanation
        raise


@announce.recorder
def _announced(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    assert effect.incident_id is not None
    incidents.record_slack_ids(s, effect.incident_id, announcement_channel_id=result["channel"],
                               announcement_ts=result["ts"])


@announce.explainer
def _not_announced(effect: PendingEffect, error: VendorError) -> str:
    if is_restricted(error.error):
        return refused_post("The announcement of the incident", error.error, incidents_channel=True,
                            channel=getattr(error, "channel", None))
    if error.error in ("is_archived", "channel_not_found"):
        state = "archived" if error.error == "is_archived" else "not found"
        return (f":warning: The incidents channel is {state}, so nothing was announced: unarchive it (and invite "
                "the bot) or set INCIDENTS_CHANNEL to another channel.")
    return f":warning: The incident was not announced in the incidents channel: Slack said {error.error}."


@deliverer(TELL_REPORTER)
def tell_reporter(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    snap, _, _, _ = _snapshot(deps, effect.incident_id)
    lines = [f"You declared *{snap.key}* (Sev {snap.severity}): it lives in <#{snap.channel_id}>."]
    if effect.payload.get("note"):
        lines.append(effect.payload["note"])
    lines.append("Next: the incident manager takes the role there with `/incident role incident-manager me`.")
    return post_once(deps, effect, snap.reporter_id, "\n".join(lines), dm=True)
