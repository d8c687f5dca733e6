"""The scheduler: an APScheduler interval job "tick" every SCHEDULER_TICK.

Deadlines live in the database, not in scheduler jobs, so a restart loses nothing; each
tick asks the database what is due. Any number of processes may tick the same database:
what a tick sends is claimed row by row first (see bot/scheduler/tick.py).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import os
import socket
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps

log = logging.getLogger(__name__)


def tick_jobs() -> list[Callable[[Deps, str], object]]:
    """Every module of this package with a `run_due(deps, worker_id)` is a tick job;
    a new kind of reminder is a new module, nothing else to edit."""
    jobs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        job = getattr(module, "run_due", None)
        if callable(job):
            jobs.append(job)
    return jobs


def worker_id() -> str:
    """Who claimed a nag: host and process, for the log and the nags table."""
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(deps: Deps, worker: str | None = None) -> None:
    worker = worker or worker_id()
    for job in tick_jobs():
        try:
            job(deps, worker)
        except Exception:  # noqa: BLE001 - one failing job must not stop the others or the next tick
            log.exception("scheduler job %s failed; it runs again on the next tick", getattr(job, "__name__", job))


def start(deps: Deps) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick, "interval", args=[deps], id="tick",
        seconds=deps.settings.scheduler_tick.total_seconds(),
        # A slow tick is not stacked up behind itself, and a missed one is not replayed in a burst.
        max_instances=1, coalesce=True, misfire_grace_time=None,
        next_run_time=deps.now(),
    )
    scheduler.start()
    log.info("scheduler ticking every %s", deps.settings.scheduler_tick)
    return scheduler
