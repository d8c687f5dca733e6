"""Messages about roles and handovers: pure text builders, the handbook's words from handbook.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core import handbook
from bot.core.handbook import Role
from bot.core.incident import INCIDENT_MANAGER, IncidentSnapshot
from bot.core.roles import all_roles
from bot.views.blocks import context, header, section
from bot.views.cheatsheet import assess_questions, cheat_sheet
from bot.views.slack_text import date_token, inert_incident, mention

# What the new holder can do next, per role (the commands that matter to them).
NEXT_STEPS = {
    INCIDENT_MANAGER: ("Next: assess the severity (`/incident severity <1|2|3>`), delegate roles "
                       "(`/incident role tech-lead @someone`) and send the first update (`/incident update`)."),
}


def role_title(role_name: str, extra_roles: Mapping[str, str]) -> str:
    role = all_roles(extra_roles).get(role_name)
    return role.title if role else role_name.replace("-", " ").capitalize()


def assigned_in_channel(role: Role, user_id: str, *, by: str, relieved: tuple[str, ...], status_before: str,
                        status_after: str) -> str:
    """The channel's note of a role change: `<@U2> is now the tech lead (assigned by <@U1>).`"""
    how = "took the role" if by == user_id else f"assigned by {mention(by)}"
    lines = [f":busts_in_silhouette: {mention(user_id)} is now the {role.title.lower()} ({how})."]
    if relieved:
        lines.append(f"{', '.join(mention(u) for u in relieved)} no longer holds the role.")
    if status_after != status_before:
        lines.append(f"Status: {status_before} → *{status_after}*.")
    return "\n".join(lines)


def cleared_in_channel(role: Role, relieved: tuple[str, ...], *, by: str) -> str:
    return (f":busts_in_silhouette: {', '.join(mention(u) for u in relieved)} no longer holds the "
            f"{role.title.lower()} role (cleared by {mention(by)}).")


def welcome(incident: IncidentSnapshot, role: Role, *, by: str, user_id: str) -> str:
    """What the new holder is told: which incident, which role, and what the role does."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    how = "you took the role" if by == user_id else f"assigned by {mention(by)}"
    lines = [
        f"You are now the *{role.title.lower()}* of *{incident.key}* (<#{incident.channel_id}>), {how}. "
        f"The incident: {incident.summary}",
        f"What the {role.title.lower()} does:",
        f"> {role.description}",
    ]
    if role.name in NEXT_STEPS:
        lines.append(NEXT_STEPS[role.name])
    if role.name == INCIDENT_MANAGER:
        # The handbook's first step for a new IM is to assess; the cheat sheet carries them through.
        lines += [assess_questions(), cheat_sheet()]
    return "\n".join(lines)


def relieved_notice(incident: IncidentSnapshot, role: Role, *, by: str, successor: str | None) -> str:
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    after = f"; {mention(successor)} holds it now" if successor else ""
    return (f"You are no longer the {role.title.lower()} of *{incident.key}* (<#{incident.channel_id}>), "
            f"changed by {mention(by)}{after}. Thank you!")


def handover_message(
    incident: IncidentSnapshot, *, outgoing: str, incoming: str, by: str, next_handover_at: datetime,
    extra_roles: Mapping[str, str],
) -> tuple[str, list[dict[str, Any]]]:
    """The channel's handover note: who is in and out of which roles, and the handbook's checklist."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    text = f"Handover: {mention(incoming)} is now the incident manager of {incident.key}, taking over from {mention(outgoing)}."
    holders: dict[str, list[str]] = {INCIDENT_MANAGER: [mention(incoming)]}
    for holder in incident.roles:
        if holder.role == INCIDENT_MANAGER:
            continue
        holders.setdefault(holder.role, []).append(mention(holder.user_id))
    roster = "\n".join(f"• {role_title(role, extra_roles)}: {', '.join(users)}" for role, users in holders.items())
    checklist = "\n".join(f"☐ {item}" for item in handbook.HANDOVER_CHECKLIST)
    blocks = [
        header(f"{incident.key} handover"),
        section(f"*In:* {mention(incoming)} as incident manager\n*Out:* {mention(outgoing)} as incident manager"
                + (f" (handed over by {mention(by)})" if by not in (outgoing, incoming) else "")),
        section(f"*Who holds which role now*\n{roster}"),
        section(f"*Handover checklist*\n{checklist}"),
        context("Post the current theories and streams of work in this channel (or `/incident note`) so the "
                f"timeline has them. Next handover expected by {date_token(next_handover_at)}."),
    ]
    return text, blocks


def incoming_notice(incident: IncidentSnapshot, role: Role, *, outgoing: str) -> str:
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    return (f"{mention(outgoing)} handed *{incident.key}* (<#{incident.channel_id}>) over to you: you are the "
            f"incident manager now.\n> {role.description}\n"
            f"Handover checklist: {' '.join(handbook.HANDOVER_CHECKLIST)}\n{cheat_sheet()}")


def outgoing_notice(incident: IncidentSnapshot, *, incoming: str) -> str:
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    return (f"You handed *{incident.key}* (<#{incident.channel_id}>) over to {mention(incoming)}: they are the "
            "incident manager now. Brief them in a 1-1 call: who is in and out of which roles, the current "
            "theories and streams of work, and when the next handover is expected. Thank you!")
