"""The handbook's postmortem meeting invitation and agenda, prefilled for one incident."""

from __future__ import annotations

from typing import Any

from bot.core import handbook
from bot.core.durations import format_duration
from bot.core.incident import IncidentSnapshot
from bot.views.blocks import context, header, section
from bot.views.slack_text import escape


def invitation_text(incident: IncidentSnapshot, *, link: str) -> str:
    """The invitation with the incident's link and summary filled in (copy it into the calendar)."""
    start, end = incident.impact_started_at, incident.impact_ended_at
    lasted = f", impact lasted {format_duration(end - start)}" if start and end else ""
    typed = escape(incident.summary)
    summary = (f"review how {typed[:1].lower() + typed[1:]} "
               f"(Sev {incident.severity}{lasted})")
    return handbook.POSTMORTEM_MEETING_INVITATION.format(link=link, summary=summary)


def meeting_message(incident: IncidentSnapshot) -> tuple[str, list[dict[str, Any]]]:
    link = incident.links.get("issue") or (f"<#{incident.channel_id}>" if incident.channel_id else incident.key)
    link = f"{incident.key} ({link})"
    agenda = "\n".join(f"{n}. {item}" for n, item in enumerate(handbook.POSTMORTEM_MEETING_AGENDA, start=1))
    invitation = invitation_text(incident, link=link)
    blocks = [
        header(f"{incident.key} postmortem meeting"),
        section(f"*Invitation* (invite the delivery team, impacted teams and stakeholders)\n```{invitation}```"),
        section(f"*Agenda*\n{agenda}"),
        context("Hold it once the fields are filled in and you have a strong theory of the causes. After the "
                "meeting, get time-bound commitments to the actions from the responsible managers."),
    ]
    return f"{incident.key} postmortem meeting: invitation and agenda", blocks
