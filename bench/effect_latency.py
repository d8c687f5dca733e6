"""How soon an effect goes out after the commit that wrote it, with the worker idle.

The effect worker thread runs as in `serve`; between effects it sleeps (nothing due). Each
round commits one `slack.dm` effect and measures from the end of that commit to the moment
the worker's Slack call starts (the fake answers at once). SQLite always; PostgreSQL too
when INCIDENT_BOT_TEST_POSTGRES_URL is set. Target: within 50 ms when idle.

    python bench/effect_latency.py [--n 50] [--idle 0.2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import machine, percentile, table, workspace  # noqa: E402
from bot.effects.worker import EffectWorker  # noqa: E402
from bot.deps import utcnow  # noqa: E402
from storage import effects  # noqa: E402

TARGET_MS = 50


def measure(url: str, n: int, idle: float) -> list[float]:
    from tests.support import make_deps

    fake = workspace()
    fake.add_user("UALICE", "alice")
    deps = make_deps(fake, url, utcnow)
    worker = EffectWorker(deps, "bench")
    started: list[float] = []
    arrived = threading.Event()
    original = worker.delivering.slack.client.api_call

    def api_call(method, *args, **kwargs):  # type: ignore[no-untyped-def]
        if method == "chat.postMessage":
            started.append(time.perf_counter())
            arrived.set()
        return original(method, *args, **kwargs)

    worker.delivering.slack.client.api_call = api_call
    worker.start()
    delays = []
    try:
        for i in range(n + 1):  # the first warms up
            time.sleep(idle)  # the worker has gone back to sleep
            arrived.clear()
            with deps.sessions.begin() as s:
                effects.enqueue(s, kind="slack.dm", incident_id=None, now=deps.now(), recipient_id="UALICE",
                                payload={"text": f"ping {i}"})
            committed = time.perf_counter()
            assert arrived.wait(10), "the effect never went out"
            if i:
                delays.append((started[-1] - committed) * 1000)
    finally:
        worker.stop()
        deps.sessions.kw["bind"].dispose()
        fake.stop()
    return delays


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--idle", type=float, default=0.2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        delays = measure(f"sqlite:///{tmp}/effects.db", args.n, args.idle)
        rows.append(["sqlite", f"{percentile(delays, 50):.1f}", f"{percentile(delays, 99):.1f}", f"{max(delays):.1f}"])
    base = os.environ.get("INCIDENT_BOT_TEST_POSTGRES_URL")
    if base:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            delays = measure(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}", args.n, args.idle)
            rows.append(["postgresql", f"{percentile(delays, 50):.1f}", f"{percentile(delays, 99):.1f}",
                         f"{max(delays):.1f}"])
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"Effect latency, idle worker: commit -> the Slack call starts, {args.n} effects -- {machine()}")
    print(table(["database", "ms p50", "ms p99", "ms max"], rows))
    worst = max(float(r[2]) for r in rows)
    print(f"target: within {TARGET_MS} ms of the commit -> p99 {worst:.1f} ms: {'met' if worst <= TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
