"""Rate limits: a burst of 50 declarations against a fake Slack enforcing Tier 2 at 20 calls
per window, through `incident-bot serve`.

All 50 must complete and none be lost (50 channels with their topic and pinned info
message, 50 announcements, 50 DMs to the reporter), and the total time should be close
to what the limit allows. The real window is 60 s; by default the window is scaled to
10 s (same 20 calls per window, Retry-After scaled too) so the run takes under a minute;
`--window 60` runs the real thing (about 2.5 minutes).

    python bench/rate_limits.py [--declarations 50] [--window 10] [--tier2 20]
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BotProcess, FakeSlack, PEOPLE, declare_values, machine, percentile, table  # noqa: E402

TIER2 = ("conversations.create", "conversations.setTopic", "pins.add", "bookmarks.add")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=50)
    parser.add_argument("--window", type=float, default=10.0, help="seconds per rate-limit window (Slack: 60)")
    parser.add_argument("--tier2", type=int, default=20, help="Tier 2 calls per window (Slack: 20)")
    args = parser.parse_args()
    n = args.declarations

    fake = FakeSlack().start()
    fake.rate_window = args.window
    for user in PEOPLE:
        fake.add_user(user, user.lower())
    fake.general_channel_id = fake.create_channel("general", members=["UBOT", *PEOPLE])
    fake.incidents_channel_id = fake.create_channel("incidents", members=["UBOT", *PEOPLE])
    bot = BotProcess(fake)
    bot.start()
    caller = bot.caller(timeout=60)
    general = fake.general_channel_id
    view = {"callback_id": "incident_declare", "private_metadata": general, "blocks": []}
    # Warm the process (first request: auth.test, imports) before the limit is switched on.
    caller.command("help", user_id="UREPORTER", channel_id=general)
    fake.enforce_tiers({m: args.tier2 for m in TIER2})
    fake.reset_calls()

    def declare(i: int):  # type: ignore[no-untyped-def]
        return caller.submit_view(view, declare_values(f"Burst incident {i}", impact="Load test"), user_id="UREPORTER")

    db = Path(bot.tmp) / "incident-bot.db"
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(n) as pool:
            acks = list(pool.map(declare, range(n)))
        acked = time.monotonic() - started
        deadline = started + max(600.0, 20 * args.window)
        while time.monotonic() < deadline:
            done = _complete(db)
            if done >= n:
                break
            time.sleep(0.05)
        total = time.monotonic() - started
        checks = _check(fake, n)
    finally:
        log = bot.log_text()
        bot.stop()
        fake.stop()

    calls = Counter(m for m, _ in fake.calls)
    per_method = {m: calls[m] for m in TIER2 if calls[m]}
    # Each Tier 2 method is needed once per declaration: n calls at `tier2` per window take
    # (ceil(n / tier2) - 1) full windows after the first batch.
    windows = math.ceil(n / args.tier2) - 1
    minimum = windows * args.window
    ack_ms = [a.elapsed * 1000 for a in acks]
    print(f"Rate limits: {n} declarations at once, Tier 2 = {args.tier2} calls per {args.window:.0f} s window "
          f"(Slack: 20 per 60 s) -- {machine()}")
    print(table(["figure", "value"], [
        ["declarations acknowledged (HTTP 200)", sum(1 for a in acks if a.status == 200)],
        ["modal submit ack, ms p50 / p99 / max",
         f"{percentile(ack_ms, 50):.0f} / {percentile(ack_ms, 99):.0f} / {max(ack_ms):.0f}"],
        ["all submits acked after, s", f"{acked:.2f}"],
        ["declarations fully set up", checks["complete"]],
        ["incident channels / with topic / with pinned info", f"{checks['channels']} / {checks['topics']} / "
                                                             f"{checks['pinned']}"],
        ["announcements in #incidents / DMs to the reporter", f"{checks['announced']} / {checks['dms']}"],
        ["duplicate channels", checks["duplicates"]],
        ["429 answers from the fake (retried)", fake.rate_limited_count],
        ["Tier 2 calls made (incl. 429s)", ", ".join(f"{m} {c}" for m, c in per_method.items())],
        ["theoretical minimum, s (windows x window)", f"{minimum:.1f} ({windows} x {args.window:.0f})"],
        ["measured: burst start to last set-up step, s", f"{total:.1f}"],
        ["measured / minimum", f"{total / minimum:.2f}x" if minimum else "-"],
    ]))
    if fake.violations:
        print("fake Slack violations:", *fake.violations[:5], sep="\n  ")
    errors = [line for line in log.splitlines() if " ERROR " in line]
    if errors:
        print(f"{len(errors)} ERROR lines in the bot's log, first:", errors[0][:300])
    lost = n - checks["complete"]
    print(f"result: {n - lost} of {n} complete, {lost} lost; {total:.1f} s vs {minimum:.1f} s minimum")
    return 0 if lost == 0 else 1


def _complete(db: Path) -> int:
    """Incidents whose every set-up effect is done (read from the bot's own database)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM incidents i WHERE EXISTS (SELECT 1 FROM effects e WHERE e.incident_id = i.id "
                                "AND e.kind = 'declare.tell_reporter') AND NOT EXISTS (SELECT 1 FROM effects e "
                                "WHERE e.incident_id = i.id AND e.sent_at IS NULL)").fetchone()[0]
    except sqlite3.Error:
        return 0


def _check(fake: FakeSlack, n: int) -> dict[str, int]:
    """What people would see in Slack, from the fake's state."""
    with fake.lock:
        channels = [c for c in fake.channels.values() if c.name.startswith("hot-")]
        names = Counter(c.name.split("-")[1] for c in channels)
        announced = [m for m in fake.channels[fake.incidents_channel_id].messages if m.get("bot_id")]
    dms = fake.dm_messages("UREPORTER")
    return {
        "channels": len(channels),
        "topics": sum(1 for c in channels if c.topic),
        "pinned": sum(1 for c in channels if c.pins),
        "announced": len(announced),
        "dms": sum(1 for m in dms if "You declared" in (m.get("text") or "")),
        "duplicates": sum(count - 1 for count in names.values() if count > 1),
        "complete": min(len(channels), sum(1 for c in channels if c.topic and c.pins), len(announced), len(dms)),
    }


if __name__ == "__main__":
    raise SystemExit(main())
