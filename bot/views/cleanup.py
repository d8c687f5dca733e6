"""What people are told by the clean-up and fatigue reminders (bot.core.cleanup)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core import handbook
from bot.views.blocks import context, section
from bot.views.slack_text import DATE_AT_TIME, date_token, mention

LATE = " (sent late: the bot was not running when it fell due)"


def role_nudge_dm(*, key: str, channel_id: str | None, role_title: str, held_for: str, role: str,
                  late: bool) -> tuple[str, list[dict[str, Any]]]:
    """The handbook's fatigue check for any role holder: who needs to be relieved?"""
    where = f" (<#{channel_id}>)" if channel_id else ""
    text = (f":repeat: You have been the {role_title.lower()} of *{key}*{where} for {held_for}"
            f"{LATE if late else ''}. Do you need to be relieved? Plan a handover: agree on who takes over, "
            f"brief them, then `/incident role {role} @them`.")
    return text, [section(text), context("The handbook's periodic task: \"Incident duration: who needs to be "
                                         "relieved? Plan the handover.\"")]


def role_nudge_channel_line(*, user_id: str, key: str, role_title: str, held_for: str) -> str:
    return (f":repeat: {mention(user_id)} has been the {role_title.lower()} of {key} for {held_for} and cannot get a DM: "
            "plan who relieves them.")


def archive_notice(due_at: datetime) -> str:
    """The line in the channel at resolve: when it will be archived, and how to stop it."""
    return (f":file_cabinet: This channel will be archived {date_token(due_at, DATE_AT_TIME)}. "
            "`/incident reopen` before then keeps it open.")


def archive_cancelled() -> str:
    return ":file_cabinet: The incident was reopened, so this channel will not be archived."


def archiving_now(key: str) -> str:
    return f":file_cabinet: {key} was resolved a while ago: archiving this channel now. Its history stays searchable."


def approval_reminder_heading(key: str, *, late: bool) -> str:
    return (f":alarm_clock: Reminder: the postmortem of {key} is waiting for your decision{LATE if late else ''}. "
            "Approving means you agree with the findings, including the root cause, and that the priority actions "
            "address it.")


# The handbook's wording for why approvals matter, shown under the reminder.
APPROVAL_WHY = ("Approvers are generally service owners or other managers with responsibility for the operation of "
                "a service. " + handbook.ACTION_KIND_MEANING["priority"])
