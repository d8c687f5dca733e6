"""Postmortems: create once per incident, read the whole document, reviews, due reminders.

Reminder rows live in the shared `nags` table, unique per (incident, kind, due_at); a row is
claimed with a conditional UPDATE so that two replicas never send the same reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.core.postmortem import (
    APPROVED,
    DRAFT,
    OVERDUE,
    ActionItem,
    PostmortemDocument,
    PostmortemRecord,
    TimelineItem,
)
from storage import incidents, timeline
from storage.models import Action, Nag, Postmortem, PostmortemReview

# A claim older than this belongs to a worker that died before sending: it may be taken over.
STALE_CLAIM = timedelta(minutes=10)
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
        ActionItem(a.id, a.kind, a.text, a.owner_id, a.due_at, a.done_at, a.category)
        for a in s.scalars(select(Action).where(Action.incident_id == incident_id).order_by(Action.id))
    )
    return PostmortemDocument(
        incident=incidents.snapshot(incident), postmortem=record_of(postmortem),
        resolution_summary=incident.resolution_summary, timeline=items, actions=actions,
        assignments=tuple((r.role, r.user_id) for r in sorted(incident.roles, key=lambda r: r.id)),
    )


# --- Due reminders -----------------------------------------------------------------------------


def reminder_candidates(s: Session, now: datetime) -> list[Postmortem]:
    """Unapproved postmortems within a reminder's reach whose overdue reminder is not yet sent.
    Bounded by the due_at index and the unsent-overdue condition: approved or fully reminded
    postmortems cost nothing."""
    overdue_sent = exists().where(and_(Nag.incident_id == Postmortem.incident_id, Nag.kind == OVERDUE,
                                       Nag.due_at == Postmortem.due_at, Nag.sent_at.is_not(None)))
    query = (select(Postmortem).where(Postmortem.status != APPROVED, Postmortem.due_at <= now + REMINDER_WINDOW,
                                      ~overdue_sent).order_by(Postmortem.due_at))
    return list(s.scalars(query))


def ensure_reminder(s: Session, *, incident_id: int, kind: str, due_at: datetime, recipient_id: str,
                    now: datetime, data: dict[str, Any] | None = None) -> Nag:
    """The reminder row for (incident, kind, due_at), created if absent (ON CONFLICT DO NOTHING)."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(Nag).values(incident_id=incident_id, kind=kind, due_at=due_at, recipient_id=recipient_id,
                                 created_at=now, late=False, data=data)
              .on_conflict_do_nothing(index_elements=["incident_id", "kind", "due_at"]))
    return s.scalars(select(Nag).where(Nag.incident_id == incident_id, Nag.kind == kind, Nag.due_at == due_at)).one()


def claim(s: Session, nag_id: int, *, worker_id: str, now: datetime) -> bool:
    """True when this worker now owns the unsent reminder; a concurrent claim gets False."""
    result = s.execute(
        update(Nag)
        .where(Nag.id == nag_id, Nag.sent_at.is_(None),
               or_(Nag.claimed_at.is_(None), Nag.claimed_at < now - STALE_CLAIM))
        .values(claimed_at=now, claimed_by=worker_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_sent(s: Session, nag_id: int, *, now: datetime, late: bool, data: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"sent_at": now, "late": late}
    if data is not None:
        values["data"] = data
    s.execute(update(Nag).where(Nag.id == nag_id).values(**values).execution_options(synchronize_session=False))


def release(s: Session, nag_id: int) -> None:
    """Gives a claimed reminder back after a failed send, so the next tick retries it."""
    s.execute(update(Nag).where(Nag.id == nag_id, Nag.sent_at.is_(None)).values(claimed_at=None, claimed_by=None)
              .execution_options(synchronize_session=False))
