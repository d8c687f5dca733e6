"""`Deps`: what every handler, job and deliverer needs (settings, database sessions, the Slack edge,
the team config, the clock), handed in once: no globals, easy to swap in tests. Not to be confused
with the handbook's faulty *services* (`deps.team.services`)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, TeamConfig
from bot.slack_edge import Slack
from bot.slack_queue import SlackQueue
from bot.vendors.statuspage import SHARED_PACER, Pacer


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    slack: Slack
    team: TeamConfig = field(default_factory=TeamConfig)
    clock: Callable[[], datetime] = utcnow
    # Work that may wait on Slack (reads, Retry-After), off Bolt's listener pool.
    slack_queue: SlackQueue = field(default_factory=SlackQueue)
    # Statuspage allows one request per second per key; tests pass a pacer with a fake clock.
    statuspage_pacer: Pacer = SHARED_PACER
    # None: the system's CAs verify the mail server (tests trust their own certificate).
    smtp_ssl_context: ssl.SSLContext | None = None

    def now(self) -> datetime:
        return self.clock()
