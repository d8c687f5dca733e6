"""The `/incident edit` modal and the lines that tell people what changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core import handbook
from bot.core.declaration import IMPACT_MAX, SUMMARY_MAX, UNKNOWN
from bot.core.edit import FieldChange, change_sentence
from bot.core.incident import IncidentSnapshot
from bot.views.blocks import modal, option, plain, text_input
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import inert, inert_incident, mention


def edit_modal(incident: IncidentSnapshot, *, incident_id: int, services: tuple[str, ...],
               products: tuple[str, ...]) -> dict[str, Any]:
    """Prefilled with what was declared; the incident's own service and products stay
    selectable even if the configuration dropped them."""
    service_names = list(dict.fromkeys([UNKNOWN, *services, incident.faulty_service]))[:100]
    product_names = list(dict.fromkeys([UNKNOWN, *products, *incident.affected_products]))[:100]
    service_options = [option(name, name) for name in service_names]
    product_options = [option(name, name) for name in product_names]
    chosen_products = [o for o in product_options if o["value"] in incident.affected_products]
    products_element: dict[str, Any] = {"type": "multi_static_select", "action_id": Action.VALUE,
                                        "options": product_options}
    if chosen_products:
        products_element["initial_options"] = chosen_products
    blocks = [
        text_input(Block.SUMMARY, handbook.DECLARE_SUMMARY_LABEL, initial=incident.summary, max_length=SUMMARY_MAX),
        text_input(Block.IMPACT, handbook.DECLARE_IMPACT_LABEL, initial=incident.impact, multiline=True,
                   optional=True, max_length=IMPACT_MAX),
        {
            "type": "input", "block_id": Block.FAULTY_SERVICE, "label": plain("Faulty service"),
            "hint": plain(handbook.DECLARE_FAULTY_SERVICE_HELP, limit=2000),
            "element": {"type": "static_select", "action_id": Action.VALUE, "options": service_options,
                        "initial_option": service_options[service_names.index(incident.faulty_service)]},
        },
        {
            "type": "input", "block_id": Block.AFFECTED_PRODUCTS, "label": plain("Affected products"),
            "optional": True, "hint": plain(handbook.DECLARE_PRODUCTS_HELP, limit=2000),
            "element": products_element,
        },
    ]
    return modal(Callback.EDIT, f"Edit {incident.key}", blocks, submit="Save", private_metadata=str(incident_id))


def edited_in_channel(incident: IncidentSnapshot, found: list[FieldChange], *, actor: str) -> str:
    """The incident channel's note: one line per changed field."""
    return "\n".join(f":pencil2: {change_sentence(_inert_change(c), actor=actor)}." for c in found)


def _inert_change(change: FieldChange) -> FieldChange:
    """Both sides of a change are typed text: escaped for mrkdwn."""
    def safe(value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        return tuple(inert(v) for v in value) if isinstance(value, tuple) else inert(value)
    return replace(change, old=safe(change.old), new=safe(change.new))


def summary_change_announcement(incident: IncidentSnapshot, old_summary: str, *, actor: str) -> str:
    """The incidents channel hears of a public incident's new summary (it named the old one)."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    return (f":pencil2: {incident.key} - Sev {incident.severity} - {incident.summary}: {mention(actor)} changed the "
            f"summary from “{inert(old_summary)}”. Follow it in <#{incident.channel_id}>.")
