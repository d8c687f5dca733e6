"""The scheduler: an APScheduler interval job "tick" every SCHEDULER_TICK.

Deadlines live in the database, not in scheduler jobs, so a restart loses nothing; each
tick asks the database what is due. Any number of processes may tick the same database:
what a tick sends is claimed row by row first (see bot/scheduler/tick.py).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.services import Services

log = logging.getLogger(__name__)

# Jobs that run on every tick, in order; each takes (services, worker_id).
TICK_JOBS: list[Callable[[Services, str], object]] = []


def worker_id() -> str:
    """Who claimed a nag: host and process, for the log and the nags table."""
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(services: Services, worker: str | None = None) -> None:
    worker = worker or worker_id()
    for job in TICK_JOBS:
        try:
            job(services, worker)
        except Exception:  # noqa: BLE001 - one failing job must not stop the others or the next tick
            log.exception("scheduler job %s failed; it runs again on the next tick", getattr(job, "__name__", job))


def start(services: Services) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick, "interval", args=[services], id="tick",
        seconds=services.settings.scheduler_tick.total_seconds(),
        # A slow tick is not stacked up behind itself, and a missed one is not replayed in a burst.
        max_instances=1, coalesce=True, misfire_grace_time=None,
        next_run_time=services.now(),
    )
    scheduler.start()
    log.info("scheduler ticking every %s", services.settings.scheduler_tick)
    return scheduler
