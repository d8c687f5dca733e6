"""The numbers that show whether incident response is improving (the handbook's metrics:
severity, time to detect, time to recover, minutes of impact, postmortems and actions done).

Works on plain records and `now`; storage builds the records.

>>> from datetime import datetime, timedelta, timezone
>>> now = datetime(2026, 1, 31, tzinfo=timezone.utc)
>>> start = now - timedelta(days=1)
>>> one = IncidentRecord(severity=2, declared_at=start, impact_started_at=start,
...                      detected_at=start + timedelta(minutes=10), impact_ended_at=start + timedelta(minutes=70))
>>> s = compute_stats([one], [], [], now=now, days=30)
>>> (s.by_severity, s.time_to_detect.mean, s.time_to_recovery.median, s.impact_minutes)
({1: 0, 2: 1, 3: 0}, datetime.timedelta(seconds=600), datetime.timedelta(seconds=4200), 70)
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.handbook import SEVERITIES
from bot.core.postmortem import PostmortemRecord

DEFAULT_DAYS = 30
MAX_DAYS = 3650
APPROVED = "approved"
PRIORITY = "priority"


@dataclass(frozen=True)
class IncidentRecord:
    severity: int
    declared_at: datetime
    impact_started_at: datetime | None = None
    detected_at: datetime | None = None
    impact_ended_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class ActionRecord:
    kind: str
    due_at: datetime
    done_at: datetime | None = None


@dataclass(frozen=True)
class Spread:
    """Mean and median of a set of durations; both None when there is nothing to measure."""

    count: int = 0
    mean: timedelta | None = None
    median: timedelta | None = None


@dataclass(frozen=True)
class Stats:
    days: int
    since: datetime
    declared: int
    resolved: int
    by_severity: dict[int, int] = field(default_factory=dict)
    time_to_detect: Spread = Spread()
    time_to_recovery: Spread = Spread()
    impact_minutes: int = 0
    postmortems_open: int = 0
    postmortems_overdue: int = 0
    priority_actions_open: int = 0
    priority_actions_overdue: int = 0


def parse_days(text: str) -> int:
    """`""` -> 30, `"7"` -> 7; anything else that is not 1..3650 raises ValueError saying why."""
    text = text.strip()
    if not text:
        return DEFAULT_DAYS
    try:
        days = int(text)
    except ValueError:
        raise ValueError(f"`{text}` is not a number of days") from None
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"the number of days must be between 1 and {MAX_DAYS}, not {days}")
    return days


def spread(durations: Iterable[timedelta]) -> Spread:
    values = sorted(durations)
    if not values:
        return Spread()
    seconds = [d.total_seconds() for d in values]
    return Spread(
        count=len(values),
        mean=timedelta(seconds=round(statistics.fmean(seconds))),
        median=timedelta(seconds=round(statistics.median(seconds))),
    )


def time_to_detect(incident: IncidentRecord) -> timedelta | None:
    """TTD: start of impact to detection (None until both are known, or if they are out of order)."""
    if incident.impact_started_at is None or incident.detected_at is None:
        return None
    delta = incident.detected_at - incident.impact_started_at
    return delta if delta >= timedelta(0) else None


def time_to_recovery(incident: IncidentRecord) -> timedelta | None:
    """TTR: start of impact to end of impact."""
    if incident.impact_started_at is None or incident.impact_ended_at is None:
        return None
    delta = incident.impact_ended_at - incident.impact_started_at
    return delta if delta >= timedelta(0) else None


def compute_stats(
    incidents: Iterable[IncidentRecord], postmortems: Iterable[PostmortemRecord], actions: Iterable[ActionRecord],
    *, now: datetime, days: int,
) -> Stats:
    """Incident figures over those declared in the last `days`; postmortems and priority
    actions are the backlog as it stands `now` (what is still to do, whenever it started)."""
    since = now - timedelta(days=days)
    window = [i for i in incidents if since <= i.declared_at <= now]
    by_severity = {level: 0 for level in SEVERITIES}
    for incident in window:
        by_severity[incident.severity] = by_severity.get(incident.severity, 0) + 1
    detect = [d for d in map(time_to_detect, window) if d is not None]
    recover = [d for d in map(time_to_recovery, window) if d is not None]
    open_postmortems = [p for p in postmortems if p.status != APPROVED]
    open_priority = [a for a in actions if a.kind == PRIORITY and a.done_at is None]
    return Stats(
        days=days,
        since=since,
        declared=len(window),
        resolved=sum(1 for i in window if i.resolved_at is not None),
        by_severity=by_severity,
        time_to_detect=spread(detect),
        time_to_recovery=spread(recover),
        impact_minutes=round(sum(d.total_seconds() for d in recover) / 60),
        postmortems_open=len(open_postmortems),
        postmortems_overdue=sum(1 for p in open_postmortems if p.due_at < now),
        priority_actions_open=len(open_priority),
        priority_actions_overdue=sum(1 for a in open_priority if a.due_at <= now),
    )
