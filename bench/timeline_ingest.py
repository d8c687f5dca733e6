"""Timeline ingestion: how many reaction events per second one process records, and how long
a 10,000-entry timeline takes to render.

As in Slack, each message's own `message` event reaches the bot first (untimed: the bot
remembers it), then a reaction on it arrives; each reaction is on a different message, so
every event records an entry. The figure is the bot's own cost: Bolt, one transaction, and
one Slack call per new entry (the acknowledgement reaction, an effect of the entry's transaction). Then every
event is redelivered (`X-Slack-Retry-Num: 1`), which must record nothing and call Slack
not at all.
SQLite always; PostgreSQL too when INCIDENT_BOT_TEST_POSTGRES_URL is set (a scratch schema).

    python bench/timeline_ingest.py [--events 1000] [--entries 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, table, workspace  # noqa: E402

POSTGRES_ENV = "INCIDENT_BOT_TEST_POSTGRES_URL"


@contextmanager
def databases() -> Iterator[list[tuple[str, Callable[[], str]]]]:
    """(name, new_url) per database; each new_url() is an empty database (a SQLite file, a
    PostgreSQL scratch schema), so the two measurements never share a fake's channel IDs."""
    from sqlalchemy import create_engine, text

    tmp = tempfile.mkdtemp(prefix="timeline-bench-")
    base = os.environ.get(POSTGRES_ENV)
    admin = create_engine(base) if base else None
    schemas: list[str] = []

    def sqlite_url() -> str:
        return f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.db"

    def postgres_url() -> str:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:  # type: ignore[union-attr]
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"  # type: ignore[operator]

    found: list[tuple[str, Callable[[], str]]] = [("SQLite", sqlite_url)]
    if admin is not None:
        found.append(("PostgreSQL", postgres_url))
    try:
        yield found
    finally:
        if admin is not None:
            with admin.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def message_event(channel: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "channel": channel, "user": message["user"], "text": message["text"],
            "ts": message["ts"], "event_ts": message["ts"], "channel_type": "channel", "team": "T0001"}


def reaction(channel: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "reaction_added", "user": "UBOB", "reaction": "mag", "item_user": message["user"],
            "item": {"type": "message", "channel": channel, "ts": message["ts"]}, "event_ts": message["ts"]}


