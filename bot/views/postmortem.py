"""Postmortem views: the document in Slack, the per-section edit modals, the owner's and the
approvers' DMs. Each stays within Slack's limits (50 blocks a message, 100 a modal,
3000 characters a text block or input)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core import handbook
from bot.core.durations import format_duration
from bot.core.postmortem import (
    CAUSE_CATEGORY,
    DUE_SOON,
    EXTERNAL_DEPENDENCY,
    FIELDS,
    IN_REVIEW,
    SECTIONS,
    STATUS_LABELS,
    PostmortemDocument,
    Section,
    field_text,
)
from bot.core.incident import IncidentSnapshot
from bot.core.postmortem_text import action_lines, cause_category_text, external_dependency_text, timeline_lines
from bot.views.blocks import clip, context, divider, fields, header, modal, option, plain, section, text_input
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import DATE_AT_TIME, date_token, inert, inert_incident, mention

FIELD_PREVIEW = 600  # characters of a field shown in the channel; the export has everything
TIMELINE_PREVIEW = 8


def _meta_pairs(doc: PostmortemDocument) -> list[tuple[str, str]]:
    pm, incident = doc.postmortem, doc.incident
    approvers = ", ".join(mention(a) for a in pm.approvers) or "none named yet"
    pairs = [("Status", STATUS_LABELS.get(pm.status, pm.status)), ("Owner", mention(pm.owner_id)),
             ("Due", date_token(pm.due_at, DATE_AT_TIME)), ("Approvers", approvers)]
    start, detected, end = incident.impact_started_at, incident.detected_at, incident.impact_ended_at
    if start and detected and end:
        pairs += [("TTD", format_duration(detected - start)), ("TTR", format_duration(end - start))]
    return pairs


def _field_preview(doc: PostmortemDocument, key: str) -> str:
    if key == "timeline":
        lines = timeline_lines(doc)
        shown = lines[-TIMELINE_PREVIEW:]
        more = f"\n_…and {len(lines) - len(shown)} earlier entries (the export has them all)_" if len(lines) > len(shown) else ""
        notes = inert(field_text(doc, key))
        return clip((notes + "\n" if notes else "") + "\n".join(f"• {inert(line)}" for line in shown) + more, FIELD_PREVIEW)
    if key == "corrective_actions":
        lines = [f"• {inert(line)}" for line in action_lines(doc)]
        notes = inert(field_text(doc, key))
        text = "\n".join(([notes] if notes else []) + lines)
        return clip(text, FIELD_PREVIEW) if text else ""
    return clip(inert(field_text(doc, key)), FIELD_PREVIEW)


def document_message(doc: PostmortemDocument, incident_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The whole document, each field previewed, with the owner's edit, export and approval controls."""
    incident = doc.incident
    blocks: list[dict[str, Any]] = [
        header(f"Postmortem: {incident.key} - Sev {incident.severity}"),
        section(f"*{inert(incident.summary)}*"),
        fields(_meta_pairs(doc)),
    ]
    for part in SECTIONS:
        blocks += [divider(), section(f"*{part.title}*")]
        for key in part.keys:
            if key == CAUSE_CATEGORY:
                body = cause_category_text(doc.postmortem.cause_category) or "_not chosen yet_"
                blocks.append(section(f"*Cause category*\n{body}"))
                continue
            if key == EXTERNAL_DEPENDENCY:
                chosen = external_dependency_text(str(doc.postmortem.fields.get(key) or ""))
                blocks.append(section(f"*External dependency*\n{chosen or '_none involved, or not chosen yet_'}"))
                continue
            body = _field_preview(doc, key) or "_not written yet_"
            blocks.append(section(f"*{FIELDS[key].title}*\n{body}"))
    options = [option(f"Edit: {part.title}", f"{incident_id}:{part.name}") for part in SECTIONS]
    blocks += [
        divider(),
        {"type": "actions", "elements": [
            {"type": "static_select", "action_id": Action.POSTMORTEM_EDIT_SECTION,
             "placeholder": plain("Edit a section (owner)"), "options": options},
            {"type": "button", "action_id": Action.POSTMORTEM_EXPORT, "text": plain("Export as Markdown"),
             "value": str(incident_id)},
            {"type": "button", "action_id": Action.POSTMORTEM_REQUEST_APPROVAL, "text": plain("Request approval"),
             "value": str(incident_id)},
        ]},
        context("`/incident postmortem edit <section>` · `export` · `owner @user` · `approvers @a @b` · "
                "`request-approval` · `meeting` (the handbook's invitation and agenda, prefilled). "
                "Actions: `/incident action priority|improvement [category] <text> [@owner]`."),
    ]
    return f"Postmortem of {incident.key}: {STATUS_LABELS.get(doc.postmortem.status)}", blocks


