"""The "Add to incident timeline" modal: which kind of entry and, outside an incident
channel, which open incident."""

from __future__ import annotations

from typing import Any

from bot.core.timeline import PERSON_KINDS, kind_label
from bot.views.blocks import context, modal, option, plain, section
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import escape

KIND_HELP = {
    "note": "Anything worth keeping",
    "observation": "Something seen: a graph, an error, a report",
    "change": "Something done to the system",
    "decision": "Something the team decided",
}


def add_to_timeline_modal(*, message_text: str, incident_label: str | None,
                          choices: list[tuple[str, str]] | None, metadata: str) -> dict[str, Any]:
    """`incident_label` when the message is in an incident channel; otherwise `choices`
    (value, label) of the open incidents the person may add to."""
    kinds = [option(kind_label(k), k, KIND_HELP.get(k)) for k in PERSON_KINDS]
    quoted = (message_text or "(a message without text)").replace("\n", " ")
    blocks: list[dict[str, Any]] = [section(f"> {escape(quoted)[:2800]}")]
    if incident_label is not None:
        blocks.append(context(f"Goes on the timeline of {incident_label}, at the message's own time."))
    else:
        blocks.append({"type": "input", "block_id": Block.TIMELINE_INCIDENT, "label": plain("Which incident"),
                       "element": {"type": "static_select", "action_id": Action.VALUE,
                                   "options": [option(label, value) for value, label in (choices or [])[:100]]}})
    blocks.append({"type": "input", "block_id": Block.TIMELINE_KIND, "label": plain("As"),
                   "element": {"type": "radio_buttons", "action_id": Action.VALUE, "options": kinds,
                               "initial_option": kinds[0]}})
    return modal(Callback.ADD_TO_TIMELINE_SUBMIT, "Add to timeline", blocks, submit="Add", private_metadata=metadata)


def nothing_open_modal() -> dict[str, Any]:
    return {"type": "modal", "title": plain("Add to timeline", limit=24), "close": plain("Close", limit=24),
            "blocks": [section("There is no open incident to add this message to. `/incident declare` starts one; "
                               "the *Declare incident* shortcut on this message does too.")]}


def incident_choice_label(key: str, summary: str, private: bool) -> str:
    return f"{key} (private)" if private else f"{key}: {summary}"
