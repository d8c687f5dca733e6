from datetime import datetime, timedelta, timezone

import pytest

from bot.core.actions import (
    ActionInputError, AddAction, CloseAction, ListActions, action_due, parse_action_command, phrasing_hint,
    reminder_due, starts_with_verb,
)
from bot.core.handbook import ACTION_ADVICE

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("args, expected", [
    ("", ListActions()),
    ("list", ListActions()),
    ("done 3", CloseAction(3)),
    ("done #12", CloseAction(12)),
    ("priority Add alerting on checkout errors", AddAction("priority", "Add alerting on checkout errors", None)),
    ("Improvement Rotate the on-call pager <@U123|alice>", AddAction("improvement", "Rotate the on-call pager", "U123")),
    ("priority Fix the pool <@W9ABC>", AddAction("priority", "Fix the pool", "W9ABC")),
    # A mention inside the text is part of the text; only a trailing one names the owner.
    ("priority Ask <@U1|bob> to add a canary", AddAction("priority", "Ask <@U1|bob> to add a canary", None)),
])
def test_parse_action_command(args, expected):
    assert parse_action_command(args) == expected


@pytest.mark.parametrize("args, message", [
    ("urgent Fix it", "`urgent` is not a kind of action"),
    ("priority", "Say what the action is"),
    ("priority <@U123|alice>", "Say what the action is"),
    ("done", "Say which action to close"),
    ("done three", "Say which action to close"),
    ("done 1 2", "Say which action to close"),
    ("priority Fix the pool @alice", "I can't tell who @alice is"),
    ("priority " + "x" * 501, "under 500 characters"),
])
def test_parse_refuses_with_the_reason(args, message):
    with pytest.raises(ActionInputError, match=message):
        parse_action_command(args)


def test_due_dates_follow_the_kind_and_the_settings():
    assert action_due("priority", NOW, priority_weeks=8, improvement_weeks=12) == NOW + timedelta(weeks=8)
    assert action_due("priority", NOW, priority_weeks=4, improvement_weeks=12) == NOW + timedelta(days=28)
    assert action_due("improvement", NOW, priority_weeks=8, improvement_weeks=12) == NOW + timedelta(weeks=12)


def test_reminder_periods_start_at_the_due_time_then_weekly():
    due = NOW
    assert reminder_due(due, NOW - timedelta(seconds=1)) is None
    assert reminder_due(due, NOW) == due
    assert reminder_due(due, NOW + timedelta(days=6, hours=23)) == due
    assert reminder_due(due, NOW + timedelta(days=7)) == due + timedelta(weeks=1)
    # Down for 5 weeks: one reminder for the current period, not five.
    assert reminder_due(due, NOW + timedelta(weeks=5, days=2)) == due + timedelta(weeks=5)


@pytest.mark.parametrize("text, verb", [
    ("Add alerting for all cases where this service returns >1% errors", True),
    ("add automated pre-submit check for schema changes", True),
    ("Handle invalid postal code in user address form input safely", True),
    ("Monitoring for this scenario", False),
    ("The connection pool leak", False),
    ("Database migration checks", False),
    ("", False),
])
def test_starts_with_verb(text, verb):
    assert starts_with_verb(text) is verb


def test_hint_quotes_the_handbook_advice_when_no_verb():
    hint = phrasing_hint("Monitoring for this scenario")
    assert hint is not None and "starting with a verb" in hint
    for advice in ACTION_ADVICE:
        assert advice.quality in hint and advice.good in hint
    assert phrasing_hint("Add alerting on checkout errors") is None


def test_hint_for_a_process_verb():
    hint = phrasing_hint("Investigate monitoring for this scenario")
    assert hint is not None and "describes a process" in hint
