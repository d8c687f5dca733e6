"""Timeline and processed-event storage on SQLite and PostgreSQL: unique keys hold under races."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core.declaration import Declaration
from storage import events, incidents, timeline
from storage.db import make_engine, make_sessions
from storage.migrate import upgrade
from storage.models import ProcessedEvent, TimelineEntry

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def sessions(database_url):
    upgrade(database_url)
    engine = make_engine(database_url, pool_size=10) if database_url.startswith("postgresql") else make_engine(database_url)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def incident_id(sessions) -> int:
    with sessions.begin() as s:
        incident = incidents.create(s, declaration=Declaration("Checkout down", "", 2, "Unknown", (), False),
                                    prefix="HOT", reporter_id="U1", origin_channel_id=None, now=NOW,
                                    initial_comms_due=NOW + timedelta(minutes=30))
        incident.channel_id = "C1"
        return incident.id


def _once(s, incident_id: int, key: str, *, source: str = "reaction", ts: str = "1.000100", text: str = "hello",
          at: datetime = NOW) -> bool:
    return timeline.record_once(s, dedupe_key=key, incident_id=incident_id, kind="observation", text=text,
                                occurred_at=at, recorded_at=NOW, source=source, actor_id="U2", message_ts=ts)


def test_the_incident_is_found_by_its_channel_only(sessions, incident_id):
    with sessions() as s:
        assert timeline.incident_for_channel(s, "C1") == incident_id
        assert timeline.incident_for_channel(s, "C2") is None


def test_record_once_inserts_a_key_once(sessions, incident_id):
    with sessions.begin() as s:
        assert _once(s, incident_id, "k1") is True
        assert _once(s, incident_id, "k1", text="again") is False
    with sessions() as s:
        [entry] = timeline.entries(s, incident_id)
        assert entry.text == "hello" and entry.occurred_at == NOW


def test_racing_inserts_of_one_key_record_one_row(sessions, incident_id):
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def insert() -> None:
        try:
            start.wait()
            with sessions.begin() as s:
                results.append(_once(s, incident_id, "race"))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    with sessions() as s:
        assert len(s.scalars(select(TimelineEntry).where(TimelineEntry.dedupe_key == "race")).all()) == 1


def test_remove_by_key_only_touches_the_given_source(sessions, incident_id):
    with sessions.begin() as s:
        _once(s, incident_id, "by-prefix", source="message")
        _once(s, incident_id, "by-emoji", source="reaction")
        assert timeline.remove_by_key(s, "by-prefix", source="reaction") is False
        assert timeline.remove_by_key(s, "by-emoji", source="reaction") is True
    with sessions() as s:
        assert [e.dedupe_key for e in timeline.entries(s, incident_id)] == ["by-prefix"]


def test_edit_and_delete_by_message_ts(sessions, incident_id):
    with sessions.begin() as s:
        _once(s, incident_id, "a", ts="5.000001", source="reaction")
        _once(s, incident_id, "b", ts="5.000001", source="message")
        _once(s, incident_id, "c", ts="6.000001")
        edited = NOW + timedelta(minutes=1)
        assert timeline.mark_edited(s, incident_id, "5.000001", text="full", edited_at=edited, sources=("reaction",)) == 1
        assert timeline.mark_edited(s, incident_id, "5.000001", text="short", edited_at=edited, sources=("message",)) == 1
    with sessions() as s:
        assert {e.dedupe_key: (e.text, e.edited_at) for e in timeline.for_message(s, incident_id, "5.000001")} == {
            "a": ("full", NOW + timedelta(minutes=1)), "b": ("short", NOW + timedelta(minutes=1))}
    with sessions.begin() as s:
        assert timeline.mark_deleted(s, incident_id, "5.000001", deleted_at=NOW) == 2
        assert timeline.mark_deleted(s, incident_id, "5.000001", deleted_at=NOW) == 0
    with sessions() as s:
        assert [e.dedupe_key for e in timeline.entries(s, incident_id)] == ["c"]
        assert len(timeline.entries(s, incident_id, include_deleted=True)) == 3


def test_entries_come_in_time_order_then_insertion_order(sessions, incident_id):
    with sessions.begin() as s:
        _once(s, incident_id, "late", at=NOW + timedelta(minutes=5))
        _once(s, incident_id, "early", at=NOW - timedelta(minutes=5))
        timeline.record(s, incident_id=incident_id, kind="system", text="same time 1", occurred_at=NOW, recorded_at=NOW)
        timeline.record(s, incident_id=incident_id, kind="system", text="same time 2", occurred_at=NOW, recorded_at=NOW)
    with sessions() as s:
        assert [e.dedupe_key or e.text for e in timeline.entries(s, incident_id)] == [
            "early", "same time 1", "same time 2", "late"]


def test_processed_events_are_seen_once_and_can_be_forgotten(sessions):
    with sessions.begin() as s:
        assert events.is_processed(s, "event:Ev1") is False
        assert events.seen(s, "event:Ev1", NOW) is False
        assert events.seen(s, "event:Ev1", NOW) is True
        assert events.is_processed(s, "event:Ev1") is True
        events.seen(s, "event:Ev2", NOW + timedelta(hours=2))
    with sessions.begin() as s:
        assert events.forget_before(s, NOW + timedelta(hours=1)) == 1
    with sessions() as s:
        assert s.scalars(select(ProcessedEvent.key)).all() == ["event:Ev2"]


def test_racing_replicas_see_an_event_key_once(sessions):
    start = threading.Barrier(6)
    answers: list[bool] = []

    def claim() -> None:
        start.wait()
        with sessions.begin() as s:
            answers.append(events.seen(s, "event:EvRace", NOW))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False] + [True] * 5


def test_record_system_writes_a_system_entry_at_now_or_when_it_happened(sessions, incident_id):
    earlier = NOW - timedelta(minutes=7)
    with sessions.begin() as s:
        assert timeline.record_system(s, incident_id, "Severity changed from 3 to 2 by <@U1>", now=NOW, actor_id="U1",
                                      data={"event": "severity"})
        assert timeline.record_system(s, incident_id, "Detected: alert firing", now=NOW, occurred_at=earlier,
                                      source="webhook")
    with sessions() as s:
        rows = [(e.kind, e.source, e.text, e.occurred_at, e.recorded_at, e.actor_id, e.data)
                for e in timeline.entries(s, incident_id)]
    assert rows == [
        ("system", "webhook", "Detected: alert firing", earlier, NOW, None, None),
        ("system", "system", "Severity changed from 3 to 2 by <@U1>", NOW, NOW, "U1", {"event": "severity"}),
    ]


def test_record_system_with_a_key_records_a_redelivery_once(sessions, incident_id):
    with sessions.begin() as s:
        first = timeline.record_system(s, incident_id, "Paged payments", now=NOW, dedupe_key="pagerduty:d1")
        again = timeline.record_system(s, incident_id, "Paged payments", now=NOW, dedupe_key="pagerduty:d1")
    with sessions() as s:
        assert [e.text for e in timeline.entries(s, incident_id)] == ["Paged payments"]
    assert (first, again) == (True, False)
