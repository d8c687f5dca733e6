"""The nag tick with injected time: what the IM (or reporter) and the channel receive, once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.core.deadlines import COMMS_KINDS, HANDOVER_NUDGE
from bot.effects.worker import EffectWorker
from bot.scheduler import nags as nag_job
from bot.views.ids import Action, Callback
from storage import effects
from storage.models import Incident, Effect, RoleAssignment, TimelineEntry
from tests.commands.test_update import update_values
from tests.support import deliver_due, make_deps

NAG_MARK = ":alarm_clock:"


def nag_dms(slack: Any, user: str) -> list[dict[str, Any]]:
    return [m for m in slack.dm_messages(user) if NAG_MARK in json.dumps(m.get("blocks") or [])
            or m["text"].startswith(("Initial communications", "The next comms update"))]


def channel_lines(slack: Any, channel_id: str) -> list[str]:
    return [m["text"] for m in slack.messages_in(channel_id) if m["text"].startswith(NAG_MARK)]


OWN_KINDS = (*COMMS_KINDS, HANDOVER_NUDGE)


def tick(deps: Any, worker: str = "w1") -> int:
    """The nag tick plans, the effect worker delivers: how many nags were sent."""
    nag_job.run_due(deps, worker)
    return deliver_due(deps, worker)


def make_im(deps: Any, user: str = "UALICE", *, at_minutes: float = 0) -> None:
    """Gives the incident an IM the way the role verb stores it (status Fixing)."""
    with deps.sessions.begin() as s:
        incident = s.scalars(select(Incident)).one()
        incident.status = "Fixing"
        s.add(RoleAssignment(incident_id=incident.id, role="incident-manager", user_id=user, assigned_by=user,
                             assigned_at=incident.declared_at + timedelta(minutes=at_minutes)))


def at(bot: Any, minutes: float) -> None:
    """Moves the clock to `minutes` after the declaration."""
    with bot.deps.sessions() as s:
        declared = s.scalars(select(Incident.declared_at)).one()
    bot.clock.set(declared + timedelta(minutes=minutes))


def rows(deps: Any) -> list[tuple[str, int, bool, bool]]:
    """(kind, minutes after declaration, sent, skipped) for every nag row."""
    with deps.sessions() as s:
        declared = s.scalars(select(Incident.declared_at)).one()
        return [(n.kind, int((n.due_at - declared).total_seconds() // 60), n.sent_at is not None,
                 n.outcome == "skipped")
                for n in s.scalars(select(Effect).where(Effect.kind.in_(OWN_KINDS)).order_by(Effect.due_at, Effect.id))]


def test_reporter_is_reminded_lead_before_initial_comms_and_the_channel_hears_it_too(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    at(bot, 19)
    tick(deps)
    assert nag_dms(slack, "UREPORTER") == []

    at(bot, 20)
    assert tick(deps) == 1

    [dm] = nag_dms(slack, "UREPORTER")
    everything = json.dumps(dm["blocks"])
    assert "Initial communications for *HOT-1*" in everything and f"<#{channel.id}>" in everything
    assert "<!date^" in everything and "{date_short_pretty} at {time}" in everything and "UTC>" in everything
    assert "(in 10m)" in everything
    for question in ("Have we described the actual impact on customers?",
                     "Did we say how many internal and external customers are affected?",
                     "If the root cause is known, what is it?", "If there is an ETA for restoration, what is it?",
                     "When & where will the next update be?"):
        assert question in everything
    assert any(e.get("action_id") == Action.OPEN_UPDATE for b in dm["blocks"] if b["type"] == "actions"
               for e in b["elements"])
    [line] = channel_lines(slack, channel.id)
    assert "HOT-1" in line and "Nobody holds the incident manager role" in line
    tick(deps)
    assert len(nag_dms(slack, "UREPORTER")) == 1


def test_the_im_gets_the_reminder_alone_then_overdue_dm_and_channel_line_every_lead(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=1)
    make_im(deps, "UALICE", at_minutes=1)
    for minute in range(0, 51):
        at(bot, minute)
        tick(deps)

    texts = [m["text"] for m in nag_dms(slack, "UALICE")]
    assert len(texts) == 4
    assert texts[0].startswith("Initial communications for HOT-1 are due")
    assert all("overdue" in t for t in texts[1:])
    assert ["overdue by 10m" in texts[2], "overdue by 20m" in texts[3]] == [True, True]
    assert nag_dms(slack, "UREPORTER") == []
    lines = channel_lines(slack, channel.id)
    assert len(lines) == 3 and all("<@UALICE>" in line and "overdue" in line for line in lines)
    assert rows(deps) == [("initial_comms_due", 20, True, False), ("initial_comms_overdue", 30, True, False),
                              ("initial_comms_overdue", 40, True, False), ("initial_comms_overdue", 50, True, False)]


def test_an_update_satisfies_the_deadline_and_the_next_nags_follow_the_new_one(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    make_im(deps, "UALICE")
    at(bot, 25)
    tick(deps)
    assert len(nag_dms(slack, "UALICE")) == 1
    bot.command("update", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.UPDATE), update_values(deps.now() + timedelta(minutes=60)), user="UALICE")

    for minute in range(26, 95):
        at(bot, minute)
        tick(deps)

    texts = [m["text"] for m in nag_dms(slack, "UALICE")]
    assert len(texts) == 3
    assert texts[1].startswith("The next comms update for HOT-1 is due")
    assert "is *overdue*." in texts[2] and "overdue by" not in texts[2]
    assert [r[:2] for r in rows(deps)] == [("initial_comms_due", 20), ("update_due", 75), ("update_overdue", 85)]


def test_a_nag_made_stale_by_an_update_is_not_sent(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    at(bot, 20)
    bot.auto_deliver = False
    nag_job.plan(deps, deps.now(), nag_job.policy(deps.settings))  # the row exists, unsent
    bot.command("update", user="UREPORTER", channel=channel.id)
    bot.submit(bot.last_view(Callback.UPDATE), update_values(deps.now() + timedelta(minutes=60)),
               user="UREPORTER")

    tick(deps)
    assert nag_dms(slack, "UREPORTER") == []
    assert rows(deps) == [("initial_comms_due", 20, True, True)]


def test_a_claimed_nag_is_rechecked_at_send_time(bot, slack, deps):
    bot.declare("Checkout fails")
    at(bot, 20)
    nag_job.plan(deps, deps.now(), nag_job.policy(deps.settings))
    with deps.sessions.begin() as s:
        [nag] = effects.claim(s, now=deps.now(), worker="w1")
        s.execute(update(Incident).values(status="Resolved"))
    assert EffectWorker(deps, "w1").deliver(nag) == "skipped"
    assert nag_dms(slack, "UREPORTER") == []
    assert rows(deps) == [("initial_comms_due", 20, True, True)]


def test_resolved_incidents_get_no_nags_even_if_only_the_status_changed(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    at(bot, 5)
    tick(deps)
    with deps.sessions.begin() as s:
        s.execute(update(Incident).values(status="Resolved"))
    for minute in range(5, 60, 5):
        at(bot, minute)
        tick(deps)
    assert nag_dms(slack, "UREPORTER") == [] and channel_lines(slack, channel.id) == []
    with deps.sessions() as s:
        assert s.scalars(select(Incident.next_nag_at)).one() is None


def test_severity_changes_are_respected_at_tick_time(bot, slack, deps):
    bot.declare("Checkout is slow", severity=3)
    at(bot, 25)
    tick(deps)
    assert nag_dms(slack, "UREPORTER") == []
    with deps.sessions.begin() as s:
        s.execute(update(Incident).values(severity=2))
    at(bot, 30)
    tick(deps)
    [dm] = nag_dms(slack, "UREPORTER")
    assert "are *overdue*." in dm["text"]
    with deps.sessions.begin() as s:
        s.execute(update(Incident).values(severity=3))
    at(bot, 40)
    tick(deps)
    assert len(nag_dms(slack, "UREPORTER")) == 1


def test_a_deactivated_im_is_replaced_by_a_line_in_the_channel(bot, slack, deps):
    slack.add_user("UGONE", "gone", deleted=True)
    channel = bot.declare("Checkout fails")
    make_im(deps, "UGONE")
    at(bot, 20)
    tick(deps)
    assert nag_dms(slack, "UGONE") == []
    [line] = channel_lines(slack, channel.id)
    assert "<@UGONE> cannot be reached" in line


def test_a_dm_slack_refuses_falls_back_to_the_channel(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    make_im(deps, "UALICE")
    at(bot, 20)
    slack.fail_next("chat.postMessage", "channel_not_found")
    tick(deps)
    assert nag_dms(slack, "UALICE") == []
    [line] = channel_lines(slack, channel.id)
    assert "<@UALICE> cannot be reached" in line
    with deps.sessions() as s:
        assert s.scalars(select(Effect.result).where(Effect.kind.in_(OWN_KINDS))).one()["delivered"] == ["channel"]


def test_the_im_is_asked_once_about_a_handover_after_four_hours(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    make_im(deps, "UALICE", at_minutes=2)
    with deps.sessions.begin() as s:  # comms kept up to date, so only the nudge is due
        s.execute(update(Incident).values(last_update_at=s.scalars(select(Incident.declared_at)).one(),
                                          next_update_due=s.scalars(select(Incident.declared_at)).one()
                                          + timedelta(hours=10)))
    for minute in (100, 241, 242, 243, 300, 400):
        at(bot, minute)
        tick(deps)
    nudges = [m for m in slack.dm_messages("UALICE") if "handover" in m["text"]]
    assert len(nudges) == 1
    assert "HOT-1" in nudges[0]["text"] and "/incident handover @user" in nudges[0]["text"]
    assert "for 4h" in nudges[0]["text"]
    with deps.sessions() as s:
        assert s.scalars(select(Incident.handover_nudged_at)).one() is not None
        assert [e.data["event"] for e in s.scalars(select(TimelineEntry))][-1] == "handover_nudge"
    assert channel.id


def test_two_schedulers_on_one_database_send_each_nag_exactly_once(bot, slack, deps, database_url):
    for n in range(4):
        bot.declare(f"Incident number {n}", severity=1 + n % 2)
    replica = make_deps(slack, database_url, bot.clock)
    try:
        with deps.sessions() as s:
            declared = min(s.scalars(select(Incident.declared_at)))
        for minute in range(0, 46, 1):
            bot.clock.set(declared + timedelta(minutes=minute))
            start = threading.Barrier(2)

            def run(svc: Any, worker: str) -> None:
                start.wait()
                nag_job.run_due(svc, worker)
                deliver_due(svc, worker)

            threads = [threading.Thread(target=run, args=(svc, w)) for svc, w in ((deps, "a"), (replica, "b"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
    finally:
        replica.sessions.kw["bind"].dispose()

    dms = nag_dms(slack, "UREPORTER")
    with deps.sessions() as s:
        sent = list(s.scalars(select(Effect).where(Effect.sent_at.is_not(None), Effect.kind.in_(OWN_KINDS))))
        claimers = {n.claimed_by for n in sent}
    # Per incident: reminder at 20, overdue at 30 and 40.
    assert len(sent) == 12 and len(dms) == 12
    assert len({(n.incident_id, n.kind, n.due_at) for n in sent}) == 12
    assert claimers <= {"a", "b"}


def test_restart_across_the_deadline_sends_the_missed_nag_once_late_and_repeats_nothing(
        bot, slack, deps, database_url):
    channel = bot.declare("Checkout fails")
    make_im(deps, "UALICE")
    at(bot, 20)
    tick(deps)
    # The process plans the 30-minute overdue nag and is killed before it claims it.
    at(bot, 30)
    nag_job.plan(deps, deps.now(), nag_job.policy(deps.settings))
    deps.sessions.kw["bind"].dispose()

    # Down for 45 minutes; a fresh process (new engine, new Slack client) starts ticking.
    at(bot, 75)
    restarted = make_deps(slack, database_url, bot.clock)
    try:
        assert tick(restarted, "restarted") == 1
        for minute in (75, 76, 77):
            at(bot, minute)
            tick(restarted, "restarted")
    finally:
        restarted.sessions.kw["bind"].dispose()

    texts = [m["text"] for m in nag_dms(slack, "UALICE")]
    assert len(texts) == 2
    assert "overdue by 45m" in texts[1] and "This reminder is 5m late" in texts[1]
    lines = channel_lines(slack, channel.id)
    assert len(lines) == 1 and "5m late" in lines[0]
    assert rows(deps) == [("initial_comms_due", 20, True, False), ("initial_comms_overdue", 30, True, True),
                              ("initial_comms_overdue", 70, True, False)]
    with deps.sessions() as s:
        late = s.scalars(select(Effect).where(Effect.due_at == max(s.scalars(select(Effect.due_at))))).one()
        assert late.late and late.claimed_by == "restarted"


def test_a_nag_claimed_by_a_process_that_died_is_taken_over_and_sent_once(bot, slack, deps):
    bot.declare("Checkout fails")
    at(bot, 20)
    nag_job.plan(deps, deps.now(), nag_job.policy(deps.settings))
    with deps.sessions.begin() as s:
        # Worker w1 claims the nag and dies before sending it.
        [claimed] = effects.claim(s, now=deps.now(), worker="w1")
    assert tick(deps, "w2") == 0, "a fresh claim belongs to its worker"

    at(bot, 26)  # the claim is older than STALE_CLAIM (5 minutes)
    assert tick(deps, "w2") == 1
    assert tick(deps, "w3") == 0
    [dm] = nag_dms(slack, "UREPORTER")
    assert "HOT-1" in dm["text"]
    with deps.sessions() as s:
        nag = s.get(Effect, claimed.id)
        assert (nag.claimed_by, nag.sent_at is not None) == ("w2", True)


def test_an_archived_incident_channel_does_not_stop_the_dm(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    slack.channels[channel.id].is_archived = True
    at(bot, 20)
    assert tick(deps) == 1
    [dm] = nag_dms(slack, "UREPORTER")
    assert "HOT-1" in dm["text"]
    assert rows(deps) == [("initial_comms_due", 20, True, False)]
