"""Tables. Deadlines are columns (the scheduler only ticks); every state change is a row
on the append-only timeline; every side effect that must happen once has a unique key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship

from storage.types import UTCDateTime

# Named constraints: SQLite batch migrations can only drop what has a name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Counter(Base):
    """Named sequences; incident numbers come from here so keys stay consecutive."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), index=True)
    faulty_service: Mapped[str] = mapped_column(String(255), default="Unknown")
    affected_products: Mapped[list[Any]] = mapped_column(default=list)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[str] = mapped_column(String(32))
    origin_channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    info_message_ts: Mapped[str | None] = mapped_column(String(32))
    announcement_channel_id: Mapped[str | None] = mapped_column(String(32))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    video_url: Mapped[str | None] = mapped_column(String(3000))
    doc_url: Mapped[str | None] = mapped_column(String(3000))
    issue_url: Mapped[str | None] = mapped_column(String(3000))
    # Slack bookmark IDs by link kind, so setting a link again edits the bookmark.
    bookmark_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # Indexed: stats reads the incidents declared in its window.
    declared_at: Mapped[datetime] = mapped_column(index=True)
    impact_started_at: Mapped[datetime | None]
    detected_at: Mapped[datetime | None]
    impact_ended_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    # The latest "Support cases" count from an update or the resolve form (the handbook's impact).
    support_cases: Mapped[int | None]
    last_update_at: Mapped[datetime | None]
    # The comms deadline: initial comms until the first update, then the next update.
    next_update_due: Mapped[datetime | None]
    # When the scheduler should next look at this incident; NULL when nothing can be due.
    next_nag_at: Mapped[datetime | None] = mapped_column(index=True)
    handover_nudged_at: Mapped[datetime | None]
    # When channel_members was filled from conversations.members; events keep it current.
    members_synced_at: Mapped[datetime | None]
    # Set while a person has the incident channel archived (channel_archive / group_archive
    # events): effects aimed at the channel stop with that reason instead of trying Slack.
    channel_archived_at: Mapped[datetime | None]

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", order_by="RoleAssignment.id", cascade="all, delete-orphan"
    )


class ChannelMember(Base):
    """Who is in an incident channel, kept by member_joined_channel / member_left_channel
    and seeded at declaration: authority and private listings read it, never Slack."""

    __tablename__ = "channel_members"
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    joined_at: Mapped[datetime]


class RoleAssignment(Base):
    """Who holds (or held) which role; `relieved_at IS NULL` means holds it now."""

    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_current", "incident_id", "role", "relieved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime]
    relieved_at: Mapped[datetime | None]
    relieved_by: Mapped[str | None] = mapped_column(String(32))

    incident: Mapped[Incident] = relationship(back_populates="roles")


class TimelineEntry(Base):
    """The append-only incident timeline: system changes, notes, reacted messages."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_incident_time", "incident_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    # system, note, observation, change, decision, update, ...
    kind: Mapped[str] = mapped_column(String(32))
    # system, command, reaction, message
    source: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(3000))
    # e.g. "reaction:C123:1700000000.000100:observation"; NULL for entries that cannot repeat
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProcessedEvent(Base):
    """Slack retries and Socket Mode redelivers: an effect is keyed here before it counts."""

    __tablename__ = "processed_events"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # Indexed: housekeeping drops keys older than a day on every tick.
    received_at: Mapped[datetime] = mapped_column(index=True)


class Effect(Base):
    """Something that must reach the outside world (a Slack post, DM, topic, pin, archive, a
    reminder, a page...): written in the transaction of the change that causes it, then
    claimed once, delivered, retried on transient errors, stopped with a reason on permanent
    ones (the transactional outbox; bot/effects/ delivers). `due_at` in the future makes it
    a reminder. The table was `nags`: reminders were the first effects."""

    __tablename__ = "effects"
    __table_args__ = (
        # The worker looks only at pending rows: its cost follows what is due, not history.
        Index("ix_effects_pending", "attempt_at", postgresql_where=text("sent_at IS NULL"),
              sqlite_where=text("sent_at IS NULL")),
        Index("ix_effects_ordering", "ordering_key", "id", postgresql_where=text("sent_at IS NULL"),
              sqlite_where=text("sent_at IS NULL")),
        Index("ix_effects_incident", "incident_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    # When it is meant to happen (now, or a reminder's time); `late` is measured from here.
    due_at: Mapped[datetime]
    # When the next attempt may run: due_at at first, later than it after a transient error.
    attempt_at: Mapped[datetime]
    recipient_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # Done (sent, skipped or failed for good); NULL while pending.
    sent_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Effects sharing a key go out one at a time in id order (the channel exists before its topic).
    ordering_key: Mapped[str | None] = mapped_column(String(128))
    # At most one effect per key: a reminder per (incident, kind, due time), a vendor call per change.
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # sent, skipped, failed; NULL while pending.
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Who is told (one DM) when it fails for good.
    tell: Mapped[str | None] = mapped_column(String(32))


class CommsUpdate(Base):
    """A posted comms update (the handbook's 5-point checklist)."""

    __tablename__ = "comms_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime]
    next_update_at: Mapped[datetime]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel_ts: Mapped[str | None] = mapped_column(String(32))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))


