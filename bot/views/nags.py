"""What a nag says: the DM to the IM (or reporter), the channel line, the handover nudge."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core import handbook
from bot.core.deadlines import DueNag
from bot.core.durations import format_duration
from bot.core.incident import INCIDENT_MANAGER
from bot.views.blocks import context, section
from bot.views.ids import Action
from bot.views.slack_text import DATE_AT_TIME, date_token, inert, mention


def _what(nag: DueNag) -> str:
    return "Initial communications" if nag.kind.startswith("initial_comms") else "The next comms update"


def _when(nag: DueNag, now: datetime) -> str:
    # "Initial communications" is plural, "the next comms update" singular.
    is_, was = ("are", "were") if nag.kind.startswith("initial_comms") else ("is", "was")
    deadline = date_token(nag.deadline, DATE_AT_TIME)
    if nag.overdue:
        late = now - nag.deadline
        by = f" by {format_duration(late)}" if late >= timedelta(minutes=1) else ""
        return f"{was} due {deadline} and {is_} *overdue{by}*"
    return f"{is_} due {deadline} (in {format_duration(nag.deadline - now)})"


def _late_note(nag: DueNag) -> str | None:
    if nag.late_by is None:
        return None
    return (f":hourglass: This reminder is {format_duration(nag.late_by)} late: the bot was not running "
            "when it was due.")


def update_button(incident_id: int, role: str = INCIDENT_MANAGER) -> dict[str, Any]:
    """The nag's button names the role it was sent to: pressed later, it works only for whoever
    holds that role then (an old reminder after a handover is refused)."""
    return {"type": "actions", "elements": [{
        "type": "button", "action_id": Action.OPEN_UPDATE, "style": "primary", "value": f"{incident_id}:{role}",
        "text": {"type": "plain_text", "text": "Post an update", "emoji": True},
    }]}


def comms_nag_dm(nag: DueNag, *, incident_id: int, key: str, summary: str, channel_id: str | None,
                 now: datetime, as_reporter: bool) -> tuple[str, list[dict[str, Any]]]:
    where = f" (<#{channel_id}>)" if channel_id else ""
    headline = f"{_what(nag)} for *{key}*{where} {_when(nag, now)}."
    why = ("Nobody holds the incident manager role yet, so this comes to you as the reporter."
           if as_reporter else "You are the incident manager.")
    questions = "\n".join(f"{i}. {q}" for i, q in enumerate(handbook.UPDATE_CHECKLIST, 1))
    blocks = [
        section(f":alarm_clock: {headline}\n_{key}: {inert(summary)}_"),
        section(f"Each update answers the handbook's five questions:\n{questions}"),
        update_button(incident_id),
        context(f"{why} `/incident update` in the incident channel does the same."),
    ]
    late = _late_note(nag)
    if late:
        blocks.insert(1, context(late))
    text = f"{_what(nag)} for {key} {_when(nag, now)}." + (f" {late}" if late else "")
    return text, blocks


def comms_nag_channel_line(nag: DueNag, *, key: str, incident_manager: str | None, im_reachable: bool,
                           now: datetime) -> str:
    if incident_manager and im_reachable:
        who = f"{mention(incident_manager)}:"
    elif incident_manager:
        who = (f"The incident manager {mention(incident_manager)} cannot be reached (deactivated?): someone "
               "take the role with `/incident role incident-manager me`, then")
    else:
        who = "Nobody holds the incident manager role: take it with `/incident role incident-manager me`, then"
    line = f":alarm_clock: {_what(nag)} for {key} {_when(nag, now)}. {who} `/incident update` posts one."
    late = _late_note(nag)
    return f"{line} {late}" if late else line


def handover_nudge_dm(nag: DueNag, *, key: str, channel_id: str | None, held_for: str) -> tuple[str, list[dict[str, Any]]]:
    where = f" in <#{channel_id}>" if channel_id else ""
    checklist = "\n".join(f"• {item}" for item in handbook.HANDOVER_CHECKLIST)
    text = (f"You have been the incident manager of {key}{where} for {held_for}. Should a handover be planned? "
            "Hand over with `/incident handover @user`.")
    blocks = [section(f":repeat: {text}"), section(f"*Handover checklist*\n{checklist}")]
    late = _late_note(nag)
    if late:
        blocks.append(context(late))
    return text, blocks


def handover_nudge_channel_line(nag: DueNag, *, key: str, held_for: str) -> str:
    """The nudge in the channel, when the incident manager cannot get the DM."""
    return (f":repeat: {mention(nag.recipient_id)} has been the incident manager of {key} for {held_for}: "
            "plan a handover with `/incident handover @user`.")
