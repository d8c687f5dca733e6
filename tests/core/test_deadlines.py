"""Which nags are due, from the incident's deadline columns and `now` (no clock, no DB)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.core.deadlines import NagPolicy, NagState, due_nags, next_nag_at, next_update_due, still_due

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
POLICY = NagPolicy(reminder_lead=timedelta(minutes=10))


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def declared(**kw: object) -> NagState:
    base = NagState(severity=2, status="Pending", reporter_id="UREPORTER", declared_at=T0, comms_deadline=minutes(30))
    return replace(base, **kw)


def kinds(state: NagState, at: datetime, policy: NagPolicy = POLICY) -> list[tuple[str, datetime, str]]:
    return [(n.kind, n.due_at, n.recipient_id) for n in due_nags(state, at, policy)]


def test_nothing_is_due_before_the_reminder_lead():
    assert kinds(declared(), minutes(19)) == []
    assert next_nag_at(declared(), minutes(0), POLICY) == minutes(20)


def test_initial_comms_reminder_goes_to_the_reporter_while_no_im_and_also_to_the_channel():
    [nag] = due_nags(declared(), minutes(20), POLICY)
    assert (nag.kind, nag.due_at, nag.recipient_id) == ("initial_comms_due", minutes(20), "UREPORTER")
    assert nag.tell_channel and not nag.overdue and nag.late_by is None
    assert next_nag_at(declared(), minutes(20), POLICY) == minutes(30)


def test_with_an_im_the_reminder_goes_to_the_im_only():
    state = declared(incident_manager="UALICE", incident_manager_since=minutes(2), status="Fixing")
    [nag] = due_nags(state, minutes(25), POLICY)
    assert nag.recipient_id == "UALICE" and not nag.tell_channel


def test_overdue_repeats_every_reminder_lead_and_always_tells_the_channel():
    state = declared(incident_manager="UALICE", incident_manager_since=minutes(2))
    assert kinds(state, minutes(30)) == [("initial_comms_overdue", minutes(30), "UALICE")]
    assert kinds(state, minutes(39)) == [("initial_comms_overdue", minutes(30), "UALICE")]
    assert kinds(state, minutes(40)) == [("initial_comms_overdue", minutes(40), "UALICE")]
    assert due_nags(state, minutes(40), POLICY)[0].tell_channel
    assert next_nag_at(state, minutes(40), POLICY) == minutes(50)


def test_after_downtime_only_the_newest_point_is_due_and_it_is_late():
    [nag] = due_nags(declared(), minutes(75), POLICY)
    assert (nag.kind, nag.due_at) == ("initial_comms_overdue", minutes(70))
    assert nag.late_by == timedelta(minutes=5)
    assert due_nags(declared(), minutes(70), POLICY)[0].late_by is None


def test_after_the_first_update_the_kinds_are_update_due_and_update_overdue():
    state = declared(last_update_at=minutes(10), comms_deadline=minutes(190))
    assert kinds(state, minutes(180)) == [("update_due", minutes(180), "UREPORTER")]
    assert kinds(state, minutes(195)) == [("update_overdue", minutes(190), "UREPORTER")]


def test_a_promised_update_sooner_than_the_lead_gets_no_immediate_reminder():
    state = declared(last_update_at=minutes(10), comms_deadline=minutes(15))
    assert kinds(state, minutes(10)) == []
    assert next_nag_at(state, minutes(10), POLICY) == minutes(15)


def test_resolved_incidents_and_unnagged_severities_get_no_nags():
    assert due_nags(declared(status="Resolved"), minutes(45), POLICY) == []
    assert next_nag_at(declared(status="Resolved"), minutes(45), POLICY) is None
    sev3 = declared(severity=3)
    assert due_nags(sev3, minutes(45), POLICY) == []
    # Still looked at, so a later severity change to 2 is honoured at the next point.
    assert next_nag_at(sev3, minutes(45), POLICY) == minutes(50)
    assert kinds(replace(sev3, severity=1), minutes(50)) == [("initial_comms_overdue", minutes(50), "UREPORTER")]


def test_nag_severities_come_from_the_policy():
    policy = replace(POLICY, nag_severities=frozenset({1, 2, 3}))
    assert kinds(declared(severity=3), minutes(20), policy) == [("initial_comms_due", minutes(20), "UREPORTER")]


def test_a_nag_goes_stale_when_an_update_moves_the_deadline():
    before = declared()
    nag = due_nags(before, minutes(20), POLICY)[0]
    after = replace(before, last_update_at=minutes(21), comms_deadline=minutes(60))
    assert still_due(before, nag.kind, nag.due_at, minutes(21), POLICY) is not None
    assert still_due(after, nag.kind, nag.due_at, minutes(21), POLICY) is None
    assert still_due(replace(before, status="Resolved"), nag.kind, nag.due_at, minutes(21), POLICY) is None


def test_handover_nudge_is_due_once_after_the_im_held_the_role_long_enough():
    state = declared(incident_manager="UALICE", incident_manager_since=minutes(5), status="Fixing",
                     last_update_at=minutes(200), comms_deadline=minutes(380))
    assert [n.kind for n in due_nags(state, minutes(244), POLICY)] == []
    assert next_nag_at(state, minutes(200), POLICY) == minutes(245)
    [nudge] = due_nags(state, minutes(245), POLICY)
    assert (nudge.kind, nudge.due_at, nudge.recipient_id) == ("handover_nudge", minutes(245), "UALICE")
    asked = replace(state, handover_nudged_at=minutes(245))
    assert due_nags(asked, minutes(300), POLICY) == []
    assert next_nag_at(asked, minutes(300), POLICY) == minutes(370)
    # A new IM (after a handover) is asked again, 4 h after taking the role.
    new_im = replace(asked, incident_manager="UBOB", incident_manager_since=minutes(300))
    assert next_nag_at(new_im, minutes(300), POLICY) == minutes(370)
    assert [n.kind for n in due_nags(new_im, minutes(540), POLICY)][-1] == "handover_nudge"


def test_next_update_deadline_is_the_promise_or_the_interval_whichever_is_sooner():
    interval = timedelta(minutes=180)
    assert next_update_due(minutes(10), minutes(70), interval) == minutes(70)
    assert next_update_due(minutes(10), minutes(400), interval) == minutes(190)
