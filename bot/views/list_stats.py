"""`/incident list` and `/incident stats`: the answers as text and blocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.durations import format_duration
from bot.core.handbook import SEVERITIES
from bot.core.incident import IncidentSnapshot
from bot.core.risk import RepeatRisk, risk_lines
from bot.core.stats import Spread, Stats
from bot.views.blocks import context, fields, header, section
from bot.views.slack_text import inert, mention, utc_text

LIST_LIMIT = 45  # a slash-command answer holds 50 blocks


def incident_line(snap: IncidentSnapshot, now: datetime) -> str:
    """`*HOT-3* <#C1> · Sev 2 · Fixing · IM <@U1> · open 1h 5m\\nCheckout fails`"""
    im = mention(snap.incident_manager) if snap.incident_manager else "unassigned"
    where = f" <#{snap.channel_id}>" if snap.channel_id else ""
    lock = " :lock:" if snap.private else ""
    return (f"*{snap.key}*{where}{lock} · Sev {snap.severity} · {snap.status} · IM {im} · "
            f"open {format_duration(now - snap.declared_at)}\n{inert(snap.summary)}")


def incident_list(shown: list[IncidentSnapshot], total: int, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The first open incidents (at most LIST_LIMIT) of `total`."""
    if not shown:
        text = "No open incidents. `/incident declare` starts one."
        return text, [section(text)]
    title = f"{total} open incident{'s' if total != 1 else ''}"
    shown = shown[:LIST_LIMIT]
    blocks = [header(title)] + [section(incident_line(s, now)) for s in shown]
    if total > len(shown):
        blocks.append(context(f"and {total - len(shown)} more"))
    text = "\n".join([title] + [incident_line(s, now).replace("\n", " · ") for s in shown])
    return text[:3000], blocks


def _duration(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "n/a"


def spread_text(spread: Spread) -> str:
    if not spread.count:
        return "n/a (no resolved incident with these times)"
    return f"mean {_duration(spread.mean)}, median {_duration(spread.median)} ({spread.count} incidents)"


def stats_lines(stats: Stats) -> list[str]:
    severities = ", ".join(f"Sev {level} ({SEVERITIES[level].label if level in SEVERITIES else '?'}): {count}"
                           for level, count in sorted(stats.by_severity.items()))
    return [
        f"Incidents declared: {stats.declared} ({stats.resolved} resolved) · {severities}",
        f"Time to detect (TTD): {spread_text(stats.time_to_detect)}",
        f"Time to recovery (TTR): {spread_text(stats.time_to_recovery)}",
        f"Minutes of impact: {stats.impact_minutes}",
        f"Postmortems not yet approved: {stats.postmortems_open} ({stats.postmortems_overdue} overdue)",
        f"Priority actions open: {stats.priority_actions_open} ({stats.priority_actions_overdue} overdue)",
    ]


def stats_answer(stats: Stats, risk: RepeatRisk | None = None) -> tuple[str, list[dict[str, Any]]]:
    title = f"Incident stats, last {stats.days} day{'s' if stats.days != 1 else ''}"
    lines = stats_lines(stats)
    risk_text = risk_lines(risk) if risk is not None else []
    since = f"Since {utc_text(stats.since)}. TTD: start of impact to detection; TTR: start to end of impact."
    blocks = [
        header(title),
        fields([("Declared", f"{stats.declared} ({stats.resolved} resolved)")]
               + [(f"Sev {level}", str(count)) for level, count in sorted(stats.by_severity.items())]
               + [("Minutes of impact", str(stats.impact_minutes))]),
        section("\n".join(f"• {line}" for line in lines[1:3])),
        context(since),
        section("*Backlog now (all incidents)*\n" + "\n".join(f"• {line}" for line in [*lines[4:], *risk_text])),
    ]
    return "\n".join([title, *lines, *risk_text, since]), blocks
