"""Slack work that may wait (catch-up reads, Retry-After), off the pool that acknowledges commands.

Bolt sends a slash command's ack from the same listener pool that runs event handlers, so
a handler sleeping through Slack's rate limits delays acks. Event handlers do their
database work on that pool and hand whatever waits on Slack to this queue instead: a small
bounded pool of its own. A job that Slack answers with 429 (`RateLimited`) is run again
after Retry-After, from a timer that holds no worker; it is never dropped while the
process lives. Reads are also paced to their tier (`pace`), so a burst of catch-up reads
stays under Slack's limit instead of collecting 429s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.slack_edge import RateLimited

log = logging.getLogger(__name__)

WORKERS = 4
# Slack's published tiers, calls per minute (Tier 3: conversations.history and .replies).
TIER_PER_MINUTE = {"conversations.history": 50, "conversations.replies": 50}


class SlackQueue:
    def __init__(self, workers: int = WORKERS, *, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        # time_scale < 1 shortens every wait (tests: 0, nothing is slept through).
        self.time_scale = time_scale
        self._clock = clock
        self._sleep = sleep
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-queue")
        self._cond = threading.Condition()
        self._pending = 0
        self._errors: list[BaseException] = []
        self._next_slot: dict[str, float] = {}
        self._pace_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._cond:
            self._pending += 1
        self._pool.submit(self._run, fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except RateLimited as exc:
            log.info("%s rate-limited; %s runs again in %.0f s", exc.method, getattr(fn, "__name__", fn),
                     exc.retry_after)
            timer = threading.Timer(exc.retry_after * self.time_scale, self._again, args=(fn, args))
            timer.daemon = True
            timer.start()
            return  # still pending: the timer submits it again
        except BaseException as exc:  # noqa: BLE001 - logged here: nobody waits on this thread
            log.exception("background Slack work %s failed", getattr(fn, "__name__", fn))
            with self._cond:
                self._errors.append(exc)
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def _again(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._pool.submit(self._run, fn, args)

    def pace(self, method: str, per_minute: int | None = None) -> None:
        """Waits for `method`'s next slot in its tier (one call every 60/per_minute seconds)."""
        per_minute = per_minute or TIER_PER_MINUTE.get(method)
        if not per_minute:
            return
        with self._pace_lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(method, now))
            self._next_slot[method] = slot + 60.0 / per_minute * self.time_scale
        if slot > now:
            self._sleep(slot - now)

    def drain(self, timeout: float = 20) -> None:
        """Waits until every job (retries included) is done; re-raises the first that failed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self._pending} Slack jobs still pending after {timeout} s")
                self._cond.wait(left)
            if self._errors:
                error = self._errors.pop(0)
                self._errors.clear()
                raise error

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
