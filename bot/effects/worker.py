"""The effect worker: claims pending effects, delivers them, records the outcome.

In `serve`/`run` a thread runs it, woken right after every commit that enqueued an effect
(and when a delivery finishes, so the next effect of the same ordering key goes out), else
at the next attempt time. Deliveries run on a pool: a slow or failing destination holds up
only its own effects. Tests call `drain()` instead: the same steps, in the caller's thread,
at the injected clock's `now`.

Two lanes, each its own small pool: Slack (everything the bot says or changes in Slack) and
vendors (PagerDuty, Statuspage, email). A vendor that is down or slow to answer holds only
vendor threads, so Slack effects never queue behind its timeouts. The pools are small on
purpose: deliveries run in the process that acknowledges Slack's requests, and a burst of
declarations (8 effects each) on many threads took the CPU the acks need (declare-form
submit p99 on PostgreSQL with 8 clients, bench/ack_latency.py on a busy 2-CPU machine: 466 ms
with one pool of 16 threads, 187-236 ms with two Slack threads; channel ready stays < 0.5 s).
Pending effects wait in the database, not in threads, and Slack's own limits (about one
post per second per channel, 20-100 calls a minute per method) are far below what two
threads send.

Outcomes: sent (the result kept), skipped (moot), failed (a permanent error: the reason is
recorded and logged, and `tell` gets one DM), or tried again later: transient errors back off
1, 2, 4 ... s, or Slack's Retry-After, capped at MAX_BACKOFF.
"""

from __future__ import annotations

import logging
from collections import Counter
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING


from bot.core.reminders import is_late
from bot.effects import registry
from bot.effects.errors import Skip, VendorError
from bot.slack_edge import Slack, make_web_client
from bot.views.slack_text import escape
from storage import db, effects
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=30)
# Idle, the worker still looks this often (a stale claim to take over, another process's rows).
POLL = timedelta(seconds=5)
HELD_UP_POLL = 0.5
TELL_KIND = "slack.dm"
# Effect kinds are "<family>.<what>"; these families call vendors, not Slack.
VENDOR_FAMILIES = ("pagerduty", "statuspage", "email")


@dataclass
class Lane:
    name: str
    threads: int
    # Claims the kinds of these families, or with `other_families` every other kind.
    families: tuple[str, ...] = VENDOR_FAMILIES
    other_families: bool = False
    inflight: int = 0
    pool: ThreadPoolExecutor | None = None


