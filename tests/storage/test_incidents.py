"""Incident keys are unique and consecutive even when declarations race."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core.declaration import Declaration
from storage import incidents
from storage.db import make_engine, make_sessions
from storage.migrate import upgrade
from storage.models import Incident

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def _declaration(summary: str) -> Declaration:
    return Declaration(summary, "", 2, "Unknown", ("Unknown",), False)


def test_racing_declarations_get_consecutive_distinct_keys(database_url):
    upgrade(database_url)
    engine = make_engine(database_url, pool_size=10) if database_url.startswith("postgresql") else make_engine(database_url)
    sessions = make_sessions(engine)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def declare(n: int) -> None:
        try:
            start.wait()
            with sessions.begin() as s:
                incidents.create(s, declaration=_declaration(f"race {n}"), prefix="HOT", reporter_id="U1",
                                 origin_channel_id=None, now=NOW, initial_comms_due=NOW + timedelta(minutes=30))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=declare, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with sessions() as s:
        keys = sorted(s.scalars(select(Incident.key)), key=lambda k: int(k.split("-")[1]))
    engine.dispose()
    assert keys == [f"HOT-{n}" for n in range(1, 9)]


def test_a_rolled_back_declaration_gives_its_number_back(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    with sessions() as s:
        with s.begin():
            incidents.create(s, declaration=_declaration("kept"), prefix="HOT", reporter_id="U1", origin_channel_id=None,
                             now=NOW, initial_comms_due=NOW)
        s.begin()
        incidents.create(s, declaration=_declaration("lost"), prefix="HOT", reporter_id="U1", origin_channel_id=None,
                         now=NOW, initial_comms_due=NOW)
        s.rollback()
        with s.begin():
            third = incidents.create(s, declaration=_declaration("next"), prefix="HOT", reporter_id="U1",
                                     origin_channel_id=None, now=NOW, initial_comms_due=NOW)
            assert third.key == "HOT-2"
        stored = s.scalars(select(Incident)).all()
        assert all(i.declared_at == NOW for i in stored)
    engine.dispose()


def test_a_number_taken_while_a_declaration_was_rolling_back_is_never_given_twice(database_url):
    # PostgreSQL takes the number in its own short transaction (so concurrent declarations do
    # not queue behind each other's whole transaction). A declaration that rolls back after a
    # later one took the next number leaves a gap rather than a duplicate. (On SQLite the
    # first declaration holds the one writer lock: the second cannot start before it ends.)
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises declarations on its writer lock")
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    with sessions() as first, sessions() as second:
        first.begin()
        incidents.create(first, declaration=_declaration("lost"), prefix="HOT", reporter_id="U1",
                         origin_channel_id=None, now=NOW, initial_comms_due=NOW)
        with second.begin():
            incidents.create(second, declaration=_declaration("kept"), prefix="HOT", reporter_id="U1",
                             origin_channel_id=None, now=NOW, initial_comms_due=NOW)
        first.rollback()
    with sessions.begin() as s:
        incidents.create(s, declaration=_declaration("next"), prefix="HOT", reporter_id="U1", origin_channel_id=None,
                         now=NOW, initial_comms_due=NOW)
    with sessions() as s:
        keys = sorted(s.scalars(select(Incident.key)))
    engine.dispose()
    assert keys == ["HOT-2", "HOT-3"]
