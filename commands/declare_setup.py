"""The Slack side of a declaration, step by step, each step recorded when done.

The incident row exists before any step runs. Each step is recorded in `setup_steps`
as soon as Slack has done it, so a process killed part-way finishes the remaining steps
when it starts again (`resume`), with no second channel and no second announcement.
After the channel exists, the independent steps run concurrently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from bot.core.incident import IncidentSnapshot, channel_name
from bot.core.topic import render_topic
from bot.services import Services
from bot.slack_edge import SlackFailure
from bot.views.slack_text import inert_incident
from bot.views.declare import LINK_TITLES, announcement, info_message
from storage import incidents, members

log = logging.getLogger(__name__)

CHANNEL, INVITE, TOPIC, INFO, PIN, BOOKMARKS, ANNOUNCE, TELL_REPORTER = (
    "channel", "invite", "topic", "info", "pin", "bookmarks", "announce", "tell_reporter")
STEPS = (CHANNEL, INVITE, TOPIC, INFO, PIN, BOOKMARKS, ANNOUNCE, TELL_REPORTER)
# hot-12 taken? then hot-12-2 ... hot-12-10.
NAME_ATTEMPTS = 10


@dataclass(frozen=True)
class Setup:
    """What the steps need, read once: each step then costs its Slack call and one write."""

    incident_id: int
    number: int
    snap: IncidentSnapshot
    info_message_ts: str | None
    bookmark_ids: dict[str, str]


def run(services: Services, incident_id: int, *, resuming: bool = False) -> list[str]:
    """Does every step not yet done; returns the steps that failed (already reported)."""
    done, setup = _load(services, incident_id)
    failed: list[str] = []
    notes: list[str] = []
    # What the reporter should do about a step Slack refused for a known reason.
    remedies: list[str] = []
    if CHANNEL not in done:
        try:
            setup, note = _create_channel(services, setup, resuming=resuming)
            if note:
                notes.append(note)
        except SlackFailure as exc:
            log.error("declaration of incident %s: no channel: %s", incident_id, exc)
            _tell_reporter_failure(services, setup, exc)
            return [CHANNEL]
    steps: list[tuple[str, Callable[[Services, Setup], None]]] = [
        (INVITE, _invite), (TOPIC, _topic), (INFO, lambda sv, st: _info_and_pin(sv, st, done)),
        (BOOKMARKS, _bookmarks), (ANNOUNCE, _announce),
    ]
    todo = [(name, fn) for name, fn in steps if name not in done or (name == INFO and PIN not in done)]
    with ThreadPoolExecutor(max_workers=max(1, len(todo)), thread_name_prefix="declare") as pool:
        futures = {name: pool.submit(fn, services, setup) for name, fn in todo}
    for name, future in futures.items():
        exc = future.exception()
        if exc is not None:
            log.error("declaration of incident %s: step %s failed: %s", incident_id, name, exc)
            failed.append(name)
            remedy = _remedy(services, name, exc)
            if remedy:
                remedies.append(remedy)
    if TELL_REPORTER not in done:
        _tell_reporter(services, setup, notes + remedies, failed)
    return failed


def resume(services: Services) -> list[int]:
    """At start-up: finish declarations a dead process left part-way."""
    with services.sessions.begin() as s:
        unfinished = incidents.with_unfinished_setup(s, STEPS)
    for incident_id in unfinished:
        log.info("resuming the declaration of incident %s", incident_id)
        run(services, incident_id, resuming=True)
    return unfinished


def _load(services: Services, incident_id: int) -> tuple[set[str], Setup]:
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        return incidents.done_steps(s, incident_id), Setup(
            incident_id=incident.id, number=incident.number, snap=incidents.snapshot(incident),
            info_message_ts=incident.info_message_ts, bookmark_ids=dict(incident.bookmark_ids or {}))


def _mark(services: Services, incident_id: int, step: str, **columns: object) -> None:
    with services.sessions.begin() as s:
        incidents.record_step(s, incident_id, step, services.now(), **columns)


def _create_channel(services: Services, setup: Setup, *, resuming: bool) -> tuple[Setup, str | None]:
    prefix = services.settings.incident_key_prefix
    names = [channel_name(prefix, setup.number, attempt) for attempt in range(1, NAME_ATTEMPTS + 1)]
    found = services.slack.find_own_channel(names) if resuming else None
    channel_id, name = found or services.slack.create_channel(names, private=setup.snap.private)
    _mark(services, setup.incident_id, CHANNEL, channel_id=channel_id, channel_name=name)
    setup = replace(setup, snap=replace(setup.snap, channel_id=channel_id, channel_name=name))
    if name != names[0]:
        return setup, f"#{names[0]} was taken, so {setup.snap.key} lives in #{name}."
    return setup, None


def _invite(services: Services, setup: Setup) -> None:
    snap = setup.snap
    people = [snap.reporter_id]
    if not snap.private:
        # The faulty service's on-call people, from the TOML config.
        for service in services.team.services:
            if service.name == snap.faulty_service:
                people.extend(service.on_call)
    unknown = services.slack.invite(snap.channel_id or "", people)  # the seed below records who joined
    if unknown:
        log.warning("%s: could not invite %s", snap.key, ", ".join(unknown))
    # Membership is read once here and then kept by member_joined/left events, so authority
    # checks and private listings never ask Slack inside an ack.
    seed_members(services, snap.channel_id or "")
    _mark(services, setup.incident_id, INVITE)


def seed_members(services: Services, channel_id: str) -> None:
    try:
        listed = services.slack.members(channel_id)
    except SlackFailure as exc:
        # Not a reason to fail the declaration: the housekeeping tick reads it later.
        log.warning("cannot read the members of %s yet (%s); housekeeping retries", channel_id, exc)
        return
    with services.sessions.begin() as s:
        members.replace(s, channel_id=channel_id, user_ids=listed, now=services.now())


def _topic(services: Services, setup: Setup) -> None:
    services.slack.set_topic(setup.snap.channel_id or "", render_topic(inert_incident(setup.snap)))
    _mark(services, setup.incident_id, TOPIC)


def _info_and_pin(services: Services, setup: Setup, done: set[str]) -> None:
    snap, ts = setup.snap, setup.info_message_ts
    if INFO not in done or not ts:
        text, blocks = info_message(snap)
        ts = services.slack.post(snap.channel_id or "", text, blocks=blocks)["ts"]
        _mark(services, setup.incident_id, INFO, info_message_ts=ts)
    services.slack.pin(snap.channel_id or "", ts)
    _mark(services, setup.incident_id, PIN)


def _bookmarks(services: Services, setup: Setup) -> None:
    ids = dict(setup.bookmark_ids)
    for kind, url in setup.snap.links.items():
        ids[kind] = services.slack.set_bookmark(setup.snap.channel_id or "", LINK_TITLES[kind], url, ids.get(kind))
    _mark(services, setup.incident_id, BOOKMARKS, bookmark_ids=ids)


def _announce(services: Services, setup: Setup) -> None:
    target = services.settings.incidents_channel
    if not target:
        _mark(services, setup.incident_id, ANNOUNCE)
        return
    channel = services.slack.resolve_channel(target)
    text, blocks = announcement(setup.snap)
    posted = services.slack.post(channel, text, blocks=blocks)
    _mark(services, setup.incident_id, ANNOUNCE, announcement_channel_id=posted["channel"],
          announcement_ts=posted["ts"])


def _tell_reporter(services: Services, setup: Setup, notes: list[str], failed: list[str]) -> None:
    snap = setup.snap
    lines = [f"You declared *{snap.key}* (Sev {snap.severity}): it lives in <#{snap.channel_id}>.", *notes]
    lines.append("Next: the incident manager takes the role there with `/incident role incident-manager me`.")
    if failed:
        lines.append(f":warning: Some set-up steps failed ({', '.join(failed)}); the bot retries them when it "
                     "restarts, and the log has Slack's answer.")
    text = "\n".join(lines)
    try:
        services.slack.dm(snap.reporter_id, text)
    except SlackFailure as exc:
        log.error("%s: could not tell the reporter: %s", snap.key, exc)
        return
    _mark(services, setup.incident_id, TELL_REPORTER)


def _remedy(services: Services, step: str, exc: BaseException) -> str | None:
    """A known Slack refusal, said so that the reporter can act on it."""
    if not isinstance(exc, SlackFailure):
        return None
    if step == ANNOUNCE and exc.error in ("is_archived", "channel_not_found"):
        return (f"The incidents channel {services.settings.incidents_channel} is "
                f"{'archived' if exc.error == 'is_archived' else 'not found'}, so nothing was announced: unarchive "
                "it (and invite the bot) or set INCIDENTS_CHANNEL to another channel.")
    if exc.error == "missing_scope":
        return str(exc)
    return None


def _tell_reporter_failure(services: Services, setup: Setup, exc: SlackFailure) -> None:
    snap = setup.snap
    try:
        services.slack.dm(snap.reporter_id, f":warning: {snap.key} is recorded, but Slack refused to create its "
                          f"channel ({exc.error}). The bot tries again when it restarts; the log has the details.")
    except SlackFailure:
        log.exception("%s: could not tell the reporter that the channel failed", snap.key)
