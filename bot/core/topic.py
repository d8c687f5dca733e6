"""The channel topic: the one place everyone looks, so it must always be true and fit.

Slack cuts topics at 250 characters. Key, severity, status and the incident manager are
always kept; the summary is shortened first, then other roles are dropped (a mention is
never cut in half); links appear only when everything else fits.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.incident import INCIDENT_MANAGER, IncidentSnapshot

TOPIC_LIMIT = 250
SEPARATOR = " | "
ELLIPSIS = "…"
# Short labels for the topic; unknown (configured) roles use their own name.
ROLE_ABBREVIATIONS: Mapping[str, str] = {
    "tech-lead": "TL",
    "communications-manager": "Comms",
    "internal-comms": "Internal comms",
    "external-comms": "External comms",
    "customer-support-lead": "Support",
    "social-media-lead": "Social",
    "backup-im": "Backup IM",
}
# Summaries shorter than this are not worth keeping; roles go before the summary shrinks further.
MIN_SUMMARY = 24


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def render_topic(incident: IncidentSnapshot, limit: int = TOPIC_LIMIT) -> str:
    """`HOT-12 | Sev 1 | Fixing | IM: <@U1> | Payments failing | TL: <@U2>, <@U3>`."""
    im = incident.incident_manager
    essentials = [
        incident.key,
        f"Sev {incident.severity}",
        incident.status,
        f"IM: {mention(im)}" if im else "IM: unassigned",
    ]
    summary = " ".join(incident.summary.split())
    role_parts = _role_parts(incident)
    link_parts = [f"{kind}: {url}" for kind, url in incident.links.items() if url]

    def join(summary_text: str, roles: list[str], links: list[str]) -> str:
        parts = essentials + ([summary_text] if summary_text else []) + roles + links
        return SEPARATOR.join(parts)

    full = join(summary, role_parts, link_parts)
    if len(full) <= limit:
        return full
    # Links only when they fit.
    without_links = join(summary, role_parts, [])
    if len(without_links) <= limit:
        return without_links
    # Shorten the summary, down to MIN_SUMMARY characters, keeping every role.
    room = limit - len(join("", role_parts, [])) - len(SEPARATOR)
    if room >= MIN_SUMMARY:
        return join(_shorten(summary, room), role_parts, [])
    # Then drop other roles, last first, while keeping a short summary.
    roles = list(role_parts)
    while roles:
        roles.pop()
        room = limit - len(join("", roles, [])) - len(SEPARATOR)
        if room >= MIN_SUMMARY:
            return join(_shorten(summary, room), roles, [])
    room = limit - len(join("", [], [])) - len(SEPARATOR)
    return join(_shorten(summary, room), [], []) if room > len(ELLIPSIS) else join("", [], [])[:limit]


def _role_parts(incident: IncidentSnapshot) -> list[str]:
    """One part per role, holders in the order they took it: `TL: <@U2>, <@U3>`."""
    order: list[str] = []
    holders: dict[str, list[str]] = {}
    for holder in incident.roles:
        if holder.role == INCIDENT_MANAGER:
            continue
        if holder.role not in holders:
            order.append(holder.role)
            holders[holder.role] = []
        holders[holder.role].append(mention(holder.user_id))
    return [f"{ROLE_ABBREVIATIONS.get(role, role)}: {', '.join(holders[role])}" for role in order]


def _shorten(text: str, room: int) -> str:
    """Cut at a word boundary where one is near, and mark the cut with an ellipsis."""
    if len(text) <= room:
        return text
    if room <= len(ELLIPSIS):
        return ""
    cut = text[: room - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    # Never leave half a mention or link behind.
    opener = cut.rfind("<")
    if opener != -1 and ">" not in cut[opener:]:
        cut = cut[:opener]
    return cut.rstrip() + ELLIPSIS
