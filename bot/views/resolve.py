"""The resolve modal (three date+time pairs in the user's zone, a one-line summary) and final comms."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import handbook
from bot.core.incident import IncidentSnapshot
from bot.core.resolve import (
    DETECTED,
    IMPACT_ENDED,
    IMPACT_STARTED,
    RESOLUTION_SUMMARY_MAX,
    TIME_LABELS,
    ResolveTimes,
    external_final_comms,
    final_comms,
    local_date_and_time,
)
from bot.views.blocks import context, modal, plain, section, support_cases_input, text_input
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import inert, inert_incident

# Each of the handbook's times -> (date block, time block); errors are shown on the time block.
TIME_BLOCKS: dict[str, tuple[str, str]] = {
    IMPACT_STARTED: (Block.IMPACT_STARTED_DATE, Block.IMPACT_STARTED_TIME),
    DETECTED: (Block.DETECTED_DATE, Block.DETECTED_TIME),
    IMPACT_ENDED: (Block.IMPACT_ENDED_DATE, Block.IMPACT_ENDED_TIME),
}
TIME_HINTS = {
    IMPACT_STARTED: "When customers first felt the impact (often before anyone noticed).",
    DETECTED: "When we first knew: the alert, the first report, the page.",
    IMPACT_ENDED: "When customers stopped feeling the impact.",
}


def _date_and_time_inputs(name: str, moment: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    day, clock = local_date_and_time(moment, tz)
    date_block, time_block = TIME_BLOCKS[name]
    return [
        {"type": "input", "block_id": date_block, "label": plain(f"{TIME_LABELS[name]}: date"),
         "hint": plain(TIME_HINTS[name], limit=2000),
         "element": {"type": "datepicker", "action_id": Action.VALUE, "initial_date": day}},
        {"type": "input", "block_id": time_block, "label": plain(f"{TIME_LABELS[name]}: time ({tz.key})"),
         "element": {"type": "timepicker", "action_id": Action.VALUE, "initial_time": clock, "timezone": tz.key}},
    ]


def resolve_modal(*, incident: IncidentSnapshot, incident_id: int, tz: ZoneInfo, now: datetime,
                  external: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Defaults: start of impact and detection at declaration, end of impact now (the handbook's
    times are often earlier than the declaration; the person corrects them). `external`: the
    final status page message (bot/views/external.py), when the incident is on the page."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    blocks: list[dict[str, Any]] = [
        section(f"*Resolve {incident.key}:* {incident.summary}\n"
                f"{handbook.TIME_TO_DETECT_MEANING}\n{handbook.TIME_TO_RECOVERY_MEANING}"),
        *_date_and_time_inputs(IMPACT_STARTED, incident.impact_started_at or incident.declared_at, tz),
        *_date_and_time_inputs(DETECTED, incident.detected_at or incident.declared_at, tz),
        *_date_and_time_inputs(IMPACT_ENDED, now, tz),
        text_input(Block.RESOLUTION_SUMMARY, "Resolution in one line", max_length=RESOLUTION_SUMMARY_MAX,
                   placeholder="e.g. Rolled back the 14:05 deploy of payments-api"),
        support_cases_input("" if incident.support_cases is None else str(incident.support_cases)),
        *(external or []),
        context(f"Times are in your zone, {tz.key}. Resolving posts the final update to the channel and "
                "the incidents channel and stops the update reminders."),
    ]
    metadata = json.dumps({"incident_id": incident_id, "tz": tz.key})
    return modal(Callback.RESOLVE, f"Resolve {incident.key}", blocks, submit="Resolve", private_metadata=metadata)


def final_comms_message(incident: IncidentSnapshot, times: ResolveTimes, resolution_summary: str,
                        postmortem_line: str | None, latest_impact: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The final update in the incident channel and (for a non-private incident) the incidents channel."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    body = final_comms(incident, times, inert(resolution_summary), inert(latest_impact) or None)
    blocks = [section(":white_check_mark: " + body)]
    if postmortem_line:
        blocks.append(section(postmortem_line))
    blocks.append(context(f"Suggested external update: {external_final_comms(incident)}"))
    text = f"{incident.key} is resolved. There will be no further communications about it."
    return text, blocks
