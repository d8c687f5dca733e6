"""Owners of overdue actions are reminded by DM: once when the action becomes overdue, then
weekly, never twice for one period (even with two replicas ticking), late but once after downtime."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from bot import scheduler
from bot.scheduler import actions as reminders
from storage import effects
from storage.models import Action, Effect
from tests.support import deliver_due, make_deps


def remind(deps, worker="w1"):
    """The tick plans, the effect worker delivers: how many reminders were sent."""
    reminders.run_due(deps, worker)
    return deliver_due(deps, worker)


def add_action(bot, channel, text="Add alerting for checkout errors <@UALICE|alice>", kind="priority"):
    bot.command(f"action {kind} {text}", user="UREPORTER", channel=channel.id)
    with bot.deps.sessions() as s:
        return s.scalars(select(Action).order_by(Action.id.desc()).limit(1)).one()


def reminders_to(slack, user):
    return [m["text"] for m in slack.dm_messages(user) if "is overdue" in m["text"]]


def nags(deps):
    with deps.sessions() as s:
        return list(s.scalars(select(Effect).where(Effect.kind.like("action_overdue:%")).order_by(Effect.id)))


def test_the_tick_runs_the_action_reminders(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)
    bot.clock.set(action.due_at)

    scheduler.tick(deps, "w1")  # the scheduler's own tick, every job in it
    deliver_due(deps, "w1")

    assert reminders.run_due in scheduler.tick_jobs()
    [reminder] = reminders_to(slack, "UALICE")
    assert f"Priority action #{action.id} of HOT-1 is overdue" in reminder


def test_owner_is_reminded_once_when_overdue_then_weekly_until_done(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)

    bot.clock.set(action.due_at - timedelta(minutes=1))
    assert remind(deps, "w1") == 0
    bot.clock.set(action.due_at)
    assert remind(deps, "w1") == 1
    bot.clock.advance(minutes=30)
    assert remind(deps, "w1") == 0
    bot.clock.advance(days=6)
    assert remind(deps, "w1") == 0

    [first] = reminders_to(slack, "UALICE")
    assert f"Priority action #{action.id} of HOT-1 is overdue" in first
    assert "Add alerting for checkout errors" in first and f"/incident action done {action.id}" in first
    assert "sent late" not in first

    bot.clock.set(action.due_at + timedelta(weeks=1))
    assert remind(deps, "w1") == 1
    assert "overdue by 7d" in reminders_to(slack, "UALICE")[-1]

    bot.command(f"action done {action.id}", user="UALICE", channel=channel.id)
    bot.clock.set(action.due_at + timedelta(weeks=2))
    assert remind(deps, "w1") == 0
    assert len(reminders_to(slack, "UALICE")) == 2
    assert [n.due_at for n in nags(deps)] == [action.due_at, action.due_at + timedelta(weeks=1)]
    assert all(n.sent_at is not None and n.recipient_id == "UALICE" for n in nags(deps))


def test_after_weeks_of_downtime_one_late_reminder_not_a_burst(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)

    bot.clock.set(action.due_at + timedelta(weeks=5, days=2))
    assert remind(deps, "w1") == 1
    assert remind(deps, "w1") == 0

    [text] = reminders_to(slack, "UALICE")
    assert "sent late" in text and "overdue by 37d" in text
    [nag] = nags(deps)
    assert nag.late is True and nag.due_at == action.due_at + timedelta(weeks=5)


def test_two_replicas_ticking_at_once_send_each_reminder_once(bot, slack, deps, database_url):
    channel = bot.declare()
    first = add_action(bot, channel)
    add_action(bot, channel, "Add a canary stage to deploys <@UBOB|bob>", kind="improvement")
    replicas = [make_deps(slack, database_url, bot.clock) for _ in range(4)]
    bot.clock.set(first.due_at + timedelta(weeks=20))
    start = threading.Barrier(len(replicas))
    sent: list[int] = []

    def tick(replica, name):
        start.wait()
        sent.append(remind(replica, name))

    threads = [threading.Thread(target=tick, args=(r, f"replica-{i}")) for i, r in enumerate(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 2
    assert len(reminders_to(slack, "UALICE")) == 1 and len(reminders_to(slack, "UBOB")) == 1
    for replica in replicas:
        replica.sessions.kw["bind"].dispose()


def test_a_claim_whose_worker_died_is_sent_by_another_after_the_stale_window(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)
    bot.clock.set(action.due_at)
    reminders.run_due(deps, "w1")
    with deps.sessions.begin() as s:  # w1 claims it and dies before sending
        [claimed] = effects.claim(s, now=bot.clock(), worker="w1")

    bot.clock.advance(minutes=4)
    assert deliver_due(deps, "w2") == 0  # still w1's
    bot.clock.advance(minutes=2)
    assert deliver_due(deps, "w2") == 1
    assert len(reminders_to(slack, "UALICE")) == 1
    [nag] = nags(deps)
    assert nag.id == claimed.id and nag.claimed_by == "w2" and nag.sent_at == bot.clock()


def test_a_slack_error_on_its_side_is_retried_after_a_short_backoff(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)
    bot.clock.set(action.due_at)
    slack.fail_next("chat.postMessage", "internal_error")

    assert remind(deps, "w1") == 0
    [nag] = nags(deps)
    assert nag.sent_at is None and nag.claimed_by is None and nag.error == "internal_error"
    bot.clock.advance(seconds=1)
    assert deliver_due(deps, "w1") == 1
    assert len(reminders_to(slack, "UALICE")) == 1


def test_an_owner_who_cannot_be_reached_is_given_up_not_retried_forever(bot, slack, deps):
    channel = bot.declare()
    action = add_action(bot, channel)
    bot.clock.set(action.due_at)
    slack.fail_next("chat.postMessage", "account_inactive")

    assert remind(deps, "w1") == 0
    [nag] = nags(deps)
    assert nag.sent_at is not None and (nag.outcome, nag.error) == ("failed", "Slack: account_inactive")
    bot.clock.advance(minutes=20)
    assert remind(deps, "w1") == 0
    assert reminders_to(slack, "UALICE") == []


def test_more_overdue_actions_than_one_batch_all_get_their_reminder(bot, slack, deps):
    from storage import actions as storage_actions

    channel = bot.declare()
    made = [add_action(bot, channel, f"Add check number {n} <@UALICE|alice>") for n in range(3)]
    bot.clock.set(made[-1].due_at + timedelta(days=1))

    batches = []
    for _ in range(3):
        with deps.sessions.begin() as s:
            batches.append(storage_actions.plan_reminders(s, now=bot.clock(), limit=2))
    assert batches == [2, 1, 0]
    assert sorted(n.payload["action_id"] for n in nags(deps)) == [a.id for a in made]


def test_a_private_incidents_action_reminder_to_a_non_member_names_only_the_key(bot, slack, deps):
    channel = bot.declare("Payroll data exposed", private=True)
    action = add_action(bot, channel, text="Rotate the payroll export keys <@UALICE|alice>")
    assert "UALICE" not in slack.channels[channel.id].members
    bot.clock.set(action.due_at)

    assert remind(deps) == 1

    [told] = reminders_to(slack, "UALICE")
    assert told.startswith(":alarm_clock: An action of private incident HOT-1 you own is overdue.")
    assert "Rotate" not in told and "payroll" not in told.lower()
    assert not any("Rotate" in m["text"] for m in slack.dm_messages("UALICE"))
    # Once she is in the channel, the next reminder has the details.
    bot.join(channel.id, "UALICE")
    bot.clock.set(action.due_at + timedelta(weeks=1))
    assert remind(deps) == 1
    assert "Rotate the payroll export keys" in reminders_to(slack, "UALICE")[-1]
