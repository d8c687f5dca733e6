"""The effects table: the outbox every outside effect leaves through.

An effect is enqueued in the transaction of the change that causes it, so it exists if and
only if the change does. The worker (bot/effects/worker.py) claims pending rows, delivers
them and marks them done. Any number of workers may share a database:

- claiming is a conditional UPDATE on the claim the worker saw, so one wins; PostgreSQL reads
  the candidates FOR UPDATE SKIP LOCKED (workers do not queue on each other's rows), SQLite
  serializes writers (BEGIN IMMEDIATE behind the writer lock, storage/db.py);
- a claim older than STALE_CLAIM with nothing recorded belongs to a worker that died: it is
  taken over (the one stale-claim timeout);
- effects sharing an `ordering_key` are claimable one at a time, in id order; other keys
  (another destination) are not held up by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage import upserts
from storage.models import Effect

# A claim this old with nothing recorded: its worker died; another takes it over. Deliveries
# make one call without sleeping in it (the worker retries, not the client), so minutes are plenty.
STALE_CLAIM = timedelta(minutes=5)
# Set on a session that enqueued: the worker is woken after its commit (bot/effects/worker.py).
ENQUEUED = "incident_bot_effects_enqueued"

SENT, SKIPPED, FAILED = "sent", "skipped", "failed"


@dataclass(frozen=True)
class PendingEffect:
    """A claimed effect, as its deliverer sees it."""

    id: int
    kind: str
    incident_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    created_at: datetime
    recipient_id: str | None
    # 1 on the first try. Above 1 an earlier try may have reached the vendor: look before repeating.
    attempts: int
    tell: str | None
    # Set by the worker: delivered more than late_after past due_at (bot/core/reminders.py).
    late: bool = False

    @property
    def may_have_landed(self) -> bool:
        return self.attempts > 1


def channel_key(incident_id: int) -> str:
    """The ordering key of everything done in an incident's channel (created before its topic...)."""
    return f"channel:{incident_id}"


def reminder_key(incident_id: int, kind: str, due_at: datetime) -> str:
    """One reminder per (incident, kind, due time)."""
    return f"{incident_id}:{kind}:{due_at.astimezone(timezone.utc).isoformat()}"


def _postgres(s: Session) -> bool:
    return s.bind is not None and s.bind.dialect.name == "postgresql"


def enqueue(
    s: Session, *, kind: str, incident_id: int | None, payload: dict[str, Any] | None = None, now: datetime,
    due_at: datetime | None = None, ordering_key: str | None = None, dedupe_key: str | None = None,
    recipient_id: str | None = None, tell: str | None = None,
) -> int | None:
    """Writes the effect in the caller's transaction; returns its id, or None when an effect
    with this `dedupe_key` exists already (nothing is written then)."""
    due = due_at or now
    values = dict(incident_id=incident_id, kind=kind, payload=payload or {}, due_at=due, attempt_at=due,
                  recipient_id=recipient_id, created_at=now, late=False, ordering_key=ordering_key,
                  dedupe_key=dedupe_key, attempts=0, tell=tell)
    # One cached INSERT (no ORM unit of work: an effect is written for every timeline entry).
    # Rows the change added through the ORM go first: the effect may refer to them.
    s.flush()
    effect_id: int | None = upserts.insert_new(s, Effect.__table__, values, key=["dedupe_key"] if dedupe_key else (),
                                               returning="id")
    if effect_id is not None:
        s.info[ENQUEUED] = True
    return effect_id


