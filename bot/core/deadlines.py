"""Which nags are due: a function of the incident's deadline columns, `now` and the policy.

The comms deadline (`incidents.next_update_due`) has a fixed series of nag points:
a reminder at `deadline - REMINDER_LEAD`, then "overdue" at the deadline and again every
`REMINDER_LEAD` until an update moves the deadline. Each point is identified by
(kind, due_at), the nags table's unique key, so any number of ticks agree on it.

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
>>> policy = NagPolicy(reminder_lead=timedelta(minutes=10))
>>> state = NagState(severity=2, status="Pending", reporter_id="U1", declared_at=t0,
...                  comms_deadline=t0 + timedelta(minutes=30))
>>> [(n.kind, n.due_at.strftime("%H:%M")) for n in due_nags(state, t0 + timedelta(minutes=21), policy)]
[('initial_comms_due', '12:20')]
>>> next_nag_at(state, t0 + timedelta(minutes=21), policy).strftime("%H:%M")
'12:30'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

RESOLVED = "Resolved"
INITIAL_COMMS, UPDATE = "initial_comms", "update"
HANDOVER_NUDGE = "handover_nudge"
# Every kind that belongs to the comms deadline: a newer point of it supersedes an older one.
COMMS_KINDS = (f"{INITIAL_COMMS}_due", f"{INITIAL_COMMS}_overdue", f"{UPDATE}_due", f"{UPDATE}_overdue")
# Overdue nags repeat every REMINDER_LEAD; a zero lead would repeat endlessly, so at least this.
MIN_REPEAT = timedelta(minutes=1)


@dataclass(frozen=True)
class NagPolicy:
    """The settings that shape nags (built from Settings by the scheduler)."""

    reminder_lead: timedelta
    nag_severities: frozenset[int] = frozenset({1, 2})
    handover_nudge_after: timedelta = timedelta(hours=4)
    # A nag sent this long after its point is "late" (the bot was down or stuck) and says so.
    late_after: timedelta = timedelta(minutes=1)

    @property
    def repeat(self) -> timedelta:
        return max(self.reminder_lead, MIN_REPEAT)


@dataclass(frozen=True)
class NagState:
    """What the deadlines depend on, read from the incident row and its current IM."""

    severity: int
    status: str
    reporter_id: str
    declared_at: datetime
    comms_deadline: datetime | None
    last_update_at: datetime | None = None
    incident_manager: str | None = None
    incident_manager_since: datetime | None = None
    handover_nudged_at: datetime | None = None

    @property
    def first_update_posted(self) -> bool:
        return self.last_update_at is not None


@dataclass(frozen=True)
class DueNag:
    kind: str
    due_at: datetime
    recipient_id: str
    # The deadline this nag is about (for the handover nudge: when the IM took the role).
    deadline: datetime
    overdue: bool = False
    # Also a line in the incident channel: overdue, or nobody holds the IM role.
    tell_channel: bool = False
    late_by: timedelta | None = None

    @property
    def is_comms(self) -> bool:
        return self.kind in COMMS_KINDS


def comms_kind(state: NagState, *, overdue: bool) -> str:
    prefix = UPDATE if state.first_update_posted else INITIAL_COMMS
    return f"{prefix}_{'overdue' if overdue else 'due'}"


def _reminder_point(state: NagState, deadline: datetime, policy: NagPolicy) -> datetime | None:
    """`deadline - lead`, unless that is not after the last update (or the declaration):
    someone who just promised an update in 5 minutes is not reminded of it at once."""
    if policy.reminder_lead <= timedelta(0):
        return None
    point = deadline - policy.reminder_lead
    since = state.last_update_at or state.declared_at
    return point if point > since else None


def _latest_comms_point(state: NagState, now: datetime, policy: NagPolicy) -> tuple[datetime, bool] | None:
    """The newest point of the deadline's series at or before `now`: (due_at, overdue)."""
    deadline = state.comms_deadline
    if deadline is None:
        return None
    if now >= deadline:
        repeats = (now - deadline) // policy.repeat
        return deadline + repeats * policy.repeat, True
    reminder = _reminder_point(state, deadline, policy)
    if reminder is not None and now >= reminder:
        return reminder, False
    return None


