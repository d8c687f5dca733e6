"""`/incident edit`: what changed between the declared fields and the edited ones, pure.

The handbook's incident issue (summary, impact, faulty service, affected products) is a
living record: as responders learn more, it is corrected. Each change is one timeline entry
in the words people read: "<who> changed the summary from ... to ...".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.declaration import UNKNOWN, check_summary_and_impact
from bot.core.incident import IncidentSnapshot
from bot.views.slack_text import mention

# Field -> how a sentence names it.
FIELD_NAMES = {
    "summary": "summary",
    "impact": "impact",
    "faulty_service": "faulty service",
    "affected_products": "affected products",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | tuple[str, ...]
    new: str | tuple[str, ...]

    @property
    def name(self) -> str:
        return FIELD_NAMES[self.field]


@dataclass(frozen=True)
class Edit:
    summary: str
    impact: str
    faulty_service: str
    affected_products: tuple[str, ...]


def validate_edit(
    *, summary: str | None, impact: str | None, faulty_service: str | None,
    affected_products: Sequence[str] | None, services: Sequence[str], products: Sequence[str],
    current: IncidentSnapshot,
) -> tuple[Edit | None, dict[str, str]]:
    """The edited fields, or inline errors keyed by block ID. The incident's current service
    and products stay valid even when the configuration no longer lists them."""
    errors: dict[str, str] = {}
    summary, impact = check_summary_and_impact(
        summary, impact, errors, empty="The summary cannot be empty: say in a few words what is wrong.")
    service = faulty_service or UNKNOWN
    if service not in (UNKNOWN, current.faulty_service, *services):
        errors["faulty_service"] = f"{service!r} is not a known service; choose one from the list or Unknown."
    chosen = tuple(affected_products or ())
    known = {UNKNOWN, *current.affected_products, *products}
    strange = [p for p in chosen if p not in known]
    if strange:
        errors["affected_products"] = f"Unknown products: {', '.join(strange)}. Choose from the list or Unknown."
    if errors:
        return None, errors
    return Edit(summary, impact, service, chosen or (UNKNOWN,)), {}


def changes(current: IncidentSnapshot, edit: Edit) -> list[FieldChange]:
    """The fields whose value differs, in the modal's order; products compare as sets."""
    found: list[FieldChange] = []
    if edit.summary != current.summary:
        found.append(FieldChange("summary", current.summary, edit.summary))
    if edit.impact != (current.impact or ""):
        found.append(FieldChange("impact", current.impact or "", edit.impact))
    if edit.faulty_service != current.faulty_service:
        found.append(FieldChange("faulty_service", current.faulty_service, edit.faulty_service))
    if set(edit.affected_products) != set(current.affected_products):
        found.append(FieldChange("affected_products", tuple(current.affected_products), edit.affected_products))
    return found


def _shown(value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) or UNKNOWN
    return value or "(empty)"


def change_sentence(change: FieldChange, *, actor: str) -> str:
    """`<@U1> changed the summary from “Checkout slow” to “Checkout fails”` (text stays raw:
    the views escape it where it becomes Slack markup)."""
    return f"{mention(actor)} changed the {change.name} from “{_shown(change.old)}” to “{_shown(change.new)}”"
