"""Nag lateness: how long after its due time a real `incident-bot serve` sends the IM's
reminder, with real seconds (INITIAL_COMMS_DEADLINE=12s, REMINDER_LEAD=6s, SCHEDULER_TICK=1s).

tests/test_serve_nag.py checks the same path without timing it (a shared CI machine makes
wall-clock windows flaky); this prints the figure. The bound to expect is one tick plus the
declaration's own set-up: a reminder is never early.

    python bench/nag_lateness.py [--n 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.common import SECRET, BotProcess, declare_values, machine, percentile, signed, table, workspace  # noqa: E402
from storage.models import Incident, RoleAssignment  # noqa: E402

LEAD_S = 6.0  # INITIAL_COMMS_DEADLINE 12 s - REMINDER_LEAD 6 s


def wait(predicate, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError("timed out")


def one(fake, bot: BotProcess, engine, n: int) -> float:  # type: ignore[no-untyped-def]
    caller = signed.HttpCaller(bot.base_url, SECRET, fake=fake)
    key = f"HOT-{n}"
    opened = len(fake.views_opened)
    caller.command(f"declare Bench {n}", user_id="UREPORTER", channel_id=fake.general_channel_id)
    view = wait(lambda: fake.views_opened[opened:])[-1]
    caller.submit_view(view, declare_values(f"Bench {n}", severity=1), user_id="UREPORTER")
    wait(lambda: fake.channel_by_name(f"hot-{n}"))
    with Session(engine) as s, s.begin():
        incident = s.scalars(select(Incident).where(Incident.number == n)).one()
        declared_at = incident.declared_at
        s.add(RoleAssignment(incident_id=incident.id, role="incident-manager", user_id="UALICE",
                             assigned_by="UALICE", assigned_at=declared_at))
        incident.status = "Fixing"
    dm = wait(lambda: next((m for m in fake.dm_messages("UALICE")
                            if "Initial communications" in m["text"] and key in m["text"]), None))
    return float(dm["ts"]) - declared_at.timestamp() - LEAD_S


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3)
    args = parser.parse_args()
    fake = workspace()
    bot = BotProcess(fake, "serve", env_extra={"INITIAL_COMMS_DEADLINE": "12s", "REMINDER_LEAD": "6s",
                                               "SCHEDULER_TICK": "1s"})
    bot.start()
    engine = create_engine(bot.env()["DATABASE_URL"])
    try:
        late = [one(fake, bot, engine, n) for n in range(1, args.n + 1)]
    finally:
        engine.dispose()
        bot.stop()
        fake.stop()
    print(f"Nag lateness, s after the reminder's due time (tick 1 s) -- {machine()}")
    print(table(["n", "min", "median", "max"],
                [[len(late), f"{min(late):.2f}", f"{percentile(late, 50):.2f}", f"{max(late):.2f}"]]))


if __name__ == "__main__":
    main()
