"""External comms on the status page: what is offered, what is published, and how the
service's components follow the incident's severity.

The handbook (chapter 2, "Send initial / follow-up communications"): customers hear about a
major incident on the status page, with a short, plain message, and hear again as it moves.

>>> component_statuses(("c1", "c2"), severity=2)
{'c1': 'partial_outage', 'c2': 'partial_outage'}
>>> component_statuses(("c1",), severity=3, resolved=True)
{'c1': 'operational'}
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import handbook

INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED = "investigating", "identified", "monitoring", "resolved"
# Statuspage's realtime incident statuses, in the order an incident moves through them.
STATUSES: tuple[str, ...] = (INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED)
STATUS_LABELS = {
    INVESTIGATING: "Investigating",
    IDENTIFIED: "Identified",
    MONITORING: "Monitoring",
    RESOLVED: "Resolved",
}
# Sev 1 takes the service down for customers, Sev 2 partly, Sev 3 slows it (INTEGRATIONS.md).
COMPONENT_STATUS_BY_SEVERITY = {1: "major_outage", 2: "partial_outage", 3: "degraded_performance"}
OPERATIONAL = "operational"
MESSAGE_MAX = 1000  # "1-2 sentences"; Statuspage itself allows 25,000 characters
NAME_MAX = 255  # Statuspage's limit on an incident's name


@dataclass(frozen=True)
class ExternalDraft:
    """What the update (or resolve) modal's external part asks to publish."""

    publish: bool
    status: str
    message: str


def offered(*, statuspage_enabled: bool, private: bool) -> bool:
    """A private incident never reaches the status page: the part is not even shown."""
    return statuspage_enabled and not private


def external_name(products_text: str) -> str:
    """The handbook's external incident name, e.g. "Investigating issues with Checkout"."""
    name = handbook.EXTERNAL_NAME_TEMPLATE.format(products=products_text)
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def component_statuses(component_ids: tuple[str, ...], *, severity: int, resolved: bool = False) -> dict[str, str]:
    """Each component's status on the page: by severity while open, `operational` once resolved."""
    status = OPERATIONAL if resolved else COMPONENT_STATUS_BY_SEVERITY.get(severity, "degraded_performance")
    return {component: status for component in component_ids}


def default_status(previous: str | None) -> str:
    """The status the modal preselects: the last one published, else investigating."""
    return previous if previous in STATUSES and previous != RESOLVED else INVESTIGATING


def validate_external(*, publish: bool, status: str | None, message: str | None,
                      allowed: tuple[str, ...] = STATUSES) -> tuple[ExternalDraft | None, dict[str, str]]:
    """The external part, or errors keyed "status" / "message". Nothing is checked when the
    person did not ask to publish: the draft is then only a suggestion."""
    text = " ".join((message or "").split())
    chosen = status or INVESTIGATING
    if not publish:
        return ExternalDraft(False, chosen if chosen in allowed else INVESTIGATING, text), {}
    errors: dict[str, str] = {}
    if chosen not in allowed:
        errors["status"] = f"Pick one of: {', '.join(STATUS_LABELS[s] for s in allowed)}."
    if not text:
        errors["message"] = "Write the one or two sentences customers will read, or untick publishing."
    elif len(text) > MESSAGE_MAX:
        errors["message"] = f"Keep it to one or two sentences (under {MESSAGE_MAX} characters)."
    if errors:
        return None, errors
    return ExternalDraft(True, chosen, text), {}
