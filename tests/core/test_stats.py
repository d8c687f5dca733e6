from datetime import datetime, timedelta, timezone

import pytest

from bot.core.postmortem import PostmortemRecord
from bot.core.stats import (
    ActionRecord, IncidentRecord, compute_stats, parse_days, time_to_detect, time_to_recovery,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def incident(severity, *, days_ago, ttd=None, ttr=None, resolved=True):
    start = NOW - timedelta(days=days_ago)
    return IncidentRecord(
        severity=severity, declared_at=start + timedelta(minutes=1), impact_started_at=start,
        detected_at=start + timedelta(minutes=ttd) if ttd is not None else None,
        impact_ended_at=start + timedelta(minutes=ttr) if ttr is not None else None,
        resolved_at=start + timedelta(minutes=ttr or 0) if resolved else None,
    )


def test_counts_means_medians_and_impact_over_the_window():
    records = [
        incident(1, days_ago=1, ttd=5, ttr=60),
        incident(2, days_ago=2, ttd=10, ttr=90),
        incident(2, days_ago=3, ttd=30, ttr=240),
        incident(3, days_ago=4, resolved=False),  # still open: counted, no times
        incident(1, days_ago=45, ttd=1, ttr=1000),  # outside 30 days
    ]
    stats = compute_stats(records, [], [], now=NOW, days=30)
    assert stats.declared == 4 and stats.resolved == 3
    assert stats.by_severity == {1: 1, 2: 2, 3: 1}
    assert stats.time_to_detect.mean == timedelta(minutes=15)
    assert stats.time_to_detect.median == timedelta(minutes=10)
    assert stats.time_to_recovery.mean == timedelta(minutes=130)
    assert stats.time_to_recovery.median == timedelta(minutes=90)
    assert stats.impact_minutes == 390
    wider = compute_stats(records, [], [], now=NOW, days=60)
    assert wider.declared == 5 and wider.impact_minutes == 1390


def test_even_count_median_is_the_middle_pair_mean():
    records = [incident(2, days_ago=1, ttd=10, ttr=20), incident(2, days_ago=1, ttd=20, ttr=40)]
    stats = compute_stats(records, [], [], now=NOW, days=30)
    assert stats.time_to_detect.median == timedelta(minutes=15)
    assert stats.time_to_recovery.median == timedelta(minutes=30)


def test_no_times_means_no_figures_not_zero():
    stats = compute_stats([incident(3, days_ago=1, resolved=False)], [], [], now=NOW, days=30)
    assert stats.time_to_detect.count == 0 and stats.time_to_detect.mean is None
    assert stats.impact_minutes == 0


def test_out_of_order_times_are_not_measured():
    broken = IncidentRecord(2, NOW, impact_started_at=NOW, detected_at=NOW - timedelta(minutes=5),
                            impact_ended_at=NOW - timedelta(minutes=1))
    assert time_to_detect(broken) is None and time_to_recovery(broken) is None


def postmortem(status: str, due_at: datetime) -> PostmortemRecord:
    return PostmortemRecord(owner_id="UOWN", status=status, created_at=due_at - timedelta(days=5), due_at=due_at)


def test_postmortem_and_priority_action_backlog():
    postmortems = [
        postmortem("draft", NOW - timedelta(days=1)),
        postmortem("in_review", NOW + timedelta(days=2)),
        postmortem("approved", NOW - timedelta(days=9)),
    ]
    actions = [
        ActionRecord("priority", NOW - timedelta(days=1)),
        ActionRecord("priority", NOW + timedelta(days=1)),
        ActionRecord("priority", NOW - timedelta(days=3), done_at=NOW - timedelta(days=4)),
        ActionRecord("improvement", NOW - timedelta(days=3)),
    ]
    stats = compute_stats([], postmortems, actions, now=NOW, days=30)
    assert (stats.postmortems_open, stats.postmortems_overdue) == (2, 1)
    assert (stats.priority_actions_open, stats.priority_actions_overdue) == (2, 1)


@pytest.mark.parametrize("text, days", [("", 30), (" 7 ", 7), ("1", 1), ("3650", 3650)])
def test_parse_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text, message", [
    ("abc", "not a number"), ("0", "between 1 and 3650"), ("-5", "between 1 and 3650"), ("3651", "between 1 and 3650"),
    ("7.5", "not a number"),
])
def test_parse_days_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_days(text)
