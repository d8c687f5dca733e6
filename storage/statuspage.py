"""The status page incident of each incident (one row per incident that was ever published)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from storage import effects
from storage.models import Incident, StatuspageIncident

# Effect kinds (delivered by bot/effects/statuspage.py).
PUBLISH, COMPONENTS, LINK = "statuspage.publish", "statuspage.components", "statuspage.link"


def get(s: Session, incident_id: int, *, for_update: bool = False) -> StatuspageIncident | None:
    return s.get(StatuspageIncident, incident_id, with_for_update=for_update)


def published(s: Session, *, incident_id: int, status: str, component_ids: Sequence[str],
              now: datetime) -> StatuspageIncident:
    """A publish was asked for: the row exists from the first one on, before Statuspage
    answers, so a second publish in the meantime knows it is an update, not a second create."""
    row = get(s, incident_id, for_update=True)
    if row is None:
        row = StatuspageIncident(incident_id=incident_id, status=status, component_ids=list(component_ids),
                                 created_at=now, updated_at=now)
        s.add(row)
    else:
        row.status, row.updated_at = status, now
        row.component_ids = list(dict.fromkeys([*row.component_ids, *component_ids]))
    s.flush()
    return row


def set_remote(s: Session, incident_id: int, *, remote_id: str, shortlink: str | None, now: datetime) -> bool:
    """Statuspage answered the create: later calls PATCH this id. True the first time."""
    row = get(s, incident_id, for_update=True)
    if row is None or row.remote_id == remote_id:
        return False
    row.remote_id, row.shortlink, row.updated_at = remote_id, shortlink or row.shortlink, now
    return True


def publish(s: Session, *, incident_id: int, key: str, name: str, status: str, body: str,
            components: dict[str, str], now: datetime, tell: str | None) -> int | None:
    """A publish (create the first time, PATCH after: decided when it is delivered, from the
    stored remote id). Publishes of one incident go out one at a time, in order."""
    published(s, incident_id=incident_id, status=status, component_ids=list(components), now=now)
    what = f"The status page update for {key} ({status})"
    return effects.enqueue(s, kind=PUBLISH, incident_id=incident_id, now=now, ordering_key=ordering_key(incident_id),
                           tell=tell, payload={"key": key, "name": name, "status": status, "body": body,
                                               "components": components, "what": what})


def set_components(s: Session, *, incident_id: int, key: str, components: dict[str, str], now: datetime,
                   tell: str | None) -> int | None:
    """The components follow a severity change (no new message for customers)."""
    what = f"The status page components of {key}"
    return effects.enqueue(s, kind=COMPONENTS, incident_id=incident_id, now=now,
                           ordering_key=ordering_key(incident_id), tell=tell,
                           payload={"key": key, "components": components, "what": what})


def ordering_key(incident_id: int) -> str:
    return f"statuspage:{incident_id}"


def set_bookmark_id(s: Session, incident_id: int, bookmark_id: str) -> None:
    """The channel bookmark of the status page link, so a later link edits it."""
    incident = s.get(Incident, incident_id, with_for_update=True)
    if incident is not None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        incident.bookmark_ids = {**(incident.bookmark_ids or {}), "statuspage": bookmark_id}
