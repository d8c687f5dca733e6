"""A reminder declared with `reminder(...)`: due-time rule + message, nothing else; the one
late rule and the one no-burst rule apply to it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.effects.reminders import reminder
from storage import effects
from storage.models import Effect, Incident


def _still_due(snap, due_at, now):  # type: ignore[no-untyped-def]
    return snap.status != "Resolved"


def _message(snap, effect, now):  # type: ignore[no-untyped-def]
    late = " (late)" if effect.late else ""
    return f"Test reminder for {snap.key} due {effect.due_at:%H:%M}{late}", None


reminder("test_dm_reminder", still_due=_still_due, message=_message)
reminder("test_archive_reminder", still_due=_still_due, message=_message, to="archive")


def _plan(deps, kind, due_at, recipient="UALICE"):  # type: ignore[no-untyped-def]
    with deps.sessions() as s:
        incident_id = s.scalars(select(Incident.id)).one()
    with deps.sessions.begin() as s:
        return effects.enqueue(s, kind=kind, incident_id=incident_id, now=deps.now(), due_at=due_at,
                               recipient_id=recipient, dedupe_key=effects.reminder_key(incident_id, kind, due_at))


def texts(slack, user):  # type: ignore[no-untyped-def]
    return [m["text"] for m in slack.dm_messages(user) if m["text"].startswith("Test reminder")]


def test_a_reminder_goes_out_at_its_due_time_not_before(bot, slack, deps):
    bot.declare()
    due = bot.clock() + timedelta(hours=1)
    assert _plan(deps, "test_dm_reminder", due) is not None
    assert _plan(deps, "test_dm_reminder", due) is None, "one per (incident, kind, due time)"
    bot.clock.advance(minutes=59)
    assert bot.deliver() == 0
    bot.clock.advance(minutes=1)
    assert bot.deliver() == 1
    assert texts(slack, "UALICE") == [f"Test reminder for HOT-1 due {due:%H:%M}"]


def test_after_downtime_only_the_newest_goes_out_marked_late(bot, slack, deps):
    bot.declare()
    start = bot.clock()
    for hours in (1, 2, 3):
        _plan(deps, "test_dm_reminder", start + timedelta(hours=hours))
    bot.clock.set(start + timedelta(hours=5))  # the bot was down through all three
    bot.deliver()
    assert texts(slack, "UALICE") == [f"Test reminder for HOT-1 due {start + timedelta(hours=3):%H:%M} (late)"]
    with deps.sessions() as s:
        rows = list(s.scalars(select(Effect).where(Effect.kind == "test_dm_reminder").order_by(Effect.due_at)))
    assert [(r.outcome, r.error, r.late) for r in rows] == [
        ("skipped", "superseded", False), ("skipped", "superseded", False), ("sent", None, True)]


def test_a_reminder_no_longer_due_is_skipped_and_an_unreachable_recipient_is_said_in_the_channel(bot, slack, deps):
    channel = bot.declare()
    slack.users["UBOB"]["deleted"] = True
    slack.fail_next("chat.postMessage", "user_disabled")  # Slack refuses the DM to a deactivated person
    _plan(deps, "test_dm_reminder", bot.clock(), recipient="UBOB")
    bot.deliver()
    said = [m["text"] for m in slack.messages_in(channel.id) if "Test reminder" in m["text"]]
    assert said == [f"<@UBOB> cannot be reached. Test reminder for HOT-1 due {bot.clock():%H:%M}"]

    with deps.sessions.begin() as s:
        s.execute(Incident.__table__.update().values(status="Resolved"))
    _plan(deps, "test_dm_reminder", bot.clock() + timedelta(minutes=1))
    bot.clock.advance(minutes=1)
    assert bot.deliver() == 0
    assert texts(slack, "UALICE") == []


def test_an_archive_reminder_says_so_in_the_channel_and_archives_it(bot, slack, deps):
    channel = bot.declare()
    _plan(deps, "test_archive_reminder", bot.clock())
    assert bot.deliver() == 1
    assert slack.channels[channel.id].is_archived
    assert any("Test reminder for HOT-1" in m["text"] for m in slack.messages_in(channel.id))
