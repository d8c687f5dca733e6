"""The `/incident status` card and the severity-change messages: pure builders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core import handbook
from bot.core.durations import format_duration
from bot.core.incident import INCIDENT_MANAGER, IncidentSnapshot
from bot.core.timeline import TimelineItem, render_line
from bot.views.blocks import context, fields, header, section
from bot.views.declare import LINK_TITLES
from bot.views.roles import role_title
from bot.views.slack_text import date_token, inert_incident, link, mention


THEORIES_SHOWN = 5


def status_card(incident: IncidentSnapshot, *, now: datetime, extra_roles: Mapping[str, str],
                theories: tuple[TimelineItem, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    """Key, severity, status, every role holder, time since declaration, the latest theories
    and experiments (the handbook's "current theories and streams of work"), links."""
    raw, incident = incident, inert_incident(incident)  # typed text escaped for mrkdwn
    severity = handbook.SEVERITIES[incident.severity]
    since = format_duration(now - incident.declared_at)
    im = incident.incident_manager
    holders: dict[str, list[str]] = {}
    for holder in incident.roles:
        if holder.role != INCIDENT_MANAGER:
            holders.setdefault(holder.role, []).append(mention(holder.user_id))
    roles = [f"*Incident manager:* {mention(im) if im else 'unassigned'}"]
    roles += [f"*{role_title(role, extra_roles)}:* {', '.join(users)}" for role, users in holders.items()]
    declared = date_token(incident.declared_at)
    blocks = [
        header(f"{raw.key}: {raw.summary}"),
        fields([
            ("Severity", f"Sev {severity.level} – {severity.label}"),
            ("Status", incident.status),
            ("Declared", f"{since} ago ({declared})"),
            ("Reporter", mention(incident.reporter_id)),
        ]),
        section("*Roles*\n" + "\n".join(roles)),
    ]
    if theories:
        blocks.append(section("*Theories and experiments*\n" + "\n".join(render_line(t) for t in theories)))
    if incident.links:
        blocks.append(section("*Links*\n" + "\n".join(
            f"• {link(url, LINK_TITLES.get(kind, kind))}" for kind, url in incident.links.items())))
    else:
        blocks.append(context("No links yet: `/incident link <video|doc|issue> <url>` adds one."))
    text = (f"{incident.key} - Sev {incident.severity} - {incident.status} - IM: "
            f"{mention(im) if im else 'unassigned'} - declared {since} ago")
    return text, blocks


def _severity_change(incident: IncidentSnapshot, old: int, by: str) -> str:
    new = handbook.SEVERITIES[incident.severity]
    line = f"severity changed from {old} to {new.level} ({new.label}) by {mention(by)}."
    if new.major and new.level < old:
        line += " Sev 1 and 2 are major incidents: a postmortem will be required after it is resolved."
    return line


def severity_note(incident: IncidentSnapshot, old: int, *, by: str) -> str:
    """The incident channel's note, with what the new severity means."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    change = _severity_change(incident, old, by)
    return f":rotating_light: {incident.key} {change}\n> {handbook.SEVERITIES[incident.severity].description}"


def severity_announcement(incident: IncidentSnapshot, old: int, *, by: str) -> str:
    """The incidents channel's note; a private incident's summary stays in its own channel."""
    incident = inert_incident(incident)  # what people typed, escaped for mrkdwn
    change = _severity_change(incident, old, by)
    if incident.private:
        # Nothing but the key and "private" leaves the channel: no severity, no actor.
        return f":lock: Private incident {incident.key} was updated in its channel."
    return (f":rotating_light: {incident.key} - Sev {incident.severity} - {incident.summary}: {change} "
            f"Follow it in <#{incident.channel_id}>.")