def claim(s: Session, *, now: datetime, worker: str, limit: int = 50, kinds: Sequence[str] | None = None,
          families: Sequence[str] | None = None, other_families: bool = False,
          stale_after: timedelta = STALE_CLAIM) -> list[PendingEffect]:
    """Claims pending effects whose attempt time has come, for `worker`; returns those it won,
    oldest first. An effect waits while an earlier one with its ordering key is pending.
    `families` ("pagerduty" for "pagerduty.trigger"...) limits the claim to those kinds, or
    with `other_families` to every other kind: one worker lane each."""
    statement = _claim_statement(_postgres(s), limit, tuple(kinds) if kinds is not None else None,
                                 tuple(families or ()), other_families)
    claimed = s.execute(statement, {"now": now, "stale": now - stale_after, "worker": worker},
                        execution_options={"synchronize_session": False}).all()
    claimed.sort(key=lambda row: (row.attempt_at, row.id))  # RETURNING has no order
    return [PendingEffect(id=row.id, kind=row.kind, incident_id=row.incident_id, payload=dict(row.payload or {}),
                          due_at=row.due_at, created_at=row.created_at, recipient_id=row.recipient_id,
                          attempts=row.attempts, tell=row.tell) for row in claimed]


@cache
def _claim_statement(postgres: bool, limit: int, kinds: tuple[str, ...] | None, families: tuple[str, ...],
                     other_families: bool) -> Any:
    """The claim as one statement (UPDATE ... WHERE id IN (candidates) RETURNING): the busiest
    write of the pipeline, once per effect. Built once per shape with bound `now`, `stale` and
    `worker`: building it (aliases, an EXISTS) cost more CPU than running it.

    The candidates are an alias of the table, so the outer WHERE re-checks each row itself: on
    PostgreSQL after its lock (FOR UPDATE SKIP LOCKED: two workers never take one row, and of
    two taking over one stale claim one wins); on SQLite, whose range answers through an index
    are not trusted (see skip_pending), by its primary key."""
    now = bindparam("now", type_=Effect.attempt_at.type)
    stale = bindparam("stale", type_=Effect.claimed_at.type)
    candidate, earlier = aliased(Effect), aliased(Effect)
    held_up = (select(earlier.id).where(earlier.ordering_key == candidate.ordering_key, earlier.id < candidate.id,
                                        earlier.sent_at.is_(None)).exists())
    candidates = (
        select(candidate.id)
        .where(candidate.sent_at.is_(None), candidate.attempt_at <= now,
               or_(candidate.claimed_at.is_(None), candidate.claimed_at < stale),
               or_(candidate.ordering_key.is_(None), ~held_up))
        .order_by(candidate.attempt_at, candidate.id).limit(limit)
    )
    if kinds is not None:
        candidates = candidates.where(candidate.kind.in_(list(kinds)))
    if families:
        of_family = or_(*(candidate.kind.startswith(f"{family}.", autoescape=True) for family in families))
        candidates = candidates.where(~of_family if other_families else of_family)
    if postgres:
        candidates = candidates.with_for_update(skip_locked=True, of=candidate)
    return (
        update(Effect)
        .where(Effect.id.in_(candidates.scalar_subquery()), Effect.sent_at.is_(None), Effect.attempt_at <= now,
               or_(Effect.claimed_at.is_(None), Effect.claimed_at < stale))
        .values(claimed_at=now, claimed_by=bindparam("worker"), attempts=Effect.attempts + 1)
        .returning(Effect.id, Effect.kind, Effect.incident_id, Effect.payload, Effect.due_at, Effect.created_at,
                   Effect.recipient_id, Effect.attempts, Effect.tell, Effect.attempt_at)
    )


def get(s: Session, effect_id: int) -> Effect | None:
    return s.get(Effect, effect_id)


def _finish(s: Session, effect_id: int, worker: str | None, **values: Any) -> bool:
    """Marks it done unless someone else finished it or took it over (then False)."""
    statement = _finish_statement(tuple(sorted(values)), worker is not None)
    params = {"effect_id": effect_id, "worker": worker, **{f"set_{k}": v for k, v in values.items()}}
    return bool(s.execute(statement, params, execution_options={"synchronize_session": False}).rowcount)


@cache
def _finish_statement(columns: tuple[str, ...], by_worker: bool) -> Any:
    """Built once per shape, with bound values (once per effect: building it cost more CPU than
    running it)."""
    statement = update(Effect).where(Effect.id == bindparam("effect_id"), Effect.sent_at.is_(None))
    if by_worker:
        statement = statement.where(Effect.claimed_by == bindparam("worker"))
    return statement.values({c: bindparam(f"set_{c}", type_=Effect.__table__.c[c].type) for c in columns})


