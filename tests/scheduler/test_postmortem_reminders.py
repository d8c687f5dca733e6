"""The postmortem owner is reminded one business day before the due date and once overdue: each
reminder once, even with two replicas ticking one database; late but once after downtime."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import scheduler
from bot.scheduler import postmortems as reminders
from bot.views.ids import Callback
from storage.models import Effect, Postmortem
from tests.commands.test_resolve import MONDAY_NOON, make_im, resolve_values
from tests.support import deliver_due, make_deps


def remind(deps, worker="w1"):
    """The tick plans, the effect worker delivers: how many reminders were sent."""
    reminders.run_due(deps, worker)
    return deliver_due(deps, worker)


def reminders_to(slack, user):
    return [m["text"] for m in slack.dm_messages(user) if "The postmortem of" in m["text"]]


def nags(deps):
    with deps.sessions() as s:
        return list(s.scalars(select(Effect).where(Effect.kind.like("postmortem_%")).order_by(Effect.id)))


@pytest.fixture
def postmortem(bot, deps):
    """HOT-1, Sev 2, resolved Monday 13:00 UTC by its IM UALICE: the postmortem is due next Monday 13:00."""
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails", severity=2)
    make_im(deps, channel.id, "UALICE")
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")
    with deps.sessions() as s:
        return s.scalars(select(Postmortem)).one()


def test_the_tick_runs_the_postmortem_reminders(bot, slack, deps, postmortem):
    bot.clock.set(postmortem.due_at)

    scheduler.tick(deps, "w1")  # the scheduler's own tick, every job in it
    deliver_due(deps, "w1")

    assert reminders.run_due in scheduler.tick_jobs()
    [overdue] = reminders_to(slack, "UALICE")
    assert "The postmortem of HOT-1" in overdue and "is overdue" in overdue


def test_owner_is_reminded_a_business_day_before_and_when_overdue_once_each(bot, slack, deps, postmortem):
    due = postmortem.due_at
    assert due.weekday() == 0  # Monday: "one business day before" is the Friday before
    bot.clock.set(due - timedelta(days=3, seconds=1))
    assert remind(deps, "w1") == 0
    bot.clock.set(due - timedelta(days=3))
    assert remind(deps, "w1") == 1
    bot.clock.advance(hours=1)
    assert remind(deps, "w1") == 0

    [soon] = reminders_to(slack, "UALICE")
    assert "The postmortem of HOT-1 is due" in soon and "one business day from now" in soon
    assert "/incident postmortem request-approval" in soon and "late" not in soon

    bot.clock.set(due)
    assert remind(deps, "w1") == 1
    bot.clock.advance(days=2)
    assert remind(deps, "w1") == 0
    assert "is overdue" in reminders_to(slack, "UALICE")[-1]
    assert [(n.kind, n.late, n.claimed_by) for n in nags(deps)] == [
        ("postmortem_due_soon", False, "w1"), ("postmortem_overdue", False, "w1")]


def test_two_replicas_send_each_reminder_once(bot, slack, deps, database_url, postmortem):
    other = make_deps(slack, database_url, bot.clock)
    bot.clock.set(postmortem.due_at - timedelta(days=3))
    sent: list[int] = []
    start = threading.Barrier(2)

    def tick(svc, worker):
        start.wait()
        sent.append(remind(svc, worker))

    threads = [threading.Thread(target=tick, args=(svc, name)) for svc, name in ((deps, "a"), (other, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.sessions.kw["bind"].dispose()

    assert sorted(sent) == [0, 1]
    assert len(reminders_to(slack, "UALICE")) == 1


def test_after_downtime_only_the_overdue_reminder_goes_out_marked_late(bot, slack, deps, postmortem):
    bot.clock.set(postmortem.due_at + timedelta(days=1))

    assert remind(deps, "w1") == 1
    assert remind(deps, "w1") == 0

    [late] = reminders_to(slack, "UALICE")
    assert "is overdue" in late and "This reminder is late" in late
    rows = {n.kind: n for n in nags(deps)}
    assert (rows["postmortem_due_soon"].outcome, rows["postmortem_due_soon"].error) == ("skipped", "superseded")
    assert rows["postmortem_overdue"].late is True and rows["postmortem_overdue"].sent_at is not None


def test_no_reminder_once_approved_and_the_current_owner_is_reminded(bot, slack, deps, postmortem):
    resolved_channel = bot.latest_incident_channel()
    slack.channels[resolved_channel].members.update({"UALICE", "UBOB"})
    bot.command("postmortem owner <@UBOB>", user="UALICE", channel=resolved_channel)
    bot.clock.set(postmortem.due_at - timedelta(days=3))
    assert remind(deps, "w1") == 1
    assert reminders_to(slack, "UBOB") and not reminders_to(slack, "UALICE")

    with deps.sessions.begin() as s:
        s.get(Postmortem, postmortem.id).status = "approved"
    bot.clock.set(postmortem.due_at + timedelta(days=1))
    assert remind(deps, "w1") == 0


def test_a_failed_dm_is_retried_after_a_short_backoff(bot, slack, deps, postmortem):
    bot.clock.set(postmortem.due_at - timedelta(days=3))
    slack.fail_next("chat.postMessage", "fatal_error")

    assert remind(deps, "w1") == 0
    assert remind(deps, "w1") == 0  # not before its backoff
    bot.clock.advance(seconds=1)
    assert remind(deps, "w1") == 1
    assert len(reminders_to(slack, "UALICE")) == 1