def _next_comms_point(state: NagState, now: datetime, policy: NagPolicy) -> datetime | None:
    deadline = state.comms_deadline
    if deadline is None:
        return None
    if now >= deadline:
        return deadline + ((now - deadline) // policy.repeat + 1) * policy.repeat
    reminder = _reminder_point(state, deadline, policy)
    if reminder is not None and now < reminder:
        return reminder
    return deadline


def _handover_point(state: NagState, policy: NagPolicy) -> datetime | None:
    """When the current IM should be asked about a handover; None once asked."""
    if state.incident_manager is None or state.incident_manager_since is None:
        return None
    if state.handover_nudged_at is not None and state.handover_nudged_at >= state.incident_manager_since:
        return None
    return state.incident_manager_since + policy.handover_nudge_after


def _nagged(state: NagState, policy: NagPolicy) -> bool:
    return state.status != RESOLVED and state.severity in policy.nag_severities


def _late_by(due_at: datetime, now: datetime, policy: NagPolicy) -> timedelta | None:
    lateness = now - due_at
    return lateness if lateness >= policy.late_after else None


def due_nags(state: NagState, now: datetime, policy: NagPolicy) -> list[DueNag]:
    """The nags to send now: at most one for the comms deadline (the newest point: missed
    earlier points are superseded, never sent in a burst) and the handover nudge."""
    if not _nagged(state, policy):
        return []
    due: list[DueNag] = []
    latest = _latest_comms_point(state, now, policy)
    if latest is not None and state.comms_deadline is not None:
        due_at, overdue = latest
        due.append(DueNag(
            kind=comms_kind(state, overdue=overdue), due_at=due_at,
            recipient_id=state.incident_manager or state.reporter_id, deadline=state.comms_deadline,
            overdue=overdue, tell_channel=overdue or state.incident_manager is None,
            late_by=_late_by(due_at, now, policy),
        ))
    handover_at = _handover_point(state, policy)
    if handover_at is not None and now >= handover_at and state.incident_manager and state.incident_manager_since:
        due.append(DueNag(
            kind=HANDOVER_NUDGE, due_at=handover_at, recipient_id=state.incident_manager,
            deadline=state.incident_manager_since, late_by=_late_by(handover_at, now, policy),
        ))
    return due


def still_due(state: NagState, kind: str, due_at: datetime, now: datetime, policy: NagPolicy) -> DueNag | None:
    """At send time: the nag (kind, due_at) as it stands now, or None when it went stale
    (an update moved the deadline, the incident was resolved or its severity changed)."""
    for nag in due_nags(state, now, policy):
        if nag.kind == kind and nag.due_at == due_at:
            return nag
    return None


def next_nag_at(state: NagState, now: datetime, policy: NagPolicy) -> datetime | None:
    """When the scheduler must look at the incident again; None when nothing can be due.

    Points of the comms series are kept even for severities that are not nagged, so a
    severity change made by another command is noticed at the next point."""
    if state.status == RESOLVED:
        return None
    candidates = [_next_comms_point(state, now, policy)]
    handover_at = _handover_point(state, policy)
    if handover_at is not None:
        # A nudge already due (e.g. a severity that is not nagged) is looked at again later.
        candidates.append(handover_at if handover_at > now else now + policy.repeat)
    points = [p for p in candidates if p is not None]
    return min(points) if points else None


def next_update_due(posted_at: datetime, promised: datetime, update_interval: timedelta) -> datetime:
    """The deadline after an update: the promised time, or UPDATE_INTERVAL after it if sooner."""
    return min(promised, posted_at + update_interval)