def edit_modal(doc: PostmortemDocument, part: Section, incident_id: int) -> dict[str, Any]:
    """One section's fields, each prefilled; the handbook's prompt as hint, its example as placeholder."""
    blocks: list[dict[str, Any]] = [context(f"{doc.incident.key} postmortem · {part.title}. Blameless: describe "
                                            "what happened and why, not who is at fault.")]
    for key in part.keys:
        block_id = Block.POSTMORTEM_FIELD_PREFIX + key
        if key == CAUSE_CATEGORY:
            choices = [option(c.capitalize(), c, handbook.CAUSE_CATEGORY_MEANING[c]) for c in handbook.CAUSE_CATEGORIES]
            element: dict[str, Any] = {"type": "static_select", "action_id": Action.VALUE, "options": choices,
                                       "placeholder": plain("Choose the cause category")}
            current = doc.postmortem.cause_category
            if current in handbook.CAUSE_CATEGORIES:
                element["initial_option"] = choices[handbook.CAUSE_CATEGORIES.index(current)]
            blocks.append({"type": "input", "block_id": block_id, "label": plain("Cause category"), "optional": True,
                           "element": element})
            continue
        if key == EXTERNAL_DEPENDENCY:
            blocks.append(_external_dependency_input(block_id, str(doc.postmortem.fields.get(key) or "")))
            continue
        spec = FIELDS[key]
        label, hint = spec.title, spec.prompt
        if key == "timeline":
            label, hint = "Timeline: notes to add", ("The bot lists every timeline entry with its time. Add what it "
                                                     "does not know: lead-up, escalations, decisions. " + spec.prompt)
        elif key == "corrective_actions":
            label, hint = "Corrective actions: notes", ("Actions added with `/incident action` are listed "
                                                        "automatically with owner and due date. " + spec.prompt)
        blocks.append(text_input(block_id, label, initial=field_text(doc, key), multiline=True, optional=True,
                                 max_length=3000, placeholder=spec.example, hint=hint))
    metadata = json.dumps({"incident_id": incident_id, "section": part.name})
    return modal(Callback.POSTMORTEM_EDIT, f"{doc.incident.key} postmortem", blocks, submit="Save",
                 private_metadata=metadata)


def _external_dependency_input(block_id: str, current: str) -> dict[str, Any]:
    """Exceeded / met / none, each option described; the handbook's consequences as the hint."""
    outcomes = handbook.EXTERNAL_DEPENDENCY_OUTCOMES
    choices = [option(o.capitalize(), o, handbook.EXTERNAL_DEPENDENCY_MEANING[o].partition(": ")[2])
               for o in outcomes]
    element: dict[str, Any] = {"type": "static_select", "action_id": Action.VALUE, "options": choices,
                               "placeholder": plain("The external service's expectation was...")}
    if current in outcomes:
        element["initial_option"] = choices[outcomes.index(current)]
    hint = " ".join(f"{o.capitalize()}: {handbook.EXTERNAL_DEPENDENCY_CONSEQUENCE[o]}" for o in outcomes)
    return {"type": "input", "block_id": block_id, "label": plain("External dependency"), "optional": True,
            "hint": plain("If an external service failed: was our expectation of it exceeded, met, or did we have "
                          "none? " + hint, limit=2000),
            "element": element}


def owner_dm(doc: PostmortemDocument, business_days: int) -> tuple[str, list[dict[str, Any]]]:
    incident, pm = doc.incident, doc.postmortem
    channel = f"<#{incident.channel_id}>" if incident.channel_id else incident.key
    text = f"You own the postmortem of {incident.key}, due {date_token(pm.due_at, DATE_AT_TIME)}."
    steps = (
        f"1. Open it with `/incident postmortem` in {channel}: the summary, times and timeline are prefilled.",
        "2. Write each section (`/incident postmortem edit <section>`), then hold the postmortem meeting "
        "(`/incident postmortem meeting` has the handbook's invitation and agenda, prefilled); keep it blameless.",
        "3. Add priority and improvement actions with owners: `/incident action priority <text> @owner`.",
        "4. Name the approvers (`/incident postmortem approvers @a @b`) and `/incident postmortem request-approval`.",
    )
    blocks = [
        section(f":spiral_note_pad: *{text}*\n{incident.key} - Sev {incident.severity} - {inert(incident.summary)}"),
        section("\n".join(steps)),
        context(f"Due {business_days} business days after it was created: the handbook asks for postmortems "
                "within 24-48 hours and not more than five business days."),
    ]
    return text, blocks