def complete(s: Session, effect_id: int, *, now: datetime, worker: str | None = None, late: bool = False,
             result: dict[str, Any] | None = None) -> bool:
    return _finish(s, effect_id, worker, sent_at=now, outcome=SENT, late=late, result=result, error=None)


def skip(s: Session, effect_id: int, *, now: datetime, reason: str, worker: str | None = None) -> bool:
    return _finish(s, effect_id, worker, sent_at=now, outcome=SKIPPED, error=reason)


def fail(s: Session, effect_id: int, *, now: datetime, error: str, worker: str | None = None) -> bool:
    """Stops it for good (a permanent error), with the reason."""
    return _finish(s, effect_id, worker, sent_at=now, outcome=FAILED, error=error)


def retry(s: Session, effect_id: int, *, at: datetime, error: str, worker: str | None = None) -> bool:
    """Releases the claim; the effect is claimable again from `at`."""
    query = update(Effect).where(Effect.id == effect_id, Effect.sent_at.is_(None))
    if worker is not None:
        query = query.where(Effect.claimed_by == worker)
    return bool(s.execute(query.values(claimed_at=None, claimed_by=None, attempt_at=at, error=error)
                          .execution_options(synchronize_session=False)).rowcount)


def newer_due(s: Session, effect: PendingEffect, *, now: datetime) -> bool:
    """Another effect of the same incident, kind and recipient is due later but by `now`:
    this one is superseded (no burst of reminders after the bot was down)."""
    same_recipient = (Effect.recipient_id.is_(None) if effect.recipient_id is None
                      else Effect.recipient_id == effect.recipient_id)
    newer = s.execute(select(Effect.due_at).where(
        Effect.incident_id == effect.incident_id, Effect.kind == effect.kind, same_recipient,
        Effect.id != effect.id, Effect.due_at > effect.due_at, or_(Effect.sent_at.is_(None), Effect.outcome == SENT),
    )).scalars().all()
    return any(due <= now for due in newer)


def skip_pending(
    s: Session, *, incident_id: int, kinds: Sequence[str], now: datetime, reason: str,
    before: datetime | None = None,
) -> int:
    """Marks pending, unclaimed effects of these kinds skipped: superseded by a newer one, or
    made moot by a change. A claimed one is its claimer's to finish."""
    pending = s.execute(select(Effect.id, Effect.due_at).where(
        Effect.incident_id == incident_id, Effect.kind.in_(list(kinds)), Effect.sent_at.is_(None),
        Effect.claimed_at.is_(None),
    )).all()
    # `before` is applied here, not in SQL: SQLite 3.40 answered `kind IN (...) AND due_at < ?`
    # through an index with a row whose due_at equals the bound (bench/tick.py, 10,000
    # incidents after ANALYZE). The pending rows of one incident are few.
    ids = [effect_id for effect_id, due_at in pending if before is None or due_at < before]
    if not ids:
        return 0
    return s.execute(
        update(Effect).where(Effect.id.in_(ids), Effect.sent_at.is_(None), Effect.claimed_at.is_(None))
        .values(sent_at=now, outcome=SKIPPED, error=reason).execution_options(synchronize_session=False)
    ).rowcount or 0


def next_attempt_at(s: Session) -> datetime | None:
    """When the earliest pending, unclaimed effect may be tried (the worker sleeps until then)."""
    return s.scalar(select(Effect.attempt_at).where(Effect.sent_at.is_(None), Effect.claimed_at.is_(None))
                    .order_by(Effect.attempt_at).limit(1))


def for_incident(s: Session, incident_id: int, kinds: Sequence[str] | None = None) -> list[Effect]:
    query = select(Effect).where(Effect.incident_id == incident_id)
    if kinds is not None:
        query = query.where(Effect.kind.in_(list(kinds)))
    return list(s.scalars(query.order_by(Effect.id)))


def pending_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(Effect).where(Effect.sent_at.is_(None))) or 0
