"""The channel topic: the one place everyone looks, so it must always be true and fit.

Slack cuts topics at 250 characters. Key, severity, status and the incident manager are
always kept; the summary is shortened first, then other roles are dropped (a mention is
never cut in half); links appear only when everything else fits.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.incident import INCIDENT_MANAGER, IncidentSnapshot
from bot.views.slack_text import mention

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


def render_topic(incident: IncidentSnapshot, limit: int = TOPIC_LIMIT) -> str:
    """`HOT-12 | Sev 1 | Fixing | IM: <@U1> | Payments failing | TL: <@U2>, <@U3>`.

    What does not fit goes in this order: links (each kept only if it fits), then the
    summary down to MIN_SUMMARY characters (with an ellipsis), then role holders from the
    last one back (a `+N more` part says how many are left out), then the rest of the summary.
    """
    im = incident.incident_manager
    essentials = [
        incident.key,
        f"Sev {incident.severity}",
        incident.status,
        f"IM: {mention(im)}" if im else "IM: unassigned",
    ]
    summary = " ".join(incident.summary.split())
    holders = _other_role_holders(incident)
    link_parts = [f"{kind}: {url}" for kind, url in incident.links.items() if url]

    def join(summary_text: str, shown: int, links: list[str]) -> str:
        parts = essentials + ([summary_text] if summary_text else []) + _role_parts(holders[:shown])
        if shown < len(holders):
            parts.append(f"+{len(holders) - shown} more")
        return SEPARATOR.join(parts + links)

    everyone = len(holders)
    if len(join(summary, everyone, [])) <= limit:
        links: list[str] = []
        for part in link_parts:
            if len(join(summary, everyone, [*links, part])) <= limit:
                links.append(part)
        return join(summary, everyone, links)
    # Shorten the summary (not below MIN_SUMMARY) before any role holder is left out.
    for shown in range(everyone, -1, -1):
        room = limit - len(join("", shown, [])) - len(SEPARATOR)
        if room >= min(MIN_SUMMARY, len(summary)):
            return join(_shorten(summary, room), shown, [])
    room = limit - len(join("", 0, [])) - len(SEPARATOR)
    return join(_shorten(summary, room), 0, [])


def _other_role_holders(incident: IncidentSnapshot) -> list[tuple[str, str]]:
    """(role, user) for every role but the IM's, in the order they took it."""
    return [(h.role, h.user_id) for h in incident.roles if h.role != INCIDENT_MANAGER]


def _role_parts(holders: list[tuple[str, str]]) -> list[str]:
    """One part per role, its holders together: `TL: <@U2>, <@U3>`."""
    grouped: dict[str, list[str]] = {}
    for role, user_id in holders:
        grouped.setdefault(role, []).append(mention(user_id))
    return [f"{ROLE_ABBREVIATIONS.get(role, role)}: {', '.join(users)}" for role, users in grouped.items()]


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
    cut = cut.rstrip()
    return cut + ELLIPSIS if cut else ""