def approval_request(doc: PostmortemDocument, postmortem_id: int, missing: list[str]) -> tuple[str, list[dict[str, Any]]]:
    incident, pm = doc.incident, doc.postmortem
    text = f"{mention(pm.owner_id)} asks you to approve the postmortem of {incident.key}."
    root = inert(clip(field_text(doc, "root_cause"), 1200)) or "_not written_"  # typed text
    priority = [a for a in doc.actions if a.kind == "priority"]
    body = [f"*{text}*", f"{incident.key} - Sev {incident.severity} - {inert(incident.summary)}",
            f"*Root cause:* {root}",
            f"*Cause category:* {cause_category_text(pm.cause_category) or '_not chosen_'}",
            f"*Priority actions:* {len(priority)}"]
    if missing:
        body.append(f"*Still empty:* {', '.join(missing)}")
    channel = f"<#{incident.channel_id}>" if incident.channel_id else incident.key
    blocks = [
        section("\n".join(body)),
        context(f"The whole document: `/incident postmortem` in {channel}. Approving means you agree with the "
                "findings, including the root cause, and that the priority actions address it."),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": Action.POSTMORTEM_APPROVE, "text": plain("Approve"), "style": "primary",
             "value": str(postmortem_id)},
            {"type": "button", "action_id": Action.POSTMORTEM_REQUEST_CHANGES, "text": plain("Request changes"),
             "value": str(postmortem_id)},
        ]},
    ]
    return text, blocks


def private_approval_request(key: str, channel_id: str,
                             blocks: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The approval DM for a private incident: its key, a link to its channel, the buttons; no details."""
    text = (f":lock: You are asked to approve the postmortem of private incident {key}. You have been added to "
            f"<#{channel_id}>: read it there with `/incident postmortem`.")
    return text, [section(text), *[b for b in blocks if b.get("type") == "actions"]]


def review_done(key: str, approved: bool, comment: str) -> tuple[str, list[dict[str, Any]]]:
    text = (f":white_check_mark: You approved the postmortem of {key}." if approved else
            f":leftwards_arrow_with_hook: You requested changes to the postmortem of {key}: {inert(comment)}")
    return text, [section(text)]


def changes_modal(key: str, metadata: str) -> dict[str, Any]:
    blocks = [text_input(Block.REVIEW_COMMENT, "What should change?", multiline=True, max_length=3000,
                         placeholder="e.g. The priority actions do not address the root cause")]
    return modal(Callback.POSTMORTEM_CHANGES, f"{key}: request changes", blocks, submit="Send",
                 private_metadata=metadata)


def confirm_without_root_cause_action(key: str, incident_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The handbook: "Mitigate future incidents" and "Prevent future incidents" are the most
    likely source of actions that address the root cause: "Be sure to get at least one of these"."""
    text = (f"The {key} postmortem has no priority action in the categories \"Mitigate future incidents\" or "
            "\"Prevent future incidents\", the handbook's most likely source of actions that address the root "
            "cause: be sure to get at least one of these. Request approval anyway?")
    blocks = [
        section(f":warning: {text}"),
        context("Add one with `/incident action priority prevent-future <text> [@owner]` (or `mitigate-future`)."),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": Action.POSTMORTEM_REQUEST_APPROVAL_CONFIRMED,
             "text": plain("Request approval anyway"), "value": str(incident_id)},
        ]},
    ]
    return text, blocks


def postmortem_reminder(kind: str, incident: IncidentSnapshot, *, status: str, due_at: datetime,
                        reminder_due_at: datetime, late: bool, approvers: tuple[str, ...],
                        owner_unreachable: str | None = None) -> str:
    """The owner's reminder (one business day before the due date, or overdue); when the owner
    cannot be reached, the same words for the channel, asking someone to take it over."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    channel = f"<#{incident.channel_id}>" if incident.channel_id else incident.key
    if kind == DUE_SOON:
        text = f":spiral_note_pad: The postmortem of {incident.key} is due {date_token(due_at, DATE_AT_TIME)}, one business day from now."
    else:
        text = f":warning: The postmortem of {incident.key} is overdue: it was due {date_token(due_at, DATE_AT_TIME)}."
    if late:
        text += f" (This reminder is late: it was due {date_token(reminder_due_at, DATE_AT_TIME)}, while the bot was not running.)"
    if status == IN_REVIEW:
        text += f" It is in review: follow up with {', '.join(mention(a) for a in approvers)}."
    else:
        text += (f" Finish it with `/incident postmortem` in {channel}, then "
                 "`/incident postmortem request-approval`.")
    if owner_unreachable:
        text = f"{mention(owner_unreachable)} cannot be reached. {text} `/incident postmortem owner me` takes it over."
    return text
