"""Postmortems: create once per incident, read the whole document, reviews, due reminders.

Reminders are effects (storage/effects.py), unique per (incident, kind, due_at); the effect
worker claims each once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from bot.core.actions import ActionItem
from bot.core.postmortem import (
    APPROVED,
    DRAFT,
    OVERDUE,
    PostmortemDocument,
    PostmortemRecord,
    TimelineItem,
)
from storage import effects, incidents, timeline
from storage.models import Action, Effect, Postmortem, PostmortemReview

# "Due soon" is one business day before the due date: at most three calendar days (Fri -> Mon).
REMINDER_WINDOW = timedelta(days=3)


def get_by_incident(s: Session, incident_id: int, *, for_update: bool = False) -> Postmortem | None:
    query = select(Postmortem).where(Postmortem.incident_id == incident_id)
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def get(s: Session, postmortem_id: int, *, for_update: bool = False) -> Postmortem | None:
    query = select(Postmortem).where(Postmortem.id == postmortem_id)
    if for_update:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def create(
    s: Session, *, incident_id: int, owner_id: str, now: datetime, due_at: datetime, approvers: tuple[str, ...] = (),
) -> Postmortem:
    """A new draft. Callers check `get_by_incident` first under the incident's row lock;
    the unique incident_id is the last guard."""
    postmortem = Postmortem(
        incident_id=incident_id, owner_id=owner_id, status=DRAFT, created_at=now, due_at=due_at,
        fields={}, approvers=list(dict.fromkeys(approvers)),
    )
    s.add(postmortem)
    s.flush()
    return postmortem


# -- Changes of a locked postmortem row (listeners never assign to a row themselves) ---------------
def set_owner(postmortem: Postmortem, owner_id: str) -> None:
    postmortem.owner_id = owner_id


def set_approvers(postmortem: Postmortem, approvers: Sequence[str]) -> None:
    postmortem.approvers = list(approvers)


def save_fields(postmortem: Postmortem, fields: Mapping[str, Any], *, cause_category: str | None) -> None:
    """A section saved from the editor: its fields (a new dict, so the JSON column is saved)."""
    postmortem.fields = dict(fields)
    postmortem.cause_category = cause_category


def set_status(postmortem: Postmortem, status: str, *, now: datetime) -> None:
    """Draft, in review or approved; approving records when."""
    postmortem.status = status
    if status == APPROVED:
        postmortem.approved_at = now


def record_review(s: Session, *, postmortem_id: int, reviewer_id: str, decision: str, comment: str,
                  now: datetime) -> PostmortemReview:
    review = PostmortemReview(postmortem_id=postmortem_id, reviewer_id=reviewer_id, decision=decision,
                              comment=comment, decided_at=now)
    s.add(review)
    s.flush()
    return review


def approved_since_last_change_request(s: Session, postmortem_id: int) -> set[str]:
    """Who approved this round: a change request sends the postmortem back, so earlier approvals lapse."""
    approved: set[str] = set()
    for review in reviews(s, postmortem_id):
        if review.decision == "changes_requested":
            approved.clear()
        elif review.decision == "approved":
            approved.add(review.reviewer_id)
    return approved


def reviews(s: Session, postmortem_id: int) -> list[PostmortemReview]:
    return list(s.scalars(select(PostmortemReview).where(PostmortemReview.postmortem_id == postmortem_id)
                          .order_by(PostmortemReview.decided_at, PostmortemReview.id)))


def record_of(postmortem: Postmortem) -> PostmortemRecord:
    return PostmortemRecord(
        owner_id=postmortem.owner_id, status=postmortem.status, created_at=postmortem.created_at,
        due_at=postmortem.due_at, approved_at=postmortem.approved_at, cause_category=postmortem.cause_category,
        fields=dict(postmortem.fields or {}), approvers=tuple(postmortem.approvers or ()),
    )


def document(s: Session, incident_id: int) -> PostmortemDocument | None:
    """Everything the document shows, as plain values for the core; None without a postmortem."""
    postmortem = get_by_incident(s, incident_id)
    if postmortem is None:
        return None
    incident = incidents.get(s, incident_id)
    items = tuple(TimelineItem(occurred_at=e.occurred_at, kind=e.kind, text=e.text, actor_id=e.actor_id)
                  for e in timeline.entries(s, incident_id))
    actions = tuple(
        ActionItem(id=a.id, incident_id=incident_id, incident_key=incident.key, kind=a.kind, text=a.text,
                   owner_id=a.owner_id, due_at=a.due_at, done_at=a.done_at, done_by=a.done_by,
                   channel_id=incident.channel_id, private=incident.private, category=a.category)
        for a in s.scalars(select(Action).where(Action.incident_id == incident_id).order_by(Action.id))
    )
    return PostmortemDocument(
        incident=incidents.snapshot(incident), postmortem=record_of(postmortem),
        resolution_summary=incident.resolution_summary, timeline=items, actions=actions,
        assignments=tuple((r.role, r.user_id) for r in sorted(incident.roles, key=lambda r: r.id)),
    )


# --- Due reminders -----------------------------------------------------------------------------


def reminder_candidates(s: Session, now: datetime) -> list[Postmortem]:
    """Unapproved postmortems within a reminder's reach whose overdue reminder is not yet
    planned. Bounded by the due_at index: approved or fully reminded postmortems cost nothing."""
    overdue_planned = exists().where(and_(Effect.incident_id == Postmortem.incident_id, Effect.kind == OVERDUE,
                                          Effect.due_at == Postmortem.due_at))
    query = (select(Postmortem).where(Postmortem.status != APPROVED, Postmortem.due_at <= now + REMINDER_WINDOW,
                                      ~overdue_planned).order_by(Postmortem.due_at))
    return list(s.scalars(query))


def plan_reminder(s: Session, *, incident_id: int, kind: str, due_at: datetime, recipient_id: str,
                  now: datetime) -> bool:
    """Enqueues the reminder effect for (incident, kind, due_at) unless it exists; True when new."""
    return effects.enqueue(s, kind=kind, incident_id=incident_id, now=now, due_at=due_at,
                           recipient_id=recipient_id,
                           dedupe_key=effects.reminder_key(incident_id, kind, due_at)) is not None
