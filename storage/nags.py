"""Nag rows: created once per (incident, kind, due time), claimed once, marked sent.

Any number of schedulers may run these against one database. Creating a row is
INSERT ... ON CONFLICT DO NOTHING on the unique key; claiming is a conditional UPDATE
(`WHERE sent_at IS NULL AND claimed_at IS NULL`, or a claim older than STALE_CLAIM) whose row count says who won; on
PostgreSQL the candidates are read FOR UPDATE SKIP LOCKED so replicas do not queue on
each other's rows. SQLite serializes writers (BEGIN IMMEDIATE), which gives the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from storage.models import Incident, Nag

# A claim this old with no send recorded: the claiming process died; another may take it over.
STALE_CLAIM = timedelta(minutes=5)


def _postgres(s: Session) -> bool:
    return s.bind is not None and s.bind.dialect.name == "postgresql"


def due_incidents(s: Session, *, now: datetime, limit: int) -> list[Incident]:
    """Incidents the tick must look at (next_nag_at <= now), oldest first. The index on
    next_nag_at makes this cost follow what is due. PostgreSQL: rows another scheduler is
    looking at are skipped, not waited for."""
    query = (select(Incident).where(Incident.next_nag_at <= now).order_by(Incident.next_nag_at, Incident.id)
             .limit(limit).options(selectinload(Incident.roles)))
    if _postgres(s):
        query = query.with_for_update(skip_locked=True, of=Incident)
    return list(s.scalars(query))


def create_if_absent(
    s: Session, *, incident_id: int, kind: str, due_at: datetime, recipient_id: str | None, now: datetime,
    data: dict[str, Any] | None = None,
) -> bool:
    """Inserts the nag unless (incident, kind, due_at) exists; True when this call created it."""
    insert = pg_insert if _postgres(s) else sqlite_insert
    result = s.execute(
        insert(Nag).values(incident_id=incident_id, kind=kind, due_at=due_at, recipient_id=recipient_id,
                           created_at=now, late=False, data=data)
        .on_conflict_do_nothing(index_elements=["incident_id", "kind", "due_at"])
    )
    return bool(result.rowcount)


def skip_unsent(
    s: Session, *, incident_id: int, kinds: Sequence[str], now: datetime, reason: str,
    before: datetime | None = None,
) -> int:
    """Marks unsent nags of these kinds as done without sending them (sent_at set,
    data={"skipped": true, "reason": ...}): superseded by a newer nag, or made stale by an
    update. Only unclaimed rows: a claimed one is its claimer's to finish."""
    unsent = s.execute(select(Nag.id, Nag.due_at).where(
        Nag.incident_id == incident_id, Nag.kind.in_(list(kinds)), Nag.sent_at.is_(None), Nag.claimed_at.is_(None),
    )).all()
    # `before` is applied here, not in SQL: SQLite 3.40 answered `kind IN (...) AND due_at < ?`
    # through the unique (incident_id, kind, due_at) index with a row whose due_at equals the
    # bound (bench/tick.py, 10,000 incidents after ANALYZE). The unsent rows of one incident are few.
    ids = [nag_id for nag_id, due_at in unsent if before is None or due_at < before]
    if not ids:
        return 0
    return s.execute(
        update(Nag).where(Nag.id.in_(ids), Nag.sent_at.is_(None), Nag.claimed_at.is_(None))
        .values(sent_at=now, data={"skipped": True, "reason": reason}).execution_options(synchronize_session=False)
    ).rowcount or 0


def claim_due(s: Session, *, now: datetime, worker: str, kinds: Sequence[str] | None = None, limit: int = 100,
              stale_after: timedelta = STALE_CLAIM) -> list[Nag]:
    """Claims unsent nags of `kinds` due by `now` for `worker`; returns only the rows this call won.

    A claim older than `stale_after` whose nag was never marked sent belongs to a process that
    died between claiming and sending: it is taken over, so a restart loses no reminder.
    """
    unclaimed_or_stale = or_(Nag.claimed_at.is_(None), Nag.claimed_at < now - stale_after)
    candidates = (select(Nag.id, Nag.due_at, Nag.claimed_at).where(Nag.sent_at.is_(None), unclaimed_or_stale,
                                                                   Nag.due_at <= now)
                  .order_by(Nag.due_at, Nag.id).limit(limit))
    if kinds is not None:
        candidates = candidates.where(Nag.kind.in_(kinds))
    if _postgres(s):
        candidates = candidates.with_for_update(skip_locked=True)
    won: list[int] = []
    # due_at is checked again in Python: see skip_unsent on SQLite's range answers.
    for nag_id, due_at, claimed_at in s.execute(candidates).all():
        if due_at > now:
            continue
        # Conditional on the claim we saw: of two processes taking over one stale claim, one wins.
        same_claim = Nag.claimed_at.is_(None) if claimed_at is None else Nag.claimed_at == claimed_at
        claimed = s.execute(
            update(Nag).where(Nag.id == nag_id, Nag.sent_at.is_(None), same_claim)
            .values(claimed_at=now, claimed_by=worker).execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            won.append(nag_id)
    if not won:
        return []
    return list(s.scalars(select(Nag).where(Nag.id.in_(won)).order_by(Nag.due_at, Nag.id)))


def mark_sent(s: Session, nag_id: int, *, now: datetime, late: bool, data: dict[str, Any] | None = None) -> None:
    nag = s.get(Nag, nag_id)
    if nag is None:
        return
    nag.sent_at = now
    nag.late = late
    if data is not None:
        nag.data = {**(nag.data or {}), **data}


def mark_skipped(s: Session, nag_id: int, *, now: datetime, reason: str) -> None:
    mark_sent(s, nag_id, now=now, late=False, data={"skipped": True, "reason": reason})


def for_incident(s: Session, incident_id: int) -> list[Nag]:
    return list(s.scalars(select(Nag).where(Nag.incident_id == incident_id).order_by(Nag.due_at, Nag.id)))