def default_lanes() -> list[Lane]:
    return [Lane("slack", threads=2, other_families=True), Lane("vendors", threads=2)]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    wait = timedelta(seconds=retry_after) if retry_after else timedelta(seconds=2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


class EffectWorker:
    def __init__(self, deps: Deps, worker_id: str | None = None, *, lanes: list[Lane] | None = None) -> None:
        self.deps = deps
        self.worker_id = worker_id or default_worker_id()
        settings = deps.settings
        # Its own Slack client without in-call retries: a 429 releases the effect (and the
        # thread) instead of sleeping in it; the row says when to try again.
        self.delivering = replace(deps, slack=Slack(make_web_client(
            settings.slack_bot_token, settings.slack_api_url, retries=False)))
        self.lanes = lanes or default_lanes()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- deterministic, for tests and one-shot use ----------------------------------------
    def drain(self, *, rounds: int = 1000) -> Counter[str]:
        """Delivers everything due at deps.now(), in this thread, until nothing is left
        (effects held up by an ordering key come in later rounds); returns the outcomes
        (sent, skipped, failed, retry) and how often each happened."""
        outcomes: Counter[str] = Counter()
        for _ in range(rounds):
            claimed = self._claim(50)
            if not claimed:
                break
            for effect in claimed:
                outcomes[self.deliver(effect)] += 1
        return outcomes

    # -- one effect ------------------------------------------------------------------------
    def deliver(self, effect: PendingEffect) -> str:
        now = self.deps.now()
        entry = registry.get(effect.kind)
        if entry is None:
            return self._fail(effect, f"no deliverer for kind {effect.kind!r}")
        if entry.reminder:
            with self.deps.sessions.begin() as s:
                if effects.newer_due(s, effect, now=now):
                    effects.skip(s, effect.id, now=now, reason="superseded", worker=self.worker_id)
                    return effects.SKIPPED
        late = is_late(effect.due_at, now, self.deps.settings.scheduler_tick)
        try:
            result = entry(replace(effect, late=late), self.delivering) or {}
        except Skip as exc:
            with self.deps.sessions.begin() as s:
                effects.skip(s, effect.id, now=self.deps.now(), reason=exc.reason, worker=self.worker_id)
            log.info("effect %s (%s) skipped: %s", effect.id, effect.kind, exc.reason)
            return effects.SKIPPED
        except VendorError as exc:
            if exc.permanent:
                explained = entry.explain(effect, exc) if entry.explain is not None else None
                return self._fail(effect, f"{exc.vendor}: {exc.error}", vendor=exc.vendor, explained=explained)
            return self._retry(effect, exc.error, exc.retry_after)
        except Exception as exc:  # noqa: BLE001 - an unknown failure is retried, never lost
            log.exception("effect %s (%s) failed; trying again", effect.id, effect.kind)
            return self._retry(effect, type(exc).__name__, None)
        done_at = self.deps.now()
        with self.deps.sessions.begin() as s:
            if effects.complete(s, effect.id, now=done_at, late=late, result=result,
                                worker=self.worker_id) and entry.record is not None:
                entry.record(s, effect, result, done_at)
        return effects.SENT

    def _retry(self, effect: PendingEffect, error: str, retry_after: float | None) -> str:
        at = self.deps.now() + backoff(effect.attempts, retry_after)
        log.warning("effect %s (%s of incident %s): %s; try %s at %s", effect.id, effect.kind, effect.incident_id,
                    error, effect.attempts + 1, at.isoformat())
        with self.deps.sessions.begin() as s:
            effects.retry(s, effect.id, at=at, error=error, worker=self.worker_id)
        return "retry"

    def _fail(self, effect: PendingEffect, error: str, *, vendor: str = "the bot", explained: str | None = None) -> str:
        now = self.deps.now()
        log.error("effect %s (%s of incident %s) stopped: %s", effect.id, effect.kind, effect.incident_id, error)
        with self.deps.sessions.begin() as s:
            # A DM that cannot be delivered is told to whoever caused it, never to its own recipient.
            if effects.fail(s, effect.id, now=now, error=error, worker=self.worker_id) and effect.tell \
                    and effect.tell != effect.recipient_id:
                what = effect.payload.get("what") or effect.kind
                # The vendor's own words may echo what someone typed: text, not markup.
                text = explained or f":warning: {what} did not reach {vendor}: {escape(error)}."
                effects.enqueue(s, kind=TELL_KIND, incident_id=effect.incident_id, now=now,
                                recipient_id=effect.tell, payload={"text": text})
        return effects.FAILED

    def _claim(self, limit: int) -> list[PendingEffect]:
        with self.deps.sessions.begin() as s:
            return effects.claim(s, now=self.deps.now(), worker=self.worker_id, limit=limit,
                                 stale_after=self.deps.settings.effect_stale_claim)

    # -- the thread -----------------------------------------------------------------------
    def start(self) -> EffectWorker:
        db.watch_commits(self.deps.sessions, self._after_commit)
        for lane in self.lanes:
            lane.pool = ThreadPoolExecutor(max_workers=lane.threads, thread_name_prefix=f"effect-{lane.name}")
        self._thread = threading.Thread(target=self._loop, name="effect-worker", daemon=True)
        self._thread.start()
        log.info("effect worker %s started", self.worker_id)
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for lane in self.lanes:
            if lane.pool is not None:
                lane.pool.shutdown(wait=True, cancel_futures=False)
        db.unwatch_commits(self.deps.sessions, self._after_commit)

    def _after_commit(self, session: object) -> None:
        if getattr(session, "info", {}).pop(effects.ENQUEUED, False):
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                taken, upcoming = self._round()
                for lane, claimed in taken:
                    for effect in claimed:
                        with self._lock:
                            lane.inflight += 1
                        assert lane.pool is not None
                        lane.pool.submit(self._run, effect, lane)
                if any(claimed for _, claimed in taken):
                    continue
                wait = self._until(upcoming)
            except Exception:  # noqa: BLE001 - the database may be down for a moment; keep going
                log.exception("effect worker round failed")
                wait = POLL.total_seconds()
            self._wake.wait(wait)

    def _run(self, effect: PendingEffect, lane: Lane) -> None:
        try:
            self.deliver(effect)
        except Exception:  # noqa: BLE001 - recording failed: the claim goes stale and is taken over
            log.exception("effect %s (%s): recording its outcome failed", effect.id, effect.kind)
        finally:
            with self._lock:
                lane.inflight -= 1
            self._wake.set()

    def _round(self) -> tuple[list[tuple[Lane, list[PendingEffect]]], datetime | None]:
        """One transaction per round (a connection, a BEGIN and a COMMIT each cost a round trip
        on PostgreSQL): each lane's claim, and when nothing was claimed, the next attempt time.
        The claims are committed before any delivery starts."""
        now = self.deps.now()
        stale_after = self.deps.settings.effect_stale_claim
        with self.deps.sessions.begin() as s:
            taken = []
            for lane in self.lanes:
                with self._lock:
                    free = lane.threads - lane.inflight
                taken.append((lane, effects.claim(s, now=now, worker=self.worker_id, limit=free, families=lane.families,
                                                  other_families=lane.other_families, stale_after=stale_after)
                              if free > 0 else []))
            upcoming = None if any(claimed for _, claimed in taken) else effects.next_attempt_at(s)
        return taken, upcoming

    def _until(self, upcoming: datetime | None) -> float:
        if upcoming is None:
            return POLL.total_seconds()
        seconds = (upcoming - self.deps.now()).total_seconds()
        if seconds <= 0:
            # Due but not claimable: held up behind an effect in flight (its end wakes us) or
            # claimed by another process (look again soon).
            with self._lock:
                busy = any(lane.inflight for lane in self.lanes)
            return POLL.total_seconds() if busy else HELD_UP_POLL
        return min(seconds, POLL.total_seconds())
