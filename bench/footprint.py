"""Footprint: resident memory after start and after 1,000 incidents, and start-up time of
`incident-bot run` (until the Socket Mode connection is open, via apps.connections.open
against the fake's Socket Mode server) and `incident-bot serve` (until /healthz answers 200).

Both run as subprocesses with SQLite in a temp dir (the first start also creates the
schema: measured as "first start"; later starts find it migrated). The 1,000 incidents are
declared through signed modal submissions to `serve`, 8 at a time, and counted once every
set-up step is recorded. Targets: under 120 MB and under 2 s.

    python bench/footprint.py [--incidents 1000] [--starts 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BotProcess, SocketModeServer, declare_values, load_average, machine, table, workspace,
)

TARGET_MB, TARGET_START_S = 120.0, 2.0


def start_times(fake, mode: str, starts: int) -> tuple[float, list[float], list[float], float]:  # type: ignore[no-untyped-def]
    """(first start on an empty database, later starts' wall s, their CPU s, RSS MiB after the last)."""
    server = SocketModeServer().start() if mode == "run" else None
    if server is not None:
        fake.socket_mode_url = server.url
    times, cpu, rss = [], [], 0.0
    bot = BotProcess(fake, mode=mode, socket_server=server)
    try:
        first = bot.start()
        bot.proc.terminate()  # type: ignore[union-attr]
        bot.proc.wait(10)  # type: ignore[union-attr]
        for _ in range(starts):
            if server is not None:
                _wait_disconnected(server)
            times.append(bot.start_again())
            cpu.append(bot.start_cpu_s)
            time.sleep(1.0)  # let the scheduler and the resume thread settle before reading RSS
            rss = bot.rss_mb()
            bot.proc.terminate()  # type: ignore[union-attr]
            bot.proc.wait(10)  # type: ignore[union-attr]
    finally:
        bot.stop()
        if server is not None:
            server.stop()
    return first, times, cpu, rss


def _wait_disconnected(server: SocketModeServer, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while server.connected and time.monotonic() < deadline:
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    fake = workspace()
    rows = []
    try:
        for mode in ("serve", "run"):
            load = load_average()
            first, times, cpu, rss = start_times(fake, mode, args.starts)
            rows.append([f"`incident-bot {mode}` start-up wall, s (first / median / max of {len(times)})",
                         f"{first:.2f} / {statistics.median(times):.2f} / {max(times):.2f}"])
            rows.append([f"`incident-bot {mode}` start-up CPU, s (median / max; {load})",
                         f"{statistics.median(cpu):.2f} / {max(cpu):.2f}"])
            rows.append([f"`incident-bot {mode}` RSS after start, MiB", f"{rss:.1f}"])

        bot = BotProcess(fake)
        bot.start()
        try:
            time.sleep(1.0)
            at_start = bot.rss_mb()
            caller = bot.caller(timeout=30)
            general = fake.general_channel_id
            view = {"callback_id": "incident_declare", "private_metadata": general, "blocks": []}

            def declare(i: int) -> int:
                return caller.submit_view(view, declare_values(f"Incident {i}", impact="Footprint"),
                                          user_id="UREPORTER").status

            started = time.monotonic()
            with ThreadPoolExecutor(args.concurrency) as pool:
                statuses = list(pool.map(declare, range(args.incidents)))
            db = Path(bot.tmp) / "incident-bot.db"
            while _complete(db) < args.incidents and time.monotonic() - started < 600:
                time.sleep(0.1)
            elapsed = time.monotonic() - started
            complete = _complete(db)
            time.sleep(1.0)
            after = bot.rss_mb()
        finally:
            bot.stop()
    finally:
        fake.stop()
    rows.append(["`serve` RSS after start (this run), MiB", f"{at_start:.1f}"])
    rows.append([f"`serve` RSS after {args.incidents:,} incidents, MiB", f"{after:.1f}"])
    rows.append([f"incidents declared (HTTP 200) / fully set up", f"{statuses.count(200)} / {complete}"])
    rows.append([f"time to declare and set up {args.incidents:,} ({args.concurrency} at a time, fake without "
                 "latency), s", f"{elapsed:.1f}"])
    print(f"Footprint -- {machine()}")
    print(table(["figure", "value"], rows))
    worst_start = max(float(r[1].split(" / ")[2]) for r in rows if "start-up wall" in r[0])
    worst_cpu = max(float(r[1].split(" / ")[1]) for r in rows if "start-up CPU" in r[0])
    print(f"target: RSS < {TARGET_MB:.0f} MiB -> {after:.1f}: {'met' if after < TARGET_MB else 'MISSED'}; "
          f"start-up < {TARGET_START_S:.0f} s -> worst {worst_start:.2f}: "
          f"{'met' if worst_start < TARGET_START_S else 'MISSED'} (CPU, which load does not inflate: worst "
          f"{worst_cpu:.2f} s: {'met' if worst_cpu < TARGET_START_S else 'MISSED'})")
    return 0


def _complete(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM incidents i WHERE EXISTS (SELECT 1 FROM effects e WHERE e.incident_id = i.id "
                                "AND e.kind = 'declare.tell_reporter') AND NOT EXISTS (SELECT 1 FROM effects e "
                                "WHERE e.incident_id = i.id AND e.sent_at IS NULL)").fetchone()[0]
    except sqlite3.Error:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
