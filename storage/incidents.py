"""Incident repository: create with a consecutive key, find, snapshot for the core, roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, configure_mappers, selectinload

from bot.core.declaration import Declaration
from bot.core.incident import PENDING, RESOLVED, IncidentSnapshot, RoleHolder, incident_key
from bot.core.resolve import ResolveTimes
from bot.views.slack_text import mention
from storage import nags, timeline
from storage.models import Counter, Incident, RoleAssignment

INCIDENT_COUNTER = "incident"


def next_number(s: Session) -> int:
    """The next incident number: the counter row is created at 1 or incremented, in one
    statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING). Racing declarations get
    distinct, consecutive numbers.

    On PostgreSQL the increment commits in its own short transaction: inside the
    declaration's, the counter row stayed locked until that whole transaction committed, so
    concurrent declarations queued one behind another (declare form submit p99 243 ms with 8
    clients, 119 ms this way; bench/ack_latency.py). A declaration rolled back afterwards gives
    its number back unless a later declaration has taken the next one meanwhile (then the
    number stays a gap: two incidents never share one). On SQLite the declaration holds the
    one writer lock anyway, and the increment is simply part of it."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Counter).values(name=INCIDENT_COUNTER, value=1)
    statement = statement.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    statement = statement.returning(Counter.value)
    if s.bind.dialect.name == "postgresql":
        bind = s.get_bind()
        engine = getattr(bind, "engine", bind)
        with engine.begin() as own:
            number: int = own.execute(statement).scalar_one()
        _give_back_if_rolled_back(s, engine, number)
        return number
    return s.execute(statement).scalar_one()


def _give_back_if_rolled_back(s: Session, engine: Any, number: int) -> None:
    """If the declaration's transaction rolls back, the counter steps back, but only while it
    still stands at this number. Only that transaction's end counts (the listeners stay on the
    short-lived session but do nothing after it: SQLAlchemy does not let a listener remove
    itself while it runs)."""
    ended = False

    def rolled_back(session: Session) -> None:
        nonlocal ended
        if not ended:
            ended = True
            with engine.begin() as own:
                own.execute(update(Counter).where(Counter.name == INCIDENT_COUNTER, Counter.value == number)
                            .values(value=number - 1))

    def committed(session: Session) -> None:
        nonlocal ended
        ended = True

    event.listen(s, "after_rollback", rolled_back)
    event.listen(s, "after_commit", committed)


def create(
    s: Session, *, declaration: Declaration, prefix: str, reporter_id: str, origin_channel_id: str | None,
    now: datetime, initial_comms_due: datetime,
) -> Incident:
    number = next_number(s)
    incident = Incident(
        number=number,
        key=incident_key(prefix, number),
        summary=declaration.summary,
        impact=declaration.impact,
        severity=declaration.severity,
        status=PENDING,
        faulty_service=declaration.faulty_service,
        affected_products=list(declaration.affected_products),
        private=declaration.private,
        reporter_id=reporter_id,
        origin_channel_id=origin_channel_id,
        declared_at=now,
        next_update_due=initial_comms_due,
        bookmark_ids={},
    )
    # The nag tick looks at a new incident on its next run (it schedules the initial-comms
    # reminders); set before the INSERT, so no UPDATE follows it under the counter's lock.
    nags.look_at(incident, now)
    s.add(incident)
    s.flush()
    return incident


def get(s: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id).options(selectinload(Incident.roles))
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one()


def get_by_channel(s: Session, channel_id: str, *, for_update: bool = False) -> Incident | None:
    query = select(Incident).where(Incident.channel_id == channel_id).options(selectinload(Incident.roles))
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def get_by_key(s: Session, key: str) -> Incident | None:
    return s.scalars(select(Incident).where(func.upper(Incident.key) == key.upper())).one_or_none()


def current_roles(incident: Incident) -> list[RoleAssignment]:
    return [r for r in incident.roles if r.relieved_at is None]


def snapshot_loads() -> tuple[Any, ...]:
    """Loader options for incidents about to become snapshots: their roles and status-page
    link in one query each for the whole page (no query per incident)."""
    configure_mappers()  # the statuspage backref exists once the mappers are configured
    return (selectinload(Incident.roles), selectinload(Incident.statuspage))  # type: ignore[attr-defined]


def snapshot(incident: Incident) -> IncidentSnapshot:
    """The plain view of an incident that the pure core works on."""
    links = {
        kind: url
        for kind, url in (("video", incident.video_url), ("doc", incident.doc_url), ("issue", incident.issue_url))
        if url
    }
    statuspage = getattr(incident, "statuspage", None)  # a backref (storage/models.StatuspageIncident)
    if statuspage is not None and statuspage.shortlink:
        links["statuspage"] = statuspage.shortlink
    return IncidentSnapshot(
        key=incident.key,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        declared_at=incident.declared_at,
        reporter_id=incident.reporter_id,
        impact=incident.impact,
        faulty_service=incident.faulty_service,
        affected_products=tuple(incident.affected_products or ()),
        private=incident.private,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        roles=tuple(RoleHolder(r.role, r.user_id) for r in current_roles(incident)),
        links=links,
        impact_started_at=incident.impact_started_at,
        detected_at=incident.detected_at,
        impact_ended_at=incident.impact_ended_at,
        resolved_at=incident.resolved_at,
        last_update_at=incident.last_update_at,
        next_update_due=incident.next_update_due,
        support_cases=incident.support_cases,
        channel_archived=incident.channel_archived_at is not None,
    )