class Postmortem(Base):
    __tablename__ = "postmortems"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    # draft, in_review, approved
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    approved_at: Mapped[datetime | None]
    cause_category: Mapped[str | None] = mapped_column(String(32))
    # Handbook field key -> text, see bot.core.handbook.POSTMORTEM_FIELDS.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approvers: Mapped[list[Any]] = mapped_column(default=list)


class PostmortemReview(Base):
    __tablename__ = "postmortem_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[str] = mapped_column(String(32))
    # approved, changes_requested
    decision: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime]


class Action(Base):
    """A postmortem action: priority (SLO 4 or 8 weeks) or improvement."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_open_due", "done_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # One of the handbook's six action categories (investigate ... prevent future); NULL on old rows.
    category: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))


class ChannelMessage(Base):
    """A message seen in an incident channel (Events API or a catch-up read), so a reaction
    on it costs no Slack read. Kept MESSAGE_RETENTION after it was posted (housekeeping)."""

    __tablename__ = "channel_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", name="uq_channel_messages_channel_ts"),
        Index("ix_channel_messages_posted_at", "posted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    # The thread's parent ts for a reply; NULL for a top-level message.
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    # The bot's or another app's message (never a person writing a prefix).
    from_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    # Titles of shared files, shown with the text on the timeline.
    files: Mapped[list[Any] | None] = mapped_column(JSON)
    posted_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
class AlertGroup(Base):
    """An Alertmanager alert group (one `groupKey`) while it is open: its card in the
    incidents channel and, once declared, its incident. `open_key` is the group's hash while
    open and NULL after, so one open group never gets a second card (a unique column, NULLs
    apart, on SQLite and PostgreSQL alike)."""

    __tablename__ = "alert_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_hash: Mapped[str] = mapped_column(String(64), index=True)
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    group_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    card_channel_id: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)


class Page(Base):
    """A PagerDuty page this incident sent: resolving the incident resolves each of them."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("incident_id", "dedup_key", name="uq_pages_incident_dedup_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(255))
    routing_key: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(255))
    paged_by: Mapped[str | None] = mapped_column(String(32))
    triggered_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # Who PagerDuty says is on call for the service: [{"name", "email", "slack_id"}], once looked up.
    on_call: Mapped[list[Any] | None] = mapped_column(JSON)


class StatuspageIncident(Base):
    """The status page incident an incident was published to. Statuspage has no idempotency
    key: this row (written with the first publish, its remote id when Statuspage answers) is
    how every later publish, the resolve and a severity change reach the same one."""

    __tablename__ = "statuspage_incidents"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    remote_id: Mapped[str | None] = mapped_column(String(64))
    shortlink: Mapped[str | None] = mapped_column(String(3000))
    # The last status published (investigating, identified, monitoring, resolved).
    status: Mapped[str] = mapped_column(String(16))
    component_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # incident.statuspage: its link goes into the snapshot's links (pinned message, topic).
    incident: Mapped[Incident] = relationship(backref=backref("statuspage", uselist=False))
