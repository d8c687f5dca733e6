"""The blameless postmortem: due dates, the approval workflow, the document and what the bot
prefills (its text and Markdown are in bot.core.postmortem_text).

The document has every field of the handbook's postmortem issue (handbook.POSTMORTEM_FIELDS,
in order) plus the cause category. What the bot knows is filled in for the owner: the
incident summary from handbook.POSTMORTEM_SUMMARY_TEMPLATE (times, severity, duration), the
timeline (every entry with its time) and the corrective actions from the actions table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.core import handbook
from bot.core.actions import ActionItem
from bot.core.timeline import TimelineItem
from bot.core.durations import format_duration
from bot.core.incident import IncidentSnapshot
from bot.views.slack_text import mention, utc_text

DRAFT, IN_REVIEW, APPROVED = "draft", "in_review", "approved"
STATUS_LABELS = {DRAFT: "Draft", IN_REVIEW: "In review", APPROVED: "Approved"}
REQUEST_APPROVAL, APPROVE, REQUEST_CHANGES = "request_approval", "approve", "request_changes"
FIELDS: dict[str, handbook.PostmortemField] = {f.key: f for f in handbook.POSTMORTEM_FIELDS}
CAUSE_CATEGORY = "cause_category"
# Kept in `fields` like the text fields: exceeded, met or none (handbook.EXTERNAL_DEPENDENCY_OUTCOMES).
EXTERNAL_DEPENDENCY = "external_dependency"
# Fields the bot writes itself from the database; the owner's text is added to them.
GENERATED = ("timeline", "corrective_actions")
# Placeholder for what only people know, in the handbook's own <angle bracket> style.
UNKNOWN = "<{}>"


class PostmortemError(Exception):
    """The workflow does not allow this; the message says why and what to do."""


# --- Sections: the fields split over a few modals, each well within Slack's limits ---------


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    keys: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section("summary", "Summary and impact", ("incident_summary", "leadup", "fault", "impact")),
    Section("response", "Detection and response", ("detection", "response", "recovery", "timeline")),
    Section("cause", "Cause", ("five_whys", "proximate_cause", "root_cause", CAUSE_CATEGORY, EXTERNAL_DEPENDENCY,
                               "backlog_check", "recurrence")),
    Section("lessons", "Lessons and actions", ("went_well", "went_wrong", "got_lucky", "corrective_actions")),
)


def section_named(name: str) -> Section | None:
    wanted = name.strip().lower()
    return next((s for s in SECTIONS if s.name == wanted), None)


def section_names() -> str:
    return "|".join(s.name for s in SECTIONS)


# --- Due dates -------------------------------------------------------------------------------


def business_days_after(start: datetime, days: int) -> datetime:
    """The same time of day `days` business days later, skipping Saturdays and Sundays (UTC).

    >>> business_days_after(datetime(2024, 5, 3, 9, tzinfo=timezone.utc), 1).date()  # Fri -> Mon
    datetime.date(2024, 5, 6)
    """
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def business_days_before(end: datetime, days: int) -> datetime:
    moment, left = end, days
    while left > 0:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def reminder_due(due_at: datetime) -> datetime:
    """The "due soon" reminder: one business day before the due date."""
    return business_days_before(due_at, 1)


# Kinds of reminder rows in the nags table.
DUE_SOON, OVERDUE = "postmortem_due_soon", "postmortem_overdue"


def reminders_due(*, status: str, due_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """`(kind, due_at)` of the reminders whose time has come; none once approved."""
    if status == APPROVED:
        return []
    due: list[tuple[str, datetime]] = []
    if reminder_due(due_at) <= now:
        due.append((DUE_SOON, reminder_due(due_at)))
    if due_at <= now:
        due.append((OVERDUE, due_at))
    return due


# --- The approval workflow -------------------------------------------------------------------


def status_after(status: str, event: str, *, approvers: tuple[str, ...] = ()) -> str:
    """draft -> in_review (request approval) -> approved; request changes -> draft."""
    if event == REQUEST_APPROVAL:
        if status == APPROVED:
            raise PostmortemError("The postmortem is already approved.")
        if status == IN_REVIEW:
            raise PostmortemError("The postmortem is already in review; the approvers have been asked.")
        if not approvers:
            raise PostmortemError("Name the approvers first: `/incident postmortem approvers @user [@user...]`.")
        return IN_REVIEW
    if event in (APPROVE, REQUEST_CHANGES):
        if status == APPROVED:
            raise PostmortemError("The postmortem is already approved.")
        if status != IN_REVIEW:
            raise PostmortemError("The postmortem is a draft: its owner has not requested approval yet "
                                  "(or changes were requested since).")
        return APPROVED if event == APPROVE else DRAFT
    raise PostmortemError(f"unknown postmortem event {event!r}")


def approval_complete(approved_by: set[str], required: tuple[str, ...]) -> bool:
    """One approval is enough, unless the service names approvers: then each of them must approve.

    >>> approval_complete({"U1"}, ("U1", "U2"))
    False
    """
    return bool(approved_by) and set(required) <= approved_by


def required_approvals(required: tuple[str, ...], owner: str) -> tuple[str, ...]:
    """Who must each approve a postmortem owned by `owner`, of the faulty service's mandatory
    approvers `required`. The owner never approves their own postmortem: when the owner is one
    of them, the service's other configured approvers (each of whom approves anyway) give the
    service's approval. When there is no other, `owner_blocks_approval` refuses beforehand.

    >>> required_approvals(("U1", "U2"), "U1")
    ('U2',)
    """
    return tuple(a for a in required if a != owner)


def owner_blocks_approval(owner: str, required: tuple[str, ...], service: str,
                          incident_manager: str | None = None) -> str | None:
    """Why `owner` cannot own the postmortem of an incident of `service` (None: they can): they
    are the only approver the service requires, and an owner never approves their own
    postmortem, so it could never be approved. The refusal says who else must be named.

    >>> owner_blocks_approval("U2", ("U1",), "payments-api") is None
    True
    """
    if not required or set(required) != {owner}:
        return None
    instead = (f" (the incident manager {mention(incident_manager)}, say)"
               if incident_manager and incident_manager != owner else "")
    return (f"{mention(owner)} is the only postmortem approver {service} requires, and an owner never approves their "
            f"own postmortem, so it could never be approved. Name someone else{instead} as the owner with "
            "`/incident postmortem owner @user`, or add another approver for "
            f"{service} to the team configuration (`[[services]] postmortem_approvers`).")


def approval_blocker(owner: str, approvers: tuple[str, ...], required: tuple[str, ...], service: str,
                     incident_manager: str | None = None) -> str | None:
    """Why asking for approval now would leave nobody able to approve (None: someone can)."""
    blocked = owner_blocks_approval(owner, required, service, incident_manager)
    if blocked:
        return blocked
    if approvers and not [a for a in approvers if a != owner]:
        return (f"{mention(owner)} owns the postmortem and is its only approver, and an owner never approves their own "
                "postmortem: name another approver with `/incident postmortem approvers @user`.")
    return None


def may_review(user_id: str, approvers: tuple[str, ...]) -> bool:
    """Any one named approver may approve (the handbook's approval step has one or more approvers)."""
    return user_id in approvers


# --- The document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostmortemRecord:
    """A postmortem as the document, the stats and the Home tab read it."""

    owner_id: str
    status: str
    created_at: datetime
    due_at: datetime
    approved_at: datetime | None = None
    cause_category: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    approvers: tuple[str, ...] = ()
    # Its incident, for lists of several incidents' postmortems (the Home tab).
    incident_key: str = ""
    channel_id: str | None = None
    private: bool = False


@dataclass(frozen=True)
class PostmortemDocument:
    incident: IncidentSnapshot
    postmortem: PostmortemRecord
    resolution_summary: str | None = None
    timeline: tuple[TimelineItem, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    # (role, user ID) of every role assignment, in the order they were made (relieved ones too).
    assignments: tuple[tuple[str, str], ...] = ()


def _lower_first(text: str) -> str:
    # "Rolled back the deploy" reads as "... as follows: rolled back the deploy." in the summary.
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def support_sentence(count: int | None) -> str:
    """`12` -> "12 support cases were raised in relation to this incident."

    >>> support_sentence(1)
    '1 support case was raised in relation to this incident.'
    """
    if count is None:
        return handbook.POSTMORTEM_SUPPORT_UNKNOWN
    if count == 0:
        return "No support cases were raised in relation to this incident."
    return f"{count} support case{' was' if count == 1 else 's were'} raised in relation to this incident."


def prefilled_summary(incident: IncidentSnapshot, resolution_summary: str | None = None) -> str:
    """The handbook's summary template with what the bot knows; <placeholders> for the rest."""
    start, end = incident.impact_started_at, incident.impact_ended_at
    duration = format_duration(end - start) if start and end else UNKNOWN.format("duration")
    mitigation = (handbook.POSTMORTEM_MITIGATION_KNOWN.format(resolution=_lower_first(resolution_summary))
                  if resolution_summary else handbook.POSTMORTEM_MITIGATION_UNKNOWN)
    return handbook.POSTMORTEM_SUMMARY_TEMPLATE.format(
        start=utc_text(start) if start else UNKNOWN.format("start of impact"),
        end=utc_text(end) if end else UNKNOWN.format("end of impact"),
        duration=duration,
        customers=UNKNOWN.format("number of"),
        symptoms=UNKNOWN.format("event symptoms"),
        trigger=UNKNOWN.format("trigger"),
        detection=UNKNOWN.format("system or person"),
        mitigation=mitigation,
        severity=incident.severity,
        affected_share=UNKNOWN.format("X%"),
        support=support_sentence(incident.support_cases),
    )


def prefilled_impact(incident: IncidentSnapshot) -> str:
    """What customers saw (as declared or edited), with the latest support-case count."""
    impact = " ".join(incident.impact.split()).rstrip(".")
    described = f"{impact}." if impact else UNKNOWN.format("what internal and external customers saw") + "."
    return handbook.POSTMORTEM_IMPACT_TEMPLATE.format(impact=described, support=support_sentence(incident.support_cases))


def written(doc: PostmortemDocument, key: str) -> str:
    """What the owner wrote for `key` ("" when nothing)."""
    return str(doc.postmortem.fields.get(key) or "").strip()


def field_text(doc: PostmortemDocument, key: str) -> str:
    """The owner's text, or what the bot prefills (the incident summary) when there is none."""
    text = written(doc, key)
    if not text and key == "incident_summary":
        return prefilled_summary(doc.incident, doc.resolution_summary)
    if not text and key == "impact" and doc.incident.support_cases is not None:
        return prefilled_impact(doc.incident)
    return text


def missing_fields(doc: PostmortemDocument) -> list[str]:
    """Titles of the fields still empty (the generated ones never are)."""
    missing = [f.title for f in handbook.POSTMORTEM_FIELDS
               if f.key not in GENERATED and f.key != "incident_summary" and not written(doc, f.key)]
    if not doc.postmortem.cause_category:
        missing.append("Cause category")
    return missing


def addresses_root_cause(actions: tuple[ActionItem, ...]) -> bool:
    """The handbook: "Mitigate future incidents" and "Prevent future incidents" are the likely
    root-cause fixes; "Be sure to get at least one of these" among the priority actions."""
    return any(a.kind == "priority" and a.category in handbook.ROOT_CAUSE_ACTION_CATEGORIES for a in actions)
