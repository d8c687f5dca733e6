"""A long history, written in bulk: resolved incidents with times and postmortems, open
incidents with channels and roles, timeline entries. Used by the tests and bench/ that
show list, Home and stats cost what they show, not what the database holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Action, Incident, Postmortem, RoleAssignment, TimelineEntry

BATCH = 5_000


def fill(sessions: sessionmaker[Session], now: datetime, *, resolved: int = 10_000, open_: int = 500,
         entries: int = 100_000, open_channel: Any = None, private_every: int = 0) -> None:
    """`open_channel(n)` names the channel of the n-th open incident (default C-numbered IDs the
    fake does not know); every `private_every`-th open incident is private (0: none)."""
    open_channel = open_channel or (lambda n: f"CHIST{n:05d}")
    incidents: list[dict[str, Any]] = []
    for n in range(resolved):
        start = now - timedelta(days=1 + n % 360, minutes=n % 50)
        incidents.append(dict(
            number=n + 1, key=f"HOT-{n + 1}", summary=f"Old outage {n}", impact="", severity=1 + n % 3,
            status="Resolved", faulty_service="Unknown", affected_products=[], private=False, reporter_id="UREPORTER",
            channel_id=f"COLD{n:05d}", channel_name=f"hot-{n + 1}", bookmark_ids={}, declared_at=start,
            impact_started_at=start, detected_at=start + timedelta(minutes=5 + n % 20),
            impact_ended_at=start + timedelta(minutes=60 + n % 120), resolved_at=start + timedelta(minutes=60 + n % 120)))
    for n in range(open_):
        number = resolved + n + 1
        incidents.append(dict(
            number=number, key=f"HOT-{number}", summary=f"Open outage {n}", impact="", severity=1 + n % 3,
            status="Fixing", faulty_service="Unknown", affected_products=[],
            private=bool(private_every) and n % private_every == 0, reporter_id="UREPORTER",
            channel_id=open_channel(n), channel_name=f"hot-{number}", bookmark_ids={},
            declared_at=now - timedelta(minutes=open_ - n)))
    with sessions.begin() as s:
        _bulk(s, Incident, incidents)
        ids = dict(s.execute(Incident.__table__.select().with_only_columns(Incident.number, Incident.id)).all())
        open_ids = [ids[resolved + n + 1] for n in range(open_)]
        _bulk(s, RoleAssignment, [dict(incident_id=i, role="incident-manager", user_id="UALICE" if k % 7 == 0 else
                                       "UBOB", assigned_by="UREPORTER", assigned_at=now)
                                  for k, i in enumerate(open_ids)])
        _bulk(s, Postmortem, [dict(incident_id=ids[n + 1], owner_id="UALICE" if n % 97 == 0 else "UCAROL",
                                   status="approved" if n % 3 else "draft", created_at=now, due_at=now,
                                   fields={}, approvers=[])
                              for n in range(0, resolved, 2)])
        _bulk(s, Action, [dict(incident_id=ids[n + 1], kind="priority" if n % 2 else "improvement", text="Fix it",
                               owner_id="UCAROL", due_at=now + timedelta(days=n % 30 - 15), created_by="UCAROL",
                               created_at=now, done_at=now if n % 4 else None)
                          for n in range(0, resolved, 5)])
        all_ids = list(ids.values())
        _bulk(s, TimelineEntry, [dict(incident_id=all_ids[n % len(all_ids)], occurred_at=now - timedelta(seconds=n),
                                      recorded_at=now, kind="observation", source="reaction", actor_id="UALICE",
                                      text=f"observation {n}") for n in range(entries)])


def _bulk(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        s.execute(insert(model), rows[start:start + BATCH])
