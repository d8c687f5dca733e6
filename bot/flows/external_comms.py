"""The status page and the email list, seen from the update and resolve modals (a flow: the
listeners of commands/update.py, resolve.py and severity.py call it in their transaction).

Nothing here calls a vendor: a publish or a mail is an effect written in the transaction of
the update (or resolve, or severity change) by `storage.statuspage` / `storage.comms_email`,
and delivered by the effect worker (bot/effects/statuspage.py, bot/effects/email.py).
A private incident is never offered the status page and is never emailed.
"""

from __future__ import annotations

from typing import Any

from bot.core.comms import products_text
from bot.core.comms_email import channel_url, final_email, update_email
from bot.core.incident import IncidentSnapshot
from bot.core.resolve import ResolveTimes
from bot.core.external_comms import (
    COMPONENT_STATUS_BY_SEVERITY,
    RESOLVED,
    STATUSES,
    ExternalDraft,
    component_statuses,
    default_status,
    external_name,
    offered,
    validate_external,
)
from bot.deps import Deps
from bot.views.external import EXTERNAL_BLOCKS, external_blocks, external_values, resolved_only
from storage import Session, comms_email, incidents, statuspage


def service_components(deps: Deps, faulty_service: str) -> tuple[str, ...]:
    """The Statuspage components of the faulty service (TOML `statuspage_components`)."""
    service = deps.team.service(faulty_service)
    return service.statuspage_components if service else ()


def _components_text(components: tuple[str, ...], severity: int, *, resolved: bool = False) -> str:
    if not components:
        return "No status page components are configured for the faulty service."
    state = "operational" if resolved else COMPONENT_STATUS_BY_SEVERITY.get(severity, "degraded_performance")
    return f"Components {', '.join(components)} will show *{state.replace('_', ' ')}*."


def _incident(s: Session, incident_id: int) -> IncidentSnapshot:
    return incidents.snapshot(incidents.get(s, incident_id))


def _offered(deps: Deps, incident: IncidentSnapshot) -> bool:
    return offered(statuspage_enabled=deps.settings.statuspage_enabled, private=incident.private)


def update_part(deps: Deps, s: Session, incident_id: int, message: str) -> list[dict[str, Any]] | None:
    """The update modal's external part, or None when it is not offered."""
    incident = _incident(s, incident_id)
    if not _offered(deps, incident):
        return None
    row = statuspage.get(s, incident_id)
    components = service_components(deps, incident.faulty_service)
    return external_blocks(
        message=message, status=default_status(row.status if row else None), publish=row is not None,
        name=external_name(products_text(tuple(incident.affected_products or ()), incident.faulty_service)),
        components=_components_text(components, incident.severity), shortlink=row.shortlink if row else None,
    )


def resolve_part(deps: Deps, s: Session, incident_id: int, message: str) -> list[dict[str, Any]] | None:
    """Resolving offers the final external message, when the incident is on the status page."""
    incident = _incident(s, incident_id)
    row = statuspage.get(s, incident_id)
    if not _offered(deps, incident) or row is None or row.status == RESOLVED:
        return None
    components = tuple(row.component_ids)
    return external_blocks(message=message, status=RESOLVED, publish=True, name="", statuses=resolved_only(),
                           components=_components_text(components, incident.severity, resolved=True),
                           shortlink=row.shortlink, publish_label="Resolve the status page incident")


def read_part(values: dict[str, Any], *, resolving: bool = False) -> tuple[ExternalDraft | None, dict[str, str]]:
    """What the external part asks for (None when the modal had none), or its inline errors."""
    submitted = external_values(values)
    if submitted is None:
        return None, {}
    publish, status, message = submitted
    draft, errors = validate_external(publish=publish, status=status, message=message,
                                      allowed=resolved_only() if resolving else STATUSES)
    return draft, {EXTERNAL_BLOCKS[name]: text for name, text in errors.items()}


def publish(deps: Deps, s: Session, incident_id: int, draft: ExternalDraft | None, *,
            author: str, resolving: bool = False) -> None:
    """Writes the publish (an effect) when it was asked for and is still allowed."""
    incident = _incident(s, incident_id)
    if draft is None or not draft.publish or not _offered(deps, incident):
        return
    components = service_components(deps, incident.faulty_service)
    row = statuspage.get(s, incident_id)
    if row is not None:
        components = tuple(dict.fromkeys([*row.component_ids, *components]))
    if resolving and row is None:
        return  # never published: there is nothing to resolve on the page
    status = RESOLVED if resolving else draft.status
    statuspage.publish(
        s, incident_id=incident_id, key=incident.key, now=deps.now(), tell=incident_manager(incident) or author,
        name=external_name(products_text(tuple(incident.affected_products or ()), incident.faulty_service)),
        status=status, body=draft.message,
        components=component_statuses(components, severity=incident.severity, resolved=status == RESOLVED),
    )


def severity_changed(deps: Deps, s: Session, incident_id: int) -> None:
    """A severity change moves the components of a published, unresolved incident."""
    incident = _incident(s, incident_id)
    if not _offered(deps, incident):
        return
    row = statuspage.get(s, incident_id)
    if row is None or row.status == RESOLVED or not row.component_ids:
        return
    statuspage.set_components(s, incident_id=incident_id, key=incident.key, now=deps.now(),
                              tell=incident_manager(incident),
                              components=component_statuses(tuple(row.component_ids), severity=incident.severity))


def incident_manager(incident: IncidentSnapshot) -> str | None:
    return incident.incident_manager


# --- email --------------------------------------------------------------------------------

def email_update(deps: Deps, s: Session, incident_id: int, fields: dict[str, Any], *, first: bool,
                 author: str) -> None:
    """The initial or follow-up comms, mailed to INTERNAL_COMMS_EMAIL (public incidents only)."""
    incident = _incident(s, incident_id)
    if incident.private or not deps.settings.email_enabled:
        return
    mail = update_email(key=incident.key, severity=incident.severity, summary=incident.summary, first=first,
                        fields=fields, channel_url=channel_url(incident.channel_id or ""),
                        channel_name=incident.channel_name or "")
    comms_email.enqueue(s, incident_id=incident_id, mail=mail, now=deps.now(), tell=author)


def email_final(deps: Deps, s: Session, incident_id: int, times: ResolveTimes, resolution_summary: str, *,
                latest_impact: str | None, author: str) -> None:
    """The final comms, mailed like the others (public incidents only)."""
    incident = _incident(s, incident_id)
    if incident.private or not deps.settings.email_enabled:
        return
    mail = final_email(incident, times, resolution_summary, latest_impact=latest_impact,
                       channel_url=channel_url(incident.channel_id or ""))
    comms_email.enqueue(s, incident_id=incident_id, mail=mail, now=deps.now(), tell=author)
