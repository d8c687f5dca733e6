"""The worker's lanes: a vendor that does not answer holds only vendor threads; Slack effects
keep going out. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select

from bot.effects import registry
from bot.effects.worker import VENDOR_FAMILIES, EffectWorker, default_lanes
from storage import effects
from storage.models import Effect

HANGING = "pagerduty.hangs_in_test"


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_a_vendor_that_hangs_does_not_hold_up_slack(slack, deps, monkeypatch):
    registry.load_all()
    answer = threading.Event()
    started: list[int] = []

    def hang(effect: Any, _deps: Any) -> dict[str, Any]:
        started.append(effect.id)
        answer.wait(10)  # PagerDuty taking its time (the vendor client's timeout is longer)
        return {}

    monkeypatch.setitem(registry._kinds, HANGING, registry.Deliverer(kind=HANGING, deliver=hang))
    vendor_threads = next(lane.threads for lane in default_lanes() if lane.families == VENDOR_FAMILIES
                          and not lane.other_families)
    with deps.sessions.begin() as s:
        # More hanging vendor calls than the vendor lane has threads, then the DMs.
        for n in range(vendor_threads + 2):
            effects.enqueue(s, kind=HANGING, incident_id=None, now=deps.now(), payload={"n": n})
        for user in ("UALICE", "UBOB", "UCAROL"):
            effects.enqueue(s, kind="slack.dm", incident_id=None, now=deps.now(), recipient_id=user,
                            payload={"text": f"Your turn, {user}"})

    worker = EffectWorker(deps, "lanes").start()
    try:
        assert wait_for(lambda: len(started) == vendor_threads)
        assert wait_for(lambda: all(slack.dm_messages(u) for u in ("UALICE", "UBOB", "UCAROL")))
        # Still waiting on the vendor: no thread beyond the vendor lane's was taken.
        assert len(started) == vendor_threads
        answer.set()
        assert wait_for(lambda: len(started) == vendor_threads + 2)
    finally:
        answer.set()
        worker.stop()
    assert [m["text"] for m in slack.dm_messages("UALICE")] == ["Your turn, UALICE"]
    with deps.sessions() as s:
        outcomes = s.execute(select(Effect.kind, Effect.outcome)).all()
    assert sorted(outcomes) == sorted([(HANGING, "sent")] * (vendor_threads + 2) + [("slack.dm", "sent")] * 3)
