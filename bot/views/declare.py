"""The declare modal, the pinned info message, the announcement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core import handbook
from bot.core.declaration import SUMMARY_MAX, UNKNOWN
from bot.core.incident import IncidentSnapshot
from bot.views.blocks import context, fields, header, modal, option, plain, section, text_input
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import escape, inert_incident, link, mention

LINK_TITLES = {"video": "Video call", "doc": "Incident state document", "issue": "Incident issue",
               "statuspage": "Status page"}


def declare_modal(*, summary: str, services: tuple[str, ...], products: tuple[str, ...], origin_channel: str,
                  impact: str = "", severity: int = 3, faulty_service: str | None = None,
                  metadata: str | None = None) -> dict[str, Any]:
    """The declare form; an alert or a message prefills it (`metadata` then says where it came from)."""
    severity_options = [
        option(f"Sev {s.level} – {s.label}", str(s.level), s.short) for s in handbook.SEVERITIES.values()
    ]
    service_options = [option(UNKNOWN, UNKNOWN)] + [option(name, name) for name in services[:99]]
    product_options = [option(UNKNOWN, UNKNOWN)] + [option(name, name) for name in products[:99]]
    chosen_severity = next((o for o in severity_options if o["value"] == str(severity)), severity_options[2])
    chosen_service = next((o for o in service_options if o["value"] == faulty_service), service_options[0])
    blocks = [
        text_input(Block.SUMMARY, handbook.DECLARE_SUMMARY_LABEL, initial=summary[:SUMMARY_MAX], max_length=SUMMARY_MAX,
                   placeholder="e.g. Checkout fails for EU customers"),
        text_input(Block.IMPACT, handbook.DECLARE_IMPACT_LABEL, initial=impact, multiline=True, optional=True,
                   max_length=3000),
        {
            "type": "input", "block_id": Block.SEVERITY, "label": plain("Severity"),
            "hint": plain("Choosing Sev 2 or 1 means you believe this must be resolved right now - people will be paged.", limit=2000),
            "element": {"type": "static_select", "action_id": Action.VALUE, "options": severity_options,
                        "initial_option": chosen_severity},
        },
        {
            "type": "input", "block_id": Block.FAULTY_SERVICE, "label": plain("Faulty service"),
            "hint": plain("The service that has the fault that's causing the incident. Take your best guess if unsure. "
                          "Select \"Unknown\" if you have no idea.", limit=2000),
            "element": {"type": "static_select", "action_id": Action.VALUE, "options": service_options,
                        "initial_option": chosen_service},
        },
        {
            "type": "input", "block_id": Block.AFFECTED_PRODUCTS, "label": plain("Affected products"), "optional": True,
            "hint": plain("Which products are affected by this incident? Select any that apply.", limit=2000),
            "element": {"type": "multi_static_select", "action_id": Action.VALUE, "options": product_options},
        },
        {
            "type": "input", "block_id": Block.PRIVATE, "label": plain("Visibility"), "optional": True,
            "element": {"type": "checkboxes", "action_id": Action.VALUE, "options": [
                option("Private (security or confidential)", "private",
                       "A private channel; only you are invited; the announcement names no details."),
            ]},
        },
    ]
    return modal(Callback.DECLARE, "Declare an incident", blocks, submit="Declare",
                  private_metadata=metadata if metadata is not None else origin_channel)


def info_message(incident: IncidentSnapshot, paged: Sequence[tuple[str, bool, list[Any] | None]] = (),
                 ) -> tuple[str, list[dict[str, Any]]]:
    """The pinned message: what the incident is and what to do next; `paged`: (service,
    still paged, who is on call) of each PagerDuty page."""
    raw, incident = incident, inert_incident(incident)  # typed text escaped for mrkdwn
    severity = handbook.SEVERITIES[incident.severity]
    im = incident.incident_manager
    next_step = (
        f"{mention(im)} is the incident manager."
        if im
        else "*Next:* someone takes the incident manager role with `/incident role incident-manager me`."
    )
    pairs = [
        ("Severity", f"Sev {severity.level} – {severity.label}"),
        ("Status", incident.status),
        ("Reporter", mention(incident.reporter_id)),
        ("Incident manager", mention(im) if im else "unassigned"),
        ("Faulty service", incident.faulty_service),
        ("Affected products", ", ".join(incident.affected_products) or UNKNOWN),
    ]
    blocks = [
        header(f"{raw.key}: {raw.summary}"),
        fields(pairs),
        section(f"*Impact*\n{incident.impact or '_not described yet_'}"),
    ]
    if incident.links:
        blocks.append(section("*Links*\n" + "\n".join(f"• {link(url, LINK_TITLES.get(k, k))}" for k, url in incident.links.items())))
    if paged:
        blocks.append(section("*Paged*\n" + "\n".join(paged_line(*entry) for entry in paged)))
    blocks.append(section(next_step))
    blocks.append(context("`/incident help` lists every command. React with :mag: :hammer_and_wrench: "
                          ":ballot_box_with_check: :thought_balloon: :test_tube: :pushpin: to put a message on the "
                          "timeline."))
    text = f"{incident.key} - Sev {incident.severity} - {incident.summary}"
    return text, blocks


def paged_line(service: str, open_: bool, on_call: list[Any] | None) -> str:
    state = "" if open_ else " (resolved)"
    if on_call is None:
        return f"• {service} through PagerDuty{state}"
    people = ", ".join(mention(p["slack_id"]) if p.get("slack_id") else escape(str(p.get("name"))) for p in on_call)
    return f"• {service} through PagerDuty{state}: on call {people or 'nobody found'}"


def announcement(incident: IncidentSnapshot) -> tuple[str, list[dict[str, Any]]]:
    """The incidents channel's announcement; a private incident names no details."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    if incident.private:
        text = (f":lock: A private incident {incident.key} was declared. "
                "Its responders have been invited to a private channel.")
        return text, [section(text)]
    text = f":rotating_light: {incident.key} - Sev {incident.severity} - {incident.summary}"
    blocks = [
        section(f"{text}\nJoin <#{incident.channel_id}> to help. Reported by {mention(incident.reporter_id)}."),
    ]
    return text, blocks
