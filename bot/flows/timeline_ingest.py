"""The timeline from Slack events: emoji reactions, prefixed messages, edits and deletions
(the listeners are in commands/timeline_events.py; the catch-up after downtime reuses this).

Exactly once: every entry from a message has a unique key (message, kind) and is inserted
with ON CONFLICT DO NOTHING; an event's id is stored with its effect, so a redelivery
after the effect costs one query and no Slack call.

No read per reaction: messages of incident channels are remembered as they arrive
(bot/flows/channel_messages.py), so a reaction on one is recorded from the database in one
transaction, with the one Slack call it costs, the acknowledgement reaction, as an effect
(delivered right after the commit). A reaction on a message the bot never saw (posted before
it was in the channel, or forgotten after the retention) queues a read as an effect
(`timeline.read`) in the transaction that found the message unknown: durable, so a 429 or a
restart delays the entry but never loses it.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import timeline as core
from bot.deps import Deps
from bot.effects import outbox
from bot.slack_edge import RateLimited, SlackFailure
from bot.views import timeline as views
from bot.flows import channel_messages as remembered
from storage import Session, effects, events, messages, timeline

log = logging.getLogger(__name__)

# What Slack answers when the bot may not read a message; anything else is a real failure.
UNREADABLE = ("message_not_found", "thread_not_found", "channel_not_found", "missing_scope", "not_in_channel")
# Entries whose text is the message minus its observation:/change:/decision: prefix.
PREFIXED_SOURCES = ("message",)
# The effect that reads an unknown reacted message and records its entry (bot/effects/timeline_reads.py).
READ = "timeline.read"


def reaction_added(deps: Deps, event: dict[str, Any], *, event_id: str, bot_user: str | None,
                   redelivered: bool = True) -> None:
    item = event.get("item") or {}
    kinds = core.emoji_kinds(deps.team.timeline_emoji)
    kind = core.kind_for_reaction(event.get("reaction", ""), kinds)
    if item.get("type") != "message" or kind is None or event.get("user") == bot_user:
        return
    reaction = Reaction(item["channel"], item["ts"], kind, event.get("user"), event.get("reaction", ""),
                        f"event:{event_id}", redelivered=redelivered)
    record_reaction(deps, reaction)  # an unknown message: its read is queued as an effect


class Reaction:
    """A timeline emoji someone put on a message, as an event or a catch-up read found it."""

    def __init__(self, channel: str, ts: str, kind: str, reactor: str | None, emoji: str, event_key: str | None,
                 *, redelivered: bool = True):
        self.channel, self.ts, self.kind, self.reactor, self.emoji, self.event_key = (
            channel, ts, kind, reactor, emoji, event_key)
        # Only a redelivery (Slack's X-Slack-Retry-Num, Socket Mode's retry_attempt) can find
        # its event processed already; a first delivery skips that query.
        self.redelivered = redelivered

    @property
    def key(self) -> str:
        return core.message_key(self.channel, self.ts, self.kind)

    def payload(self) -> dict[str, Any]:
        return {"channel": self.channel, "ts": self.ts, "kind": self.kind, "reactor": self.reactor,
                "emoji": self.emoji, "event_key": self.event_key}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reaction:
        return cls(payload["channel"], payload["ts"], payload["kind"], payload.get("reactor"), payload["emoji"],
                   payload.get("event_key"), redelivered=False)


def record_reaction(deps: Deps, reaction: Reaction, message: dict[str, Any] | None = None) -> bool | None:
    """Records the entry from the remembered message (or `message`, just read) in one
    transaction. None when the message is unknown: its read is queued (a `timeline.read`
    effect, in the same transaction); otherwise done (True: a new entry, its acknowledgement
    an effect of the same transaction)."""
    with deps.sessions.begin() as s:
        found = messages.in_incident_channel(s, reaction.channel, reaction.ts)
        if found is None:
            return False
        incident_id, stored = found
        if reaction.redelivered and reaction.event_key and events.is_processed(s, reaction.event_key):
            return False  # a redelivery after the effect
        if message is not None:
            remembered.remember(s, reaction.channel, message)
            stored = messages.get(s, reaction.channel, reaction.ts)
        if stored is None:
            # Unknown message: read it, unless another person's same emoji made the entry. One
            # effect per event (a redelivery adds none); the reads of one message go one at a
            # time, so whoever reacts next finds it remembered and costs no second call.
            if timeline.get_by_key(s, reaction.key) is not None:
                return False
            effects.enqueue(s, kind=READ, incident_id=incident_id, payload=reaction.payload(), now=deps.now(),
                            dedupe_key=f"{READ}:{reaction.event_key or reaction.key}",
                            ordering_key=f"{READ}:{reaction.channel}:{reaction.ts}")
            return None
        if stored.deleted_at is not None:
            return False
        # Another person's same emoji: the entry exists and record_once inserts nothing.
        inserted = timeline.record_once(
            s, dedupe_key=reaction.key, incident_id=incident_id, kind=reaction.kind,
            text=remembered.text_with_files(stored.text, stored.files), occurred_at=core.ts_to_datetime(reaction.ts),
            recorded_at=deps.now(), source="reaction", actor_id=stored.user_id, message_ts=reaction.ts,
            thread_ts=stored.thread_ts, permalink=deps.slack.permalink(reaction.channel, reaction.ts,
                                                                           stored.thread_ts),
            data={"reacted_by": reaction.reactor, "emoji": core.base_emoji(reaction.emoji)},
        )
        if inserted:
            acknowledge(s, deps, incident_id, reaction.channel, reaction.ts)
        if reaction.event_key:
            events.seen(s, reaction.event_key, deps.now())
    return inserted


def read_and_record(deps: Deps, reaction: Reaction) -> None:
    """The `timeline.read` effect: reads a message the bot never saw (one call) and records
    the entry. A 429 raises RateLimited: the worker tries again after Retry-After, holding no
    thread meanwhile."""
    with deps.sessions() as s:
        known = messages.get(s, reaction.channel, reaction.ts) is not None
    if known:  # its message event (or another reaction's read) arrived meanwhile
        record_reaction(deps, reaction)
        return
    try:
        message = remembered.read(deps, reaction.channel, reaction.ts, pace=False)
    except RateLimited:
        raise
    except SlackFailure as exc:
        if exc.error not in UNREADABLE:
            raise
        log.warning("timeline: cannot read message %s in %s reacted :%s: by %s: %s", reaction.ts,
                    reaction.channel, reaction.emoji, reaction.reactor, exc)
        if reaction.reactor:
            deps.slack.ephemeral(reaction.channel, reaction.reactor,
                                     views.unreadable_notice(exc.error, reaction.emoji))
        if reaction.event_key:
            with deps.sessions.begin() as s:
                events.seen(s, reaction.event_key, deps.now())
        return
    record_reaction(deps, reaction, message)


def reaction_removed(deps: Deps, event: dict[str, Any], *, bot_user: str | None) -> None:
    """Removing the last reaction of a kind removes that entry (never a prefix's or a note's)."""
    item = event.get("item") or {}
    kinds = core.emoji_kinds(deps.team.timeline_emoji)
    kind = core.kind_for_reaction(event.get("reaction", ""), kinds)
    if item.get("type") != "message" or kind is None or event.get("user") == bot_user:
        return
    channel, ts = item["channel"], item["ts"]
    key = core.message_key(channel, ts, kind)
    with deps.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        entry = timeline.get_by_key(s, key) if incident_id is not None else None
        if entry is None or entry.source != "reaction":
            return
    deps.slack_queue.submit(_withdraw_if_nobody_reacts, deps, incident_id, channel, ts, kind, bot_user)


def _withdraw_if_nobody_reacts(deps: Deps, incident_id: int, channel: str, ts: str, kind: str,
                               bot_user: str | None) -> None:
    kinds = core.emoji_kinds(deps.team.timeline_emoji)
    try:
        reactions = deps.slack.read("reactions.get", channel=channel, timestamp=ts, full=True)["message"]
        remaining = core.people_reacting_as(reactions.get("reactions") or (), kind, kinds, exclude=bot_user)
    except RateLimited:
        raise
    except SlackFailure as exc:
        if exc.error != "message_not_found":
            raise
        remaining = set()  # the message is gone: nobody reacts to it any more
    if remaining:
        return
    with deps.sessions.begin() as s:
        timeline.remove_by_key(s, core.message_key(channel, ts, kind), source="reaction")
        if not timeline.for_message(s, incident_id, ts):
            acknowledge(s, deps, incident_id, channel, ts, withdraw=True)


def message_posted(deps: Deps, event: dict[str, Any]) -> None:
    """Every message of an incident channel is remembered; `observation: ...`, `change: ...`,
    `decision: ...` written by a person also go on the timeline, in the same transaction."""
    channel = event.get("channel", "")
    prefixed = core.split_prefix(event.get("text") or "") if remembered.is_person(event) else None
    with deps.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        if incident_id is None:
            return  # not an incident channel: one query, nothing kept
        remembered.remember(s, channel, event)
        if bool(prefixed and prefixed[1]) and _record_prefixed(s, deps, incident_id, channel, event,
                                                               *prefixed):  # type: ignore[misc]
            acknowledge(s, deps, incident_id, channel, event["ts"])


def _record_prefixed(s: Any, deps: Deps, incident_id: int, channel: str, message: dict[str, Any],
                     kind: str, text: str) -> bool:
    ts = message["ts"]
    thread = remembered.thread_of(message)
    # A file shared with the message (file_share) is named on the entry by its title.
    text = remembered.text_with_files(text, remembered.file_titles(message))
    return timeline.record_once(
        s, dedupe_key=core.message_key(channel, ts, kind), incident_id=incident_id, kind=kind, text=text,
        occurred_at=core.ts_to_datetime(ts), recorded_at=deps.now(), source="message",
        actor_id=message.get("user"), message_ts=ts, thread_ts=thread,
        permalink=deps.slack.permalink(channel, ts, thread),
    )


def record_prefixed(deps: Deps, incident_id: int, channel: str, message: dict[str, Any], kind: str,
                    text: str) -> None:
    with deps.sessions.begin() as s:
        if _record_prefixed(s, deps, incident_id, channel, message, kind, text):
            acknowledge(s, deps, incident_id, channel, message["ts"])


def message_changed(deps: Deps, event: dict[str, Any]) -> None:
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    channel, ts = event.get("channel", ""), message.get("ts", "")
    if message.get("subtype") == "tombstone":  # a thread parent deleted while it has replies
        message_deleted(deps, {"channel": channel, "deleted_ts": ts})
        return
    text = message.get("text") or ""
    if text == (previous.get("text") or "") or message.get("bot_id"):
        return  # a reply count, an unfurl or the bot's own edit: not an edit of the words
    edited = (message.get("edited") or {}).get("ts")
    edited_at = core.ts_to_datetime(edited) if edited else deps.now()
    prefixed = core.split_prefix(text)
    with deps.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        if incident_id is None:
            return
        if ts:
            remembered.remember(s, channel, message)
        existing = timeline.for_message(s, incident_id, ts)
        files = remembered.file_titles(message)
        timeline.mark_edited(s, incident_id, ts, text=remembered.text_with_files(text, files), edited_at=edited_at,
                             sources=("reaction",))
        if prefixed and prefixed[1]:
            timeline.mark_edited(s, incident_id, ts, text=remembered.text_with_files(prefixed[1], files),
                                 edited_at=edited_at, sources=PREFIXED_SOURCES)
    if prefixed and prefixed[1] and not any(e.source in PREFIXED_SOURCES for e in existing):
        # Edited to start with observation:/change:/decision: counts as writing it so.
        record_prefixed(deps, incident_id, channel, message, *prefixed)


def message_deleted(deps: Deps, event: dict[str, Any]) -> None:
    channel, ts = event.get("channel", ""), event.get("deleted_ts", "")
    with deps.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        if incident_id is not None:
            messages.mark_deleted(s, channel, ts, deleted_at=deps.now())
            timeline.mark_deleted(s, incident_id, ts, deleted_at=deps.now())


# -- the bot's own reaction -----------------------------------------------------------------
def acknowledge(s: Session, deps: Deps, incident_id: int, channel: str, ts: str, *, withdraw: bool = False) -> None:
    """In the entry's transaction: the bot's own reaction tells people the message is on the
    timeline (`withdraw`: its last entry is gone, so is the reaction). An effect: delivered
    right after the commit, once, in order per message."""
    emoji = deps.settings.timeline_ack_reaction.strip(":")
    if emoji:
        outbox.react(s, incident_id, channel, ts, emoji, now=deps.now(), withdraw=withdraw)
