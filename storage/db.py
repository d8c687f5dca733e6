"""Engine and session factory for any SQLAlchemy URL (SQLite by default, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        # 15 s busy timeout: a second process (or thread) waits for the writer instead of failing.
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **kwargs)
        _sqlite_serialized_writes(engine)
        return engine
    # pool_pre_ping: a PostgreSQL restart under a running bot costs one reconnect, not a failed request.
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_serialized_writes(engine: Engine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE so that a read-then-write handler
    holds the write lock from its first statement (SQLite's deferred BEGIN would let two
    handlers read the same state and one fail on upgrade)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
