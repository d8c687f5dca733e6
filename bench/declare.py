"""Declare: how many Slack calls one declaration makes, how many of them are on the critical
path, and how long until the channel is ready (every set-up step recorded as done), with the
fake Slack answering each call after 50 ms.

The real Bolt app runs in-process (signed requests, Bolt's listener executor) against the
fake over HTTP, with SQLite in a temp dir, and the effect worker thread delivers the set-up
effects as in `serve`. The clock starts when the declare modal is submitted. Critical path =
the calls that must run one after another: the channel, then the longest run of one worker
thread's calls; with 50 ms per call it bounds the ready time from below.
Targets: at most 8 calls on the critical path, ready within 1 s.

    python bench/declare.py [--n 20] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import declare_values, machine, percentile, table, workspace  # noqa: E402
from bot.deps import utcnow  # noqa: E402

TARGET_CALLS, TARGET_READY_S = 8, 1.0


class CallLog:
    """Wraps the WebClient's api_call: (method, thread, start, end) of every Slack call."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.calls: list[tuple[str, str, float, float]] = []
        self._lock = threading.Lock()
        original = client.api_call

        def api_call(method, *args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return original(method, *args, **kwargs)
            finally:
                with self._lock:
                    self.calls.append((method, threading.current_thread().name, start, time.perf_counter()))

        client.api_call = api_call

    def take(self) -> list[tuple[str, str, float, float]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def critical_path(calls: list[tuple[str, str, float, float]]) -> list[str]:
    """The calls one after another: creating the channel (every other step waits for it),
    then the longest run of calls one worker thread made afterwards (the follow-up effects
    run in parallel on the worker's pool, each thread's calls one after another)."""
    if not calls:
        return []
    ordered = sorted(calls, key=lambda c: c[2])
    first = ordered[0]
    after: dict[str, list[tuple[str, str, float, float]]] = {}
    for call in ordered[1:]:
        after.setdefault(call[1], []).append(call)
    longest = max(after.values(), key=len, default=[])
    return [first[0]] + [c[0] for c in longest]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()

    from sqlalchemy import select

    from bot.effects.worker import EffectWorker
    from storage import effects
    from storage.models import Effect
    from tests.support import Bot, make_deps

    fake = workspace(latency=args.latency)
    tmp = tempfile.mkdtemp(prefix="bench-declare-")
    # The real clock: the worker thread delivers what is due now.
    deps = make_deps(fake, f"sqlite:///{tmp}/incident-bot.db", utcnow)
    bot = Bot.build(deps, fake)
    bot.auto_deliver = False
    # As in `serve`: the worker thread, woken by the commit that enqueued.
    worker = EffectWorker(deps, "bench").start()
    log = CallLog(worker.delivering.slack.client)
    general = fake.general_channel_id
    results = []
    try:
        for i in range(args.n + 1):  # the first one warms up (imports, users cache, SQLite)
            bot.command("declare Checkout fails", user="UREPORTER", channel=general)
            view = bot.last_view("incident_declare")
            log.take()
            started = time.perf_counter()
            response = bot.caller.submit_view(view, declare_values(f"Checkout fails {i}", impact="EU cannot pay"),
                                              user_id="UREPORTER")
            acked = time.perf_counter()
            bot.executor.drain()
            while True:  # ready: every effect of the declaration done
                with deps.sessions() as s:
                    pending = effects.pending_count(s)
                if not pending:
                    break
                time.sleep(0.002)
            ready = time.perf_counter()
            calls = log.take()
            with deps.sessions() as s:
                outcomes = set(s.scalars(select(Effect.outcome)))
            assert response.status == 200 and outcomes == {"sent"}, (response.status, outcomes)
            first_call = min(c[2] for c in calls)
            if i:
                results.append({"ack": acked - started, "ready": ready - started, "calls": calls,
                                "path": critical_path(calls), "first": first_call - started})
    finally:
        worker.stop()
        bot.executor.shutdown(wait=True)
        fake.stop()
    if fake.violations:
        print("fake Slack violations:", *fake.violations[:5], sep="\n  ")

    sample = results[-1]
    per_method = Counter(c[0] for c in sample["calls"])
    ready_ms = [r["ready"] * 1000 for r in results]
    ack_ms = [r["ack"] * 1000 for r in results]
    path_len = max(len(r["path"]) for r in results)
    total = max(len(r["calls"]) for r in results)
    print(f"Declare with the fake Slack answering every call after {args.latency * 1000:.0f} ms, "
          f"{args.n} declarations -- {machine()}")
    print(table(["figure", "value"], [
        ["Slack calls per declaration (after the modal is submitted)", total],
        ["  of them on the critical path", path_len],
        ["  critical path", " -> ".join(sample["path"])],
        ["modal submit acked, ms p50 / p99", f"{percentile(ack_ms, 50):.1f} / {percentile(ack_ms, 99):.1f}"],
        ["channel ready (every set-up effect done), ms p50 / p99",
         f"{percentile(ready_ms, 50):.0f} / {percentile(ready_ms, 99):.0f}"],
        ["lower bound: critical path x latency, ms", f"{path_len * args.latency * 1000:.0f}"],
        ["plus `/incident declare` itself (views.open, after its ack)", "1 call"],
    ]))
    print()
    print(table(["method", "calls"], sorted(per_method.items())))
    ok_calls, ok_ready = path_len <= TARGET_CALLS, percentile(ready_ms, 99) / 1000 <= TARGET_READY_S
    print(f"target: <= {TARGET_CALLS} calls on the critical path -> {path_len}: {'met' if ok_calls else 'MISSED'}; "
          f"ready <= {TARGET_READY_S:.0f} s -> p99 {percentile(ready_ms, 99):.0f} ms: {'met' if ok_ready else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
