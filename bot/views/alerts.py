"""The Alertmanager card in the incidents channel: what fires, its labels, a Declare button."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.alerts import label_text
from bot.views.blocks import context, section
from bot.views.ids import Action
from bot.views.slack_text import date_token, escape, utc_text


def alert_card(*, group_id: int, summary: str, labels: Mapping[str, str], description: str, status: str,
               starts_at: datetime | None, ends_at: datetime | None, external_url: str | None = None,
               incident_key: str | None = None, incident_channel_id: str | None = None,
               incident_private: bool = False) -> tuple[str, list[dict[str, Any]]]:
    firing = status == "firing"
    icon = ":rotating_light:" if firing else ":white_check_mark:"
    text = f"{icon} Alert {'firing' if firing else 'resolved'}: {summary}"
    lines = [f"{icon} *Alert {'firing' if firing else 'resolved'}: {escape(summary)}*"]
    if description:
        lines.append(escape(description))
    blocks: list[dict[str, Any]] = [section("\n".join(lines))]
    facts = [f"`{escape(label_text(labels))}`"]
    if starts_at:
        facts.append(f"since {date_token(starts_at)}")
    if ends_at and not firing:
        facts.append(f"resolved at {date_token(ends_at)}")
    if external_url:
        facts.append(f"<{external_url}|Alertmanager>")
    blocks.append(context(" · ".join(facts)))
    if incident_key:
        where = "" if incident_private or not incident_channel_id else f" in <#{incident_channel_id}>"
        blocks.append(section(f":point_right: Declared as *{incident_key}*{where}; later notifications of this "
                              "alert group go on its timeline."))
    elif firing:
        blocks.append({"type": "actions", "block_id": "alert_actions", "elements": [{
            "type": "button", "action_id": Action.ALERT_DECLARE, "value": str(group_id), "style": "danger",
            "text": {"type": "plain_text", "text": "Declare incident", "emoji": True}}]})
    else:
        blocks.append(context("The alert group resolved before anyone declared an incident."))
    return text, blocks


def alert_timeline_text(*, summary: str, status: str, ends_at: datetime | None, again: bool) -> str:
    """The incident timeline's line for a later notification of its alert group."""
    if status == "firing":
        return f"Alertmanager: {summary} is firing{' again' if again else ''}"
    when = f" at {utc_text(ends_at)}" if ends_at else ""
    return f"Alertmanager: {summary} resolved{when}"
