"""The App Home tab: open incidents, the viewer's roles, postmortems they own, their actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.actions import ActionItem
from bot.core.handbook import ROLES
from bot.core.incident import IncidentSnapshot
from bot.core.postmortem import PostmortemRecord
from bot.views.actions import action_line, local_date
from bot.views.blocks import context, divider, header, section
from bot.views.list_stats import incident_line
from bot.views.slack_text import mention

BLOCKS_MAX = 100  # views.publish refuses a home view with more
# Per-section caps keep the whole tab under 100 blocks: 4 x (header + more) + 2 context + 3 dividers = 13.
LIMITS = {"incidents": 20, "roles": 15, "postmortems": 15, "actions": 25}
POSTMORTEM_STATUS = {"draft": "Draft", "in_review": "In review", "approved": "Approved"}


def _section(title: str, lines: list[str], limit: int, empty: str, total: int | None = None) -> list[dict[str, Any]]:
    """At most `limit` lines, then "and N more" (`total`: how many there are, when more
    exist than were read)."""
    blocks = [header(title)]
    if not lines:
        return blocks + [context(empty)]
    blocks += [section(line) for line in lines[:limit]]
    total = max(total or 0, len(lines))
    if total > limit:
        blocks.append(context(f"and {total - min(limit, len(lines))} more"))
    return blocks


def role_lines(viewer: str, incidents: list[IncidentSnapshot]) -> list[str]:
    lines = []
    for snap in incidents:
        for holder in snap.roles:
            if holder.user_id == viewer:
                title = ROLES[holder.role].title if holder.role in ROLES else holder.role
                where = f" <#{snap.channel_id}>" if snap.channel_id else ""
                lines.append(f"*{title}* of *{snap.key}*{where} · Sev {snap.severity} · {snap.status}")
    return lines


def postmortem_line(record: PostmortemRecord, now: datetime) -> str:
    where = f" <#{record.channel_id}>" if record.channel_id else ""
    overdue = " :red_circle: overdue" if record.due_at < now else ""
    status = POSTMORTEM_STATUS.get(record.status, record.status)
    return (f"*{record.incident_key}*{where} · {status} · due {local_date(record.due_at)}{overdue}\n"
            "`/incident postmortem` in the channel shows and edits it.")


def home_view(*, viewer: str, incidents: list[IncidentSnapshot], incidents_total: int,
              with_roles: list[IncidentSnapshot], postmortems: list[PostmortemRecord], actions: list[ActionItem],
              now: datetime) -> dict[str, Any]:
    """`incidents`: the first open incidents of `incidents_total`; `with_roles`: open
    incidents where the viewer holds a role."""
    blocks: list[dict[str, Any]] = [
        context(f"Hi {mention(viewer)}. `/incident declare` starts an incident; `/incident help` lists every verb."),
    ]
    blocks += _section("Open incidents", [incident_line(s, now) for s in incidents], LIMITS["incidents"],
                       "No open incidents.", total=incidents_total)
    blocks.append(divider())
    blocks += _section("Your roles", role_lines(viewer, with_roles), LIMITS["roles"],
                       "You hold no role in an open incident.")
    blocks.append(divider())
    blocks += _section("Postmortems you own", [postmortem_line(p, now) for p in postmortems],
                       LIMITS["postmortems"], "No postmortem waits on you.")
    blocks.append(divider())
    blocks += _section("Your open actions", [f"*{a.incident_key}* · {action_line(a, now)}" for a in actions],
                       LIMITS["actions"], "No open actions.")
    blocks.append(context(f"Updated {local_date(now)} · reopen the tab to refresh."))
    return {"type": "home", "blocks": blocks[:BLOCKS_MAX]}
