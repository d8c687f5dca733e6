"""`/incident list`, the Home tab and `/incident stats` over a long history: 10,000 resolved
incidents (with postmortems and actions), 100,000 timeline entries, 500 open incidents.

The real Bolt app runs in-process (signed requests, the fake Slack answering at once, so the
figure is the bot's own cost); list and stats are timed until their ack (the answer is in
it), the Home tab until `views.publish` has returned. Also printed: the SQL statements and
Slack calls each made. SQLite always; PostgreSQL too when INCIDENT_BOT_TEST_POSTGRES_URL is
set (a scratch schema). Target: each under 200 ms.

    python bench/history_reads.py [--n 30] [--resolved 10000] [--entries 100000] [--open 500]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, summary, table, workspace  # noqa: E402
from bench.timeline_ingest import POSTGRES_ENV, databases  # noqa: E402

TARGET_MS = 200


def measure(url: str, n: int, resolved: int, entries: int, open_: int) -> list[list[object]]:
    from sqlalchemy import event

    from tests.history import fill
    from tests.support import Bot, Clock, make_deps

    fake = workspace()
    deps = make_deps(fake, url, Clock())
    bot = Bot.build(deps, fake)
    statements: list[str] = []
    try:
        started = time.perf_counter()
        fill(deps.sessions, deps.now(), resolved=resolved, open_=open_, entries=entries)
        print(f"  history written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        event.listen(deps.sessions.kw["bind"], "before_cursor_execute", lambda *a: statements.append(a[2]))
        general = fake.general_channel_id

        def slash(text: str) -> float:
            started = time.perf_counter()
            reply = bot.caller.command(text, user_id="UCAROL", channel_id=general)
            elapsed = time.perf_counter() - started  # the answer is in the ack
            if reply.status != 200:
                raise SystemExit(f"/incident {text}: HTTP {reply.status}")
            bot.drain()
            return elapsed

        def home() -> float:
            started = time.perf_counter()
            bot.event({"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "home",
                       "event_ts": "1700000000.000100"})
            return time.perf_counter() - started

        rows = []
        for label, run in (("/incident list", lambda: slash("list")), ("/incident stats (30 days)",
                           lambda: slash("stats")), ("/incident stats 3650", lambda: slash("stats 3650")),
                           ("Home tab (until views.publish returned)", home)):
            run()  # warm-up: caches, connection pool
            statements.clear()
            fake.reset_calls()
            run()
            per_run_sql, per_run_slack = len(statements), len([m for m, _ in fake.calls if m != "auth.test"])
            figures = summary([run() for _ in range(n)])
            rows.append([label, figures["p50"], figures["p99"], figures["max"], per_run_sql, per_run_slack])
        return rows
    finally:
        bot.executor.shutdown(wait=True)
        deps.slack_queue.shutdown()
        deps.sessions.kw["bind"].dispose()
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--resolved", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=500)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(f"list, Home and stats over {args.resolved:,} resolved incidents, {args.entries:,} timeline entries, "
          f"{args.open} open incidents; {args.n} runs each; {machine()}")
    rows = []
    with databases() as found:
        if len(found) == 1:
            print(f"(PostgreSQL skipped: set {POSTGRES_ENV})")
        for name, new_url in found:
            for row in measure(new_url(), args.n, args.resolved, args.entries, args.open):
                rows.append([name, *row])
    print(table(["database", "answer", "p50 ms", "p99 ms", "max ms", "SQL statements", "Slack calls"], rows))
    worst = max(float(r[3]) for r in rows)  # type: ignore[arg-type]
    print(f"target: each under {TARGET_MS} ms -> worst p99 {worst:.0f} ms: {'met' if worst < TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
