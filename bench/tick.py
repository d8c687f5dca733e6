"""The cost of one scheduler tick (every tick job) plus one effect-worker round, against a
database with history.

For 10, 1,000 and 10,000 open incidents, with 100,000 already-sent effects in the table:
- an idle tick: nothing is due (the common case, every SCHEDULER_TICK);
- a busy tick: 10 incidents have just reached their reminder point, so the tick plans them
  and the worker claims and sends 10 DMs and 10 channel lines through the fake Slack.
The tick reads incidents through the index on next_nag_at and the worker pending effects
through the partial index ix_effects_pending, so both should stay flat as open incidents and history grow;
the query plans are printed to show it. SQLite always; PostgreSQL too when
INCIDENT_BOT_TEST_POSTGRES_URL is set (a scratch schema, dropped afterwards).

    python bench/tick.py [--sizes 10,1000,10000] [--sent-nags 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, insert, select, text, update  # noqa: E402

from bench.common import machine, table, workspace  # noqa: E402
from bot.scheduler import nags as nag_job  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack_edge import Slack, make_web_client  # noqa: E402
from bot import scheduler  # noqa: E402
from bot.effects.worker import EffectWorker  # noqa: E402
from storage import effects as effect_rows  # noqa: E402
from storage.db import make_engine, make_sessions  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Effect, Incident  # noqa: E402

BUSY = 10
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'tick.db'}"
        return
    base = os.environ["INCIDENT_BOT_TEST_POSTGRES_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def populate(engine: Engine, open_incidents: int, sent_nags: int, channels: list[str]) -> None:
    """Open incidents whose next look is 2 h away (the first BUSY have real channels), and
    `sent_nags` nags already sent, spread over them."""
    rows = []
    for i in range(1, open_incidents + 1):
        rows.append(dict(
            number=i, key=f"HOT-{i}", summary=f"Incident {i}", impact="", severity=2, status="Fixing",
            faulty_service="Unknown", affected_products=[], private=False, reporter_id="UREPORTER",
            channel_id=channels[i - 1] if i <= len(channels) else None, declared_at=T0, bookmark_ids={},
            next_update_due=T0 + timedelta(hours=3), next_nag_at=T0 + timedelta(hours=2, minutes=50),
            last_update_at=T0,
        ))
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Incident), rows[start:start + 5000])
        ids = list(conn.scalars(select(Incident.id).order_by(Incident.id)))
        batch = []
        for n in range(sent_nags):
            due = T0 - timedelta(minutes=n)
            batch.append(dict(incident_id=ids[n % len(ids)], kind="update_overdue", due_at=due, attempt_at=due,
                              recipient_id="UREPORTER", created_at=due, claimed_at=due, claimed_by="bench",
                              sent_at=due, late=False, payload=None, attempts=1, outcome="sent",
                              dedupe_key=f"bench:{n}"))
            if len(batch) == 10000:
                conn.execute(insert(Effect), batch)
                batch = []
        if batch:
            conn.execute(insert(Effect), batch)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def plans(engine: Engine, now: datetime) -> list[str]:
    """The query plans of the tick's two selects, as the database reports them."""
    due = select(Incident.id).where(Incident.next_nag_at <= now).order_by(Incident.next_nag_at, Incident.id).limit(200)
    unsent = (select(Effect.id).where(Effect.sent_at.is_(None), Effect.claimed_at.is_(None), Effect.attempt_at <= now)
              .order_by(Effect.attempt_at, Effect.id).limit(100))
    out = []
    with engine.connect() as conn:
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        for name, query in (("due incidents", due), ("pending effects", unsent)):
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            lines = [" ".join(str(c) for c in row[-1:]) for row in conn.exec_driver_sql(prefix + sql)]
            out.append(f"  {name}: " + " / ".join(line.strip() for line in lines))
    return out


def measure(kind: str, size: int, sent_nags: int, repeat: int) -> tuple[list[object], list[str]]:
    fake = workspace()
    try:
        channels = [fake.create_channel(f"hot-{i}", members=["UBOT", "UREPORTER"]) for i in range(1, BUSY + 1)]
        with database(kind) as url:
            upgrade(url)
            engine = make_engine(url)
            populate(engine, size, sent_nags, channels)
            clock = {"now": T0 + timedelta(hours=1)}
            settings = Settings(_env_file=None, slack_bot_token="xoxb-bench", slack_api_url=fake.url, database_url=url,
                                reminder_lead=timedelta(minutes=10))
            deps = Deps(settings=settings, sessions=make_sessions(engine),
                                slack=Slack(make_web_client(settings.slack_bot_token, fake.url)),
                                clock=lambda: clock["now"])
            worker = EffectWorker(deps, "bench")
            idle = []
            for _ in range(repeat):
                # An idle tick: every tick job plans nothing, the worker's round claims nothing.
                started = time.perf_counter()
                scheduler.tick(deps, "bench")
                outcomes = worker.drain()
                idle.append(time.perf_counter() - started)
                assert not outcomes
            # BUSY incidents reach their reminder point (deadline in 10 minutes).
            with engine.begin() as conn:
                conn.execute(update(Incident).where(Incident.number <= BUSY).values(
                    next_nag_at=clock["now"], next_update_due=clock["now"] + timedelta(minutes=10)))
            fake.reset_calls()
            started = time.perf_counter()
            nag_job.run_due(deps, "bench")
            sent = worker.drain()["sent"]
            busy = time.perf_counter() - started
            slack_calls = len(fake.calls)
            with deps.sessions() as s:
                unsent = effect_rows.pending_count(s)
            query_plans = plans(engine, clock["now"])
            engine.dispose()
    finally:
        fake.stop()
    row = [kind, f"{size:,}", f"{sent_nags:,}", statistics.median(idle) * 1000, max(idle) * 1000,
           busy * 1000, f"{sent}", f"{slack_calls}", f"{unsent}"]
    return row, [f"{kind}, {size:,} open incidents:", *query_plans]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--sent-nags", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("INCIDENT_BOT_TEST_POSTGRES_URL") else [])
    rows, notes = [], []
    for kind in kinds:
        for size in (int(s) for s in args.sizes.split(",")):
            row, plan_lines = measure(kind, size, args.sent_nags, args.repeat)
            rows.append(row)
            notes.extend(plan_lines)
    print(f"Scheduler tick (every tick job) + the effect worker's round, {machine()}")
    print(f"idle: nothing due, median/max of {args.repeat} ticks; busy: {BUSY} incidents reach their reminder "
          f"point, the tick plans and the worker sends {BUSY} DMs + {BUSY} channel lines (fake Slack answers at once)\n")
    print(table(["database", "open incidents", "sent nags", "idle ms (median)", "idle ms (max)", "busy tick ms",
                 "nags sent", "Slack calls", "left pending"], rows))
    print("\nQuery plans (the tick's two selects):")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