def ingest(url: str, n_events: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from storage.models import TimelineEntry
    from tests.support import Bot, Clock, make_deps

    fake = workspace()
    deps = make_deps(fake, url, Clock())
    bot = Bot.build(deps, fake)
    try:
        channel = bot.declare("Bench: checkout fails")
        fake.channels[channel.id].members.update({"UALICE", "UBOB"})
        messages = [fake.post_user_message(channel.id, "UALICE", f"observation {n}") for n in range(n_events)]
        for n, m in enumerate(messages):
            bot.caller.event(message_event(channel.id, m), event_id=f"EvMsg{n:06d}")
        bot.drain()
        events = [(f"EvBench{n:06d}", reaction(channel.id, m)) for n, m in enumerate(messages)]
        fake.reset_calls()

        started = time.perf_counter()
        for event_id, event in events:
            bot.caller.event(event, event_id=event_id)
        bot.executor.drain(timeout=600)
        first = time.perf_counter() - started
        deps.slack_queue.drain(timeout=600)
        bot.effects.drain()  # the acknowledgements (effects of the entries' transactions), counted below
        calls_first = len(fake.calls)

        fake.reset_calls()
        started = time.perf_counter()
        for event_id, event in events:
            bot.caller.event(event, event_id=event_id, retry_num=1)
        bot.drain()
        again = time.perf_counter() - started

        with deps.sessions() as s:
            recorded = s.scalar(select(func.count()).select_from(TimelineEntry).where(TimelineEntry.kind == "observation"))
        if recorded != n_events:
            raise SystemExit(f"expected {n_events} entries, found {recorded}")
        return {"new_per_s": n_events / first, "redelivered_per_s": n_events / again,
                "calls_per_new": calls_first / n_events, "calls_per_redelivery": len(fake.calls) / n_events}
    finally:
        bot.executor.shutdown(wait=True)
        deps.slack_queue.shutdown()
        deps.sessions.kw["bind"].dispose()
        fake.stop()


def ingest_served(url: str, n_events: int, clients: int = 16) -> dict[str, float]:
    """The production shape: `incident-bot serve` in its own process (so the fake Slack's work is
    not charged to the bot), events sent concurrently over signed HTTP as Slack delivers them.
    The figure is entries in the database per second, from the first event sent to the last
    entry recorded."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, func, select

    from bench.common import BotProcess, cpu_seconds
    from storage.models import ChannelMessage, Incident, TimelineEntry
    from tests.support import declare_values

    fake = workspace()
    try:
        with BotProcess(fake, env_extra={"DATABASE_URL": url}) as bot:
            caller = bot.caller(timeout=30)
            caller.command("declare Bench: checkout fails", user_id="UREPORTER", channel_id=fake.general_channel_id)
            wait_until_true(lambda: any(v.get("callback_id") == "incident_declare" for v in fake.views_opened), 30)
            view = next(v for v in fake.views_opened if v.get("callback_id") == "incident_declare")
            caller.submit_view(view, declare_values("Bench: checkout fails"), user_id="UREPORTER")
            engine = create_engine(url)

            def count(query: Any) -> int:
                with engine.connect() as conn:
                    return conn.execute(query).scalar_one()

            wait_until_true(lambda: count(select(func.count()).select_from(Incident).where(
                Incident.channel_id.is_not(None))) == 1, 30)
            with engine.connect() as conn:
                channel_id = conn.execute(select(Incident.channel_id)).scalar_one()
            fake.channels[channel_id].members.update({"UALICE", "UBOB"})
            messages = [fake.post_user_message(channel_id, "UALICE", f"observation {n}") for n in range(n_events)]
            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(lambda pair: caller.event(message_event(channel_id, pair[1]),
                                                        event_id=f"EvMsg{pair[0]:06d}"), enumerate(messages)))
            remembered = select(func.count()).select_from(ChannelMessage).where(ChannelMessage.user_id == "UALICE")
            if not wait_until_true(lambda: count(remembered) >= n_events, 120):
                raise SystemExit(f"only {count(remembered)} of {n_events} messages remembered")
            recorded = select(func.count()).select_from(TimelineEntry).where(TimelineEntry.kind == "observation")
            fake.reset_calls()
            bot_cpu, own_cpu = cpu_seconds(bot.proc.pid), time.process_time()  # type: ignore[union-attr]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                replies = list(pool.map(lambda pair: caller.event(reaction(channel_id, pair[1]),
                                                                  event_id=f"EvServe{pair[0]:06d}"),
                                        enumerate(messages)))
            acked = time.perf_counter() - started
            if not wait_until_true(lambda: count(recorded) >= n_events, 300):
                raise SystemExit(f"only {count(recorded)} of {n_events} entries recorded")
            elapsed = time.perf_counter() - started
            # The acknowledgements are effects the bot's worker delivers: wait for them before counting calls.
            wait_until_true(lambda: len(fake.calls_to("reactions.add")) >= n_events, 60)
            bot_cpu = cpu_seconds(bot.proc.pid) - bot_cpu  # type: ignore[union-attr]
            own_cpu = time.process_time() - own_cpu
            engine.dispose()
            return {"per_s": n_events / elapsed, "acked_per_s": n_events / acked,
                    "ack_p99_ms": sorted(r.elapsed for r in replies)[int(len(replies) * 0.99) - 1] * 1000,
                    "calls_per_new": len(fake.calls) / n_events,
                    "bot_cpu_ms": bot_cpu * 1000 / n_events, "bench_cpu_ms": own_cpu * 1000 / n_events}
    finally:
        fake.stop()


def wait_until_true(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def render(url: str, n_entries: int) -> dict[str, float]:
    """Pure rendering of n entries (Slack messages and Markdown), and `/incident timeline` end to
    end: load from the database, render, upload the Markdown file to the fake."""
    from bot.core.timeline import TimelineItem, render_markdown, render_messages
    from storage import timeline
    from tests.support import Bot, Clock, make_deps

    fake = workspace()
    deps = make_deps(fake, url, Clock())
    bot = Bot.build(deps, fake)
    try:
        channel = bot.declare("Bench: a long incident")
        now = deps.now()
        with deps.sessions.begin() as s:
            incident_id = timeline.incident_for_channel(s, channel.id)
            for n in range(n_entries - 1):
                timeline.record(s, incident_id=incident_id, kind=("observation", "change", "decision")[n % 3],
                                text=f"step {n}: restarted <@UALICE>'s pods on payments-api", actor_id="UBOB",
                                occurred_at=now + timedelta(seconds=n), recorded_at=now,
                                permalink=f"https://x.slack.com/archives/{channel.id}/p{n}")
        items = [TimelineItem(now + timedelta(seconds=n), "change", f"step {n}: restarted <@UALICE>'s pods",
                              actor_id="UBOB", permalink=f"https://x/p{n}") for n in range(n_entries)]
        started = time.perf_counter()
        messages = render_messages("HOT-1", items)
        slack_s = time.perf_counter() - started
        started = time.perf_counter()
        render_markdown("HOT-1", "Bench", items, {"UALICE": "alice", "UBOB": "bob"}, now=now)
        markdown_s = time.perf_counter() - started
        started = time.perf_counter()
        bot.command("timeline", user="UREPORTER", channel=channel.id)
        command_s = time.perf_counter() - started
        if len(fake.files) != 1:
            raise SystemExit("the timeline was not uploaded as a file")
        return {"slack_ms": slack_s * 1000, "messages": len(messages), "markdown_ms": markdown_s * 1000,
                "command_ms": command_s * 1000, "file_kb": len(fake.files[0]["content"]) / 1024}
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    print(f"timeline ingestion: {args.events} reaction events, one process; {machine()}")
    ingest_rows, served_rows, render_rows = [], [], []
    with databases() as found:
        if len(found) == 1:
            print(f"(PostgreSQL skipped: set {POSTGRES_ENV})")
        for name, new_url in found:
            served = ingest_served(new_url(), args.events)
            served_rows.append([name, served["per_s"], served["acked_per_s"], served["ack_p99_ms"],
                                served["calls_per_new"], served["bot_cpu_ms"], served["bench_cpu_ms"]])
            got = ingest(new_url(), args.events)
            ingest_rows.append([name, got["new_per_s"], got["redelivered_per_s"], got["calls_per_new"],
                                got["calls_per_redelivery"]])
            shown = render(new_url(), args.entries)
            render_rows.append([name, args.entries, shown["slack_ms"], shown["messages"], shown["markdown_ms"],
                                shown["command_ms"], shown["file_kb"]])
    print("incident-bot serve as its own process, 16 concurrent senders over signed HTTP:")
    print(table(["database", "entries recorded/s", "events acked/s", "ack p99 ms", "Slack calls/new",
                 "bot CPU ms/event", "fake+senders CPU ms/event"], served_rows))
    print()
    print("in-process (the fake Slack shares the bot's process and CPU):")
    print(table(["database", "new entries/s", "redeliveries/s", "Slack calls/new", "Slack calls/redelivery"],
                ingest_rows))
    print()
    print(table(["database", "entries", "render Slack ms", "messages", "render Markdown ms",
                 "/incident timeline ms", "file KiB"], render_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
