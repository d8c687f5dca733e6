"""Small Block Kit building blocks shared by every view and message."""

from __future__ import annotations

from typing import Any

from bot.views.ids import Action, Block


def plain(text: str, *, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, *, limit: int = 3000) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, limit=150)}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


def fields(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "section", "fields": [mrkdwn(f"*{k}*\n{v}", limit=2000) for k, v in pairs[:10]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    opt: dict[str, Any] = {"text": plain(text), "value": value[:150]}
    if description:
        opt["description"] = plain(description)
    return opt


def text_input(
    block_id: str, label: str, *, initial: str = "", multiline: bool = False, max_length: int = 3000,
    placeholder: str | None = None, optional: bool = False, hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input", "action_id": Action.VALUE, "multiline": multiline, "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, limit=150)
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label, limit=2000),
                             "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, limit=2000)
    return block


def support_cases_input(initial: str = "") -> dict[str, Any]:
    """The optional "Support cases" number (update and resolve modals)."""
    element: dict[str, Any] = {"type": "number_input", "action_id": Action.VALUE, "is_decimal_allowed": False,
                               "min_value": "0"}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": Block.SUPPORT_CASES, "label": plain("Support cases"), "optional": True,
            "hint": plain("How many support cases have customers opened about this incident? The latest count "
                          "goes into the final comms and the postmortem's impact.", limit=2000),
            "element": element}


def modal(callback_id: str, title: str, blocks: list[dict[str, Any]], *, submit: str = "Submit",
          private_metadata: str = "") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, limit=24),
        "submit": plain(submit, limit=24),
        "close": plain("Cancel", limit=24),
        "private_metadata": private_metadata[:3000],
        "blocks": blocks[:100],
    }


def input_value(values: dict[str, Any], block_id: str) -> Any:
    """The submitted value of an input block (text, select, multi-select, checkbox, date, time, user)."""
    element = (values.get(block_id) or {}).get(Action.VALUE) or {}
    kind = element.get("type")
    if kind == "static_select" or kind == "radio_buttons":
        selected = element.get("selected_option")
        return selected["value"] if selected else None
    if kind in ("multi_static_select", "checkboxes"):
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    value = element.get("value")
    # A NUL cannot be stored (PostgreSQL refuses it in text) and means nothing to a person.
    return value.replace("\x00", "") if isinstance(value, str) else value
