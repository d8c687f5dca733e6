"""The external (status page) part of the update and resolve modals.

Shown only when Statuspage is configured and the incident is public (`external_comms.offered`):
a "Publish to the status page" checkbox, the Statuspage status, and the 1-2 sentence message
customers read, prefilled from the handbook's external templates.
"""

from __future__ import annotations

from typing import Any

from bot.core.external_comms import MESSAGE_MAX, RESOLVED, STATUS_LABELS, STATUSES
from bot.views.blocks import context, divider, input_value, option, plain, section, text_input
from bot.views.ids import Action, Block
from bot.views.slack_text import escape

PUBLISH = "publish"
# The core's field names -> the modal's block IDs.
EXTERNAL_BLOCKS = {"status": Block.EXTERNAL_STATUS, "message": Block.EXTERNAL_MESSAGE}


def external_blocks(*, message: str, status: str, publish: bool, name: str, components: str,
                    statuses: tuple[str, ...] = STATUSES, shortlink: str | None = None,
                    publish_label: str = "Publish to the status page") -> list[dict[str, Any]]:
    """`components`: what the publish will do to the service's components, in words."""
    publish_option = option(publish_label, PUBLISH, "Customers see the message below on the status page.")
    checkbox: dict[str, Any] = {"type": "checkboxes", "action_id": Action.VALUE, "options": [publish_option]}
    if publish:
        checkbox["initial_options"] = [publish_option]
    status_options = [option(STATUS_LABELS[s], s) for s in statuses]
    chosen = next((o for o in status_options if o["value"] == status), status_options[0])
    where = f"<{shortlink}|the status page incident>" if shortlink else f"a new status page incident, *{escape(name)}*"
    return [
        divider(),
        section(f"*External comms (status page).* Publishing updates {where}. {components}"),
        {"type": "input", "block_id": Block.EXTERNAL_PUBLISH, "label": plain("Status page"), "optional": True,
         "element": checkbox},
        {"type": "input", "block_id": Block.EXTERNAL_STATUS, "label": plain("Status page status"),
         "element": {"type": "static_select", "action_id": Action.VALUE, "options": status_options,
                     "initial_option": chosen}},
        text_input(Block.EXTERNAL_MESSAGE, "Message for customers", initial=message, multiline=True,
                   max_length=MESSAGE_MAX, optional=True,
                   hint="One or two short sentences: what is affected, and when customers hear from us next."),
        context("Nothing is published unless the box is ticked."),
    ]


def external_values(values: dict[str, Any]) -> tuple[bool, str | None, str | None] | None:
    """(publish, status, message) as submitted, or None when the modal had no external part."""
    if Block.EXTERNAL_PUBLISH not in values:
        return None
    publish = PUBLISH in (input_value(values, Block.EXTERNAL_PUBLISH) or [])
    return publish, input_value(values, Block.EXTERNAL_STATUS), input_value(values, Block.EXTERNAL_MESSAGE)


def resolved_only() -> tuple[str, ...]:
    """Resolving the incident resolves the status page incident: no other status makes sense."""
    return (RESOLVED,)