def open_channels(s: Session) -> list[tuple[int, str, datetime]]:
    """(incident id, channel id, declared at) of every unresolved incident with a channel."""
    rows = s.execute(select(Incident.id, Incident.channel_id, Incident.declared_at)
                     .where(Incident.status != RESOLVED, Incident.channel_id.is_not(None)).order_by(Incident.id))
    return [(i, c, d) for i, c, d in rows]


# -- Changes of a locked incident row (listeners and flows never assign to a row themselves) ---------
def set_status(incident: Incident, status: str) -> None:
    incident.status = status


def set_severity(incident: Incident, severity: int) -> None:
    incident.severity = severity


def set_support_cases(incident: Incident, support_cases: int) -> None:
    """The latest "Support cases" count given in an update or at resolve."""
    incident.support_cases = support_cases


def set_video_url(incident: Incident, url: str) -> None:
    incident.video_url = url


def rename_channel(incident: Incident, name: str) -> str | None:
    """Someone renamed the incident channel; returns the old name."""
    old, incident.channel_name = incident.channel_name, name
    return old


def resolve(incident: Incident, *, status: str, times: ResolveTimes, summary: str, now: datetime) -> None:
    """The handbook's resolve record: start of impact, detection, end of impact, and what fixed it."""
    incident.status = status
    incident.impact_started_at = times.impact_started_at
    incident.detected_at = times.detected_at
    incident.impact_ended_at = times.impact_ended_at
    incident.resolved_at = now
    incident.resolution_summary = summary


def reopen(incident: Incident, *, status: str, next_update_due: datetime) -> None:
    """Back to work: no longer resolved, and the comms deadline restarts."""
    incident.status = status
    incident.resolved_at = None
    incident.next_update_due = next_update_due


def set_detected_at(s: Session, incident_id: int, detected_at: datetime) -> None:
    """When the problem was detected (an alert's start, the message a shortcut declared from)."""
    get(s, incident_id).detected_at = detected_at


def mark_handover_nudged(s: Session, incident_id: int, *, at: datetime) -> None:
    """The incident manager was asked about a handover (once per incident manager)."""
    s.execute(update(Incident).where(Incident.id == incident_id).values(handover_nudged_at=at)
              .execution_options(synchronize_session=False))


def open_ones(s: Session) -> list[Incident]:
    """Incidents not yet resolved, newest first (a shortcut's choice of where a message goes)."""
    return list(s.scalars(select(Incident).where(Incident.status != RESOLVED).order_by(Incident.id.desc()).limit(100)))


# What Slack gave back for an incident's resources (channel, pinned info message, bookmarks,
# announcement): written by the effects that created them, nothing else.
SLACK_COLUMNS = frozenset({"channel_id", "channel_name", "info_message_ts", "bookmark_ids", "announcement_channel_id",
                           "announcement_ts"})


def record_slack_ids(s: Session, incident_id: int, **columns: object) -> None:
    unknown = set(columns) - SLACK_COLUMNS
    if unknown:
        raise ValueError(f"not Slack ids of an incident: {sorted(unknown)}")
    s.execute(update(Incident).where(Incident.id == incident_id).values(**columns)
              .execution_options(synchronize_session=False))


def set_bookmark_id(s: Session, incident_id: int, link: str, bookmark_id: str) -> None:
    """The bookmark of one link (video, doc, issue), kept beside the others (the row is locked:
    two bookmark effects of one incident recording at once keep both IDs)."""
    incident = get(s, incident_id, for_update=True)
    if (incident.bookmark_ids or {}).get(link) != bookmark_id:
        # A new dict, so SQLAlchemy sees the JSON column change.
        incident.bookmark_ids = {**(incident.bookmark_ids or {}), link: bookmark_id}


def follow_archive(s: Session, channel_id: str, *, archived: bool, by: str | None, now: datetime) -> int | None:
    """A person archived (or unarchived) a channel: if it is an incident's, the incident
    records it and its timeline says who. Returns the incident's id when something changed
    (None: not an incident channel, or already so: a redelivered event)."""
    incident = get_by_channel(s, channel_id, for_update=True) if channel_id else None
    if incident is None or (incident.channel_archived_at is not None) == archived:
        return None
    incident.channel_archived_at = now if archived else None
    who = mention(by) if by else "Someone"
    what = "archived" if archived else "unarchived"
    timeline.record_system(s, incident.id, f"{who} {what} the channel #{incident.channel_name}", now=now,
                           actor_id=by, data={"event": f"channel_{what}", "by": by})
    return incident.id


def mark_channel_archived(s: Session, incident_id: int, *, now: datetime) -> None:
    """The bot archived the incident channel itself (ARCHIVE_AFTER): recorded as a person's
    archive is (Slack does not send the bot its own channel_archive event)."""
    s.execute(update(Incident).where(Incident.id == incident_id, Incident.channel_archived_at.is_(None))
              .values(channel_archived_at=now).execution_options(synchronize_session=False))
