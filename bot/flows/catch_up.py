"""Catching up after downtime: what happened in incident channels while the bot heard nothing.

At start, and after a Socket Mode reconnect, each open incident channel is read once with
conversations.history since the newest message heard before the gap (`oldest`, paged),
and the threads that were active (conversations.replies). Messages are remembered;
prefixed messages and timeline reactions found on them are recorded, each once: entries
have unique keys, so several restarts record nothing twice and acknowledge nothing twice.
Reads are paced to their tier and a 429 is waited out (Retry-After), on this thread only.

Not seen by a catch-up: a reaction added during the gap to a message older than the gap,
and deletions during the gap (Slack's history does not show them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.core import timeline as core
from bot.deps import Deps
from bot.slack_edge import RateLimited, SlackFailure
from bot.flows import channel_messages as remembered
from bot.flows import timeline_ingest as timeline_events
from storage import incidents, messages, timeline

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # what Slack recommends for conversations.history and .replies
# Threads with a reply in this window before the gap are read too: their parents are older
# than the gap, so history does not show their new replies. Bounded per channel.
THREAD_LOOKBACK = timedelta(days=1)
MAX_THREADS = 10
# Slack errors that mean the channel cannot be read now (archived, the bot removed): skipped.
UNREADABLE_CHANNEL = ("channel_not_found", "not_in_channel", "missing_scope", "is_archived")


def catch_up(deps: Deps, *, heard_until: datetime | None = None) -> int:
    """Reads every open incident channel once; returns how many timeline entries it added.
    `heard_until`: when the bot stopped hearing events (default: now, the start)."""
    heard_until = heard_until or datetime.now(timezone.utc)  # Slack's ts are wall-clock time
    with deps.sessions() as s:
        channels = incidents.open_channels(s)
    added = 0
    for incident_id, channel, declared_at in channels:
        try:
            added += catch_up_channel(deps, incident_id, channel, declared_at, heard_until)
        except SlackFailure as exc:
            log.warning("catch-up of %s skipped: %s", channel, exc)
    if channels:
        log.info("caught up on %s open incident channels: %s new timeline entries", len(channels), added)
    return added


def catch_up_channel(deps: Deps, incident_id: int, channel: str, declared_at: datetime,
                     heard_until: datetime) -> int:
    with deps.sessions() as s:
        last = messages.last_seen_ts(s, channel, before=heard_until)
        threads = messages.active_threads(s, channel, since=heard_until - THREAD_LOOKBACK, limit=MAX_THREADS)
    oldest = last or f"{declared_at.timestamp():.6f}"
    bot_user = deps.slack.bot_user_id()
    added = 0
    for message in _pages(deps, "conversations.history", channel=channel, oldest=oldest):
        added += ingest(deps, incident_id, channel, message, bot_user)
        if message.get("reply_count") and float(message.get("latest_reply") or 0) > float(oldest):
            threads.append(message["ts"])
    for thread in dict.fromkeys(threads):
        try:
            for message in _pages(deps, "conversations.replies", channel=channel, ts=thread, oldest=oldest):
                if message.get("ts") != thread:  # the parent comes first: known or read above
                    added += ingest(deps, incident_id, channel, message, bot_user)
        except SlackFailure as exc:
            if exc.error not in ("thread_not_found", "message_not_found"):
                raise
    return added


def _pages(deps: Deps, method: str, **args: Any) -> Iterator[dict[str, Any]]:
    """Every message of a paged read, paced to the method's tier; a 429 is waited out."""
    cursor = None
    while True:
        deps.slack_queue.pace(method)
        try:
            page = deps.slack.read(method, **args, limit=PAGE_SIZE, cursor=cursor)
        except RateLimited as exc:
            log.info("catch-up: %s rate-limited, waiting %.0f s", method, exc.retry_after)
            time.sleep(exc.retry_after * deps.slack_queue.time_scale)
            continue
        yield from page.get("messages", [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def ingest(deps: Deps, incident_id: int, channel: str, message: dict[str, Any], bot_user: str) -> int:
    """One message found by a catch-up: remembered, its prefix and its timeline reactions recorded."""
    if message.get("subtype") not in remembered.STORED_SUBTYPES or not message.get("ts"):
        return 0
    ts, text = message["ts"], message.get("text") or ""
    prefixed = core.split_prefix(text) if remembered.is_person(message) else None
    with deps.sessions.begin() as s:
        before = messages.get(s, channel, ts)
        remembered.remember(s, channel, message)
        if before is not None and before.text != text and message.get("edited"):
            # Edited during the gap: its entries show the words as they are now.
            edited_at = core.ts_to_datetime(message["edited"]["ts"])
            timeline.mark_edited(s, incident_id, ts, text=remembered.message_text(message), edited_at=edited_at,
                                 sources=("reaction",))
            if prefixed and prefixed[1]:
                timeline.mark_edited(s, incident_id, ts, text=prefixed[1], edited_at=edited_at,
                                     sources=timeline_events.PREFIXED_SOURCES)
        added = int(bool(prefixed and prefixed[1]) and timeline_events._record_prefixed(
            s, deps, incident_id, channel, message, *prefixed))  # type: ignore[misc]
        if added:
            timeline_events.acknowledge(s, deps, incident_id, channel, ts)
    kinds = core.emoji_kinds(deps.team.timeline_emoji)
    for reaction in message.get("reactions") or ():
        kind = core.kind_for_reaction(reaction.get("name", ""), kinds)
        people = [u for u in reaction.get("users") or () if u != bot_user]
        if kind and people:
            found = timeline_events.Reaction(channel, ts, kind, people[0], reaction["name"], None)
            added += int(bool(timeline_events.record_reaction(deps, found)))
    return added


class Reconnects:
    """Runs a catch-up after each Socket Mode reconnection (every `hello` but the first),
    from the last moment something was heard on the connection that dropped."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.hellos = 0
        self.last_heard = datetime.now(timezone.utc)

    def on_message(self, raw: str) -> None:
        if '"hello"' in raw and '"type":' in raw and _is_hello(raw):
            self.hellos += 1
            if self.hellos > 1:
                start_catch_up(self.deps, heard_until=self.last_heard)
            return
        self.last_heard = datetime.now(timezone.utc)


def _is_hello(raw: str) -> bool:
    import json

    try:
        return json.loads(raw).get("type") == "hello"
    except ValueError:
        return False


def start_catch_up(deps: Deps, *, heard_until: datetime | None = None) -> threading.Thread:
    """The catch-up on a thread of its own: it waits on Slack's tiers, never on a listener."""
    heard_until = heard_until or datetime.now(timezone.utc)
    thread = threading.Thread(target=_run_logged, args=(deps, heard_until), name="catch-up", daemon=True)
    thread.start()
    return thread


def _run_logged(deps: Deps, heard_until: datetime) -> None:
    try:
        catch_up(deps, heard_until=heard_until)
    except Exception:  # noqa: BLE001 - a failed catch-up must not kill the process; the next start retries
        log.exception("catch-up failed")
