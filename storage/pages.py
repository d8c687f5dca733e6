"""PagerDuty pages: each is a row (so resolving the incident resolves every key it paged)
and an effect written in the same transaction as the change that pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.paging import dedup_key, pages_on
from bot.settings import Service, Settings, TeamConfig
from storage import effects
from storage.models import Incident, Page

TRIGGER, RESOLVE, ON_CALL = "pagerduty.trigger", "pagerduty.resolve", "pagerduty.oncall"


def ordering_key(incident_id: int) -> str:
    """A trigger always reaches PagerDuty before the resolve that follows it."""
    return f"pagerduty:{incident_id}"


def for_incident(s: Session, incident_id: int) -> list[Page]:
    return list(s.scalars(select(Page).where(Page.incident_id == incident_id).order_by(Page.id)))


def get(s: Session, page_id: int) -> Page | None:
    return s.get(Page, page_id)


def _tell(incident: Incident) -> str:
    """Who hears that a page did not reach PagerDuty: the IM, the reporter while there is none."""
    holders = [r.user_id for r in incident.roles if r.role == "incident-manager" and r.relieved_at is None]
    return holders[0] if holders else incident.reporter_id


def page(s: Session, *, incident: Incident, service: Service, settings: Settings, paged_by: str | None,
         now: datetime, message: str = "", hand_page: bool = False) -> Page:
    """Pages `service` for the incident: the row, the trigger effect and, with a REST token
    and an escalation policy, the look-up of who is on call."""
    key = dedup_key(incident.key, service.name if hand_page else None)
    row = s.scalars(select(Page).where(Page.incident_id == incident.id, Page.dedup_key == key)).one_or_none()
    if row is None:
        row = Page(incident_id=incident.id, service=service.name, routing_key=service.pagerduty_routing_key,
                   dedup_key=key, paged_by=paged_by, triggered_at=now)
        s.add(row)
    else:
        row.resolved_at, row.triggered_at, row.paged_by = None, now, paged_by
        row.routing_key = service.pagerduty_routing_key
    s.flush()
    effects.enqueue(s, kind=TRIGGER, incident_id=incident.id, now=now, ordering_key=ordering_key(incident.id),
                    tell=_tell(incident), payload={"page_id": row.id, "service": service.name,
                                                   "routing_key": service.pagerduty_routing_key, "dedup_key": key,
                                                   "message": message, "what": f"The page of {service.name} ({key})"})
    if settings.pagerduty_api_token and service.pagerduty_escalation_policy:
        effects.enqueue(s, kind=ON_CALL, incident_id=incident.id, now=now, ordering_key=ordering_key(incident.id),
                        payload={"page_id": row.id, "service": service.name,
                                 "escalation_policy": service.pagerduty_escalation_policy})
    return row


def page_faulty_service(s: Session, *, incident: Incident, team: TeamConfig, settings: Settings,
                        old_severity: int | None, by: str | None, now: datetime) -> Page | None:
    """At declaration (old_severity None) or a severity change: pages the faulty service's
    on-call when the incident enters a paged severity and the service has a routing key."""
    if not pages_on(severity=incident.severity, old_severity=old_severity, page_severities=settings.page_severities):
        return None
    service = team.service(incident.faulty_service)
    if service is None or not service.pagerduty_routing_key:
        return None
    return page(s, incident=incident, service=service, settings=settings, paged_by=by, now=now)


def resolve_all(s: Session, *, incident: Incident, now: datetime) -> list[str]:
    """Resolving the incident resolves every key it paged; returns those keys."""
    keys = []
    for row in for_incident(s, incident.id):
        if row.resolved_at is not None:
            continue
        row.resolved_at = now
        keys.append(row.dedup_key)
        effects.enqueue(s, kind=RESOLVE, incident_id=incident.id, now=now, ordering_key=ordering_key(incident.id),
                        tell=_tell(incident), payload={"page_id": row.id, "service": row.service,
                                                       "routing_key": row.routing_key, "dedup_key": row.dedup_key,
                                                       "what": f"Resolving the page of {row.service} ({row.dedup_key})"})
    return keys


def page_again(s: Session, *, incident: Incident, team: TeamConfig, settings: Settings, by: str | None,
               now: datetime) -> list[str]:
    """Reopening triggers again every key the incident had paged (PagerDuty opens a new alert)."""
    keys = []
    for row in for_incident(s, incident.id):
        if row.resolved_at is None:
            continue
        service = team.service(row.service) or Service(row.service, pagerduty_routing_key=row.routing_key)
        if not service.pagerduty_routing_key:
            continue
        page(s, incident=incident, service=service, settings=settings, paged_by=by, now=now,
             hand_page=row.dedup_key != incident.key)
        keys.append(row.dedup_key)
    return keys


def set_on_call(s: Session, page_id: int, people: list[dict[str, Any]]) -> None:
    row = s.get(Page, page_id)
    if row is not None:
        row.on_call = people


def paged_lines(s: Session, incident_id: int) -> list[tuple[str, bool, list[dict[str, Any]] | None]]:
    """(service, open, on_call) of each page, for the pinned message."""
    return [(p.service, p.resolved_at is None, p.on_call) for p in for_incident(s, incident_id)]
