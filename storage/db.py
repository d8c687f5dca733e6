"""Engine and session factory for any SQLAlchemy URL (SQLite by default, PostgreSQL)."""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


# Per process; PostgreSQL allows 100 connections by default, room for a few replicas and psql.
POSTGRES_POOL, POSTGRES_OVERFLOW = 20, 20


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        # 15 s busy timeout: a second process (or thread) waits for the writer instead of failing.
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **kwargs)
        _sqlite_serialized_writes(engine)
        return engine
    # pool_pre_ping: a PostgreSQL restart under a running bot costs one reconnect, not a failed request.
    if "poolclass" not in kwargs:
        # Kept open: the threads that may hold a connection at once (HTTP, listeners, the effect
        # lanes, the Slack queue, the scheduler) are more than SQLAlchemy's default 5, and a
        # connection above the kept ones is closed when returned. Under a burst of events each
        # return then cost a new PostgreSQL backend on the next use (timeline ingestion: 211
        # entries/s with the default, bench/timeline_ingest.py).
        kwargs = {"pool_size": POSTGRES_POOL, "max_overflow": POSTGRES_OVERFLOW, **kwargs}
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_serialized_writes(engine: Engine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE so that a read-then-write handler
    holds the write lock from its first statement (SQLite's deferred BEGIN would let two
    handlers read the same state and one fail on upgrade).

    Threads of this process also queue on a lock before BEGIN: SQLite's busy handler polls
    with sleeps growing to 100 ms, so under a burst a waiting handler would sleep long after
    the writer finished (bench/ack_latency.py measured p99 544 ms for a modal submit). The
    lock wakes the next writer as soon as the previous one ends; other processes still meet
    the busy timeout.
    """
    writer = FairLock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process
            # loses nothing committed (only a power cut can lose the last commits), and a
            # commit stops costing an fsync (SQLite's documented choice for WAL).
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not writer.acquire(timeout=30, first=getattr(_ack_path, "active", False)):
            log.warning("waited 30 s for another thread's SQLite transaction; going on to SQLite's own lock")
            connection.info["holds_writer_lock"] = False
        else:
            connection.info["holds_writer_lock"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        if connection.info.pop("holds_writer_lock", False):
            writer.release()

    # The transaction's COMMIT/ROLLBACK runs right after these events, in the same thread.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


_ack_path = threading.local()


@contextlib.contextmanager
def before_ack() -> Iterator[None]:
    """Transactions begun inside go ahead of queued background writers (SQLite): someone is
    waiting for the answer (a modal's submission is acknowledged only once its row is
    stored), while set-up steps and timeline writes can wait one transaction longer."""
    _ack_path.active = True
    try:
        yield
    finally:
        _ack_path.active = False


class FairLock:
    """A re-entrant lock that hands over in arrival order, acks first.

    threading.Lock wakes an arbitrary waiter, so under a burst one handler (say, the modal
    submission a person is waiting for) can lose the race again and again while background
    work keeps winning; first come, first served bounds its wait by the queue ahead of it,
    and `first=True` (a transaction an ack waits on) joins the queue ahead of the others.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queue: collections.deque[tuple[int, threading.Event]] = collections.deque()
        self._owner: int | None = None
        self._depth = 0
        self._acks_waiting = 0
        self._ack_turns: set[threading.Event] = set()

    def acquire(self, timeout: float = -1, *, first: bool = False) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None and not self._queue:
                self._owner, self._depth = me, 1
                return True
            turn = (me, threading.Event())
            if first:
                # Behind other acks already waiting (still in arrival order), ahead of the rest.
                self._queue.insert(self._acks_waiting, turn)
                self._acks_waiting += 1
                self._ack_turns.add(turn[1])
            else:
                self._queue.append(turn)
        if turn[1].wait(None if timeout < 0 else timeout):
            return True
        with self._mutex:
            if self._owner == me:  # handed over just as the wait timed out
                return True
            self._queue.remove(turn)
            self._forget_ack_turn(turn[1])
            return False

    def _forget_ack_turn(self, event: threading.Event) -> None:
        if event in self._ack_turns:
            self._ack_turns.discard(event)
            self._acks_waiting -= 1

    def release(self) -> None:
        with self._mutex:
            if self._owner is None:
                raise RuntimeError("release of a FairLock nobody holds")
            if self._owner != threading.get_ident():
                # A transaction ended in another thread than it began (a session handed between
                # threads): say so loudly, but do not fail the COMMIT this event precedes.
                log.error("SQLite writer lock released by a thread that did not take it")
            self._depth -= 1
            if self._depth:
                return
            if self._queue:
                self._owner, event = self._queue.popleft()
                self._forget_ack_turn(event)
                self._depth = 1
                event.set()
            else:
                self._owner = None


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(sessions: sessionmaker[Session]) -> None:
    """`SELECT 1`: raises when the database cannot be reached (GET /healthz)."""
    with sessions() as s:
        s.execute(text("SELECT 1"))


def watch_commits(sessions: sessionmaker[Session], callback: Callable[[Session], None]) -> None:
    """Calls `callback(session)` after every commit of these sessions (the effect worker wakes)."""
    event.listen(sessions, "after_commit", callback)


def unwatch_commits(sessions: sessionmaker[Session], callback: Callable[[Session], None]) -> None:
    if event.contains(sessions, "after_commit", callback):
        event.remove(sessions, "after_commit", callback)
