"""Resolving: the three times the handbook records, their order, TTD and TTR, final comms.

The handbook (chapter 3, "Resolve"): start-of-impact, detection and end-of-impact times
give time-to-detect (TTD) = detection - start of impact, and time-to-recovery (TTR) =
end of impact - start of impact (`handbook.TIME_TO_DETECT_MEANING`, `TIME_TO_RECOVERY_MEANING`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core import handbook
from bot.core.durations import format_duration
from bot.core.incident import IncidentSnapshot
from bot.views.slack_text import DATE_AT_TIME, date_token

IMPACT_STARTED, DETECTED, IMPACT_ENDED = "impact_started", "detected", "impact_ended"
TIME_LABELS = {
    IMPACT_STARTED: "Start of impact",
    DETECTED: "Detection",
    IMPACT_ENDED: "End of impact",
}
RESOLUTION_SUMMARY_MAX = 300


@dataclass(frozen=True)
class ResolveTimes:
    impact_started_at: datetime
    detected_at: datetime
    impact_ended_at: datetime

    @property
    def time_to_detect(self) -> timedelta:
        return self.detected_at - self.impact_started_at

    @property
    def time_to_recovery(self) -> timedelta:
        return self.impact_ended_at - self.impact_started_at


def zone(name: str | None) -> ZoneInfo:
    """The user's zone from Slack's `tz`; UTC when Slack gave none or an unknown one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date_and_time(moment: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """`(YYYY-MM-DD, HH:MM)` of `moment` in `tz`: a datepicker's and timepicker's initial values."""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def parse_local(day: str | None, clock: str | None, tz: ZoneInfo) -> datetime | None:
    """A datepicker's `2024-05-06` and a timepicker's `14:30` in `tz` -> aware UTC; None if missing."""
    if not day or not clock:
        return None
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def validate_times(
    *, impact_started_at: datetime | None, detected_at: datetime | None, impact_ended_at: datetime | None,
    now: datetime,
) -> tuple[ResolveTimes | None, dict[str, str]]:
    """The times, or errors keyed by IMPACT_STARTED / DETECTED / IMPACT_ENDED.

    Refused: a missing time, any time in the future, detection before start of impact, end
    of impact before its start. Detection after the end is allowed: impact is sometimes
    found only afterwards.
    """
    given = {IMPACT_STARTED: impact_started_at, DETECTED: detected_at, IMPACT_ENDED: impact_ended_at}
    errors: dict[str, str] = {}
    for name, moment in given.items():
        if moment is None:
            errors[name] = f"Pick a date and a time for {TIME_LABELS[name].lower()}."
        elif moment > now:
            errors[name] = f"{TIME_LABELS[name]} cannot be in the future."
    if errors or impact_started_at is None or detected_at is None or impact_ended_at is None:
        return None, errors
    if detected_at < impact_started_at:
        errors[DETECTED] = "Detection cannot be before the start of impact."
    if impact_ended_at < impact_started_at:
        errors[IMPACT_ENDED] = "The end of impact cannot be before its start."
    if errors:
        return None, errors
    return ResolveTimes(impact_started_at, detected_at, impact_ended_at), {}


def validate_resolution_summary(text: str | None) -> tuple[str, str | None]:
    """`(summary, error)`: one line, not empty, at most RESOLUTION_SUMMARY_MAX characters."""
    summary = " ".join((text or "").split())
    if not summary:
        return "", "Say in one line how the impact was ended, e.g. \"Rolled back the 14:05 deploy\"."
    if len(summary) > RESOLUTION_SUMMARY_MAX:
        return summary, f"Keep it to one line of at most {RESOLUTION_SUMMARY_MAX} characters."
    return summary, None


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip()
    return text if not text or text[-1] in ".!?" else text + "."


def times_recap(times: ResolveTimes) -> str:
    return (
        f"Start of impact {date_token(times.impact_started_at, DATE_AT_TIME)}, "
        f"detected {date_token(times.detected_at, DATE_AT_TIME)}, "
        f"end of impact {date_token(times.impact_ended_at, DATE_AT_TIME)}.\n"
        f"*TTD* (start of impact to detection): {format_duration(times.time_to_detect)} · "
        f"*TTR* (start to end of impact): {format_duration(times.time_to_recovery)}"
    )


def final_comms(incident: IncidentSnapshot, times: ResolveTimes, resolution_summary: str,
                latest_impact: str | None = None) -> str:
    """The last internal update: the handbook's resolved wording, a recap of the impact as the
    latest update described it (the declaration's only when no update did), how many support
    cases were raised, and the duration."""
    name = handbook.INTERNAL_NAME_TEMPLATE.format(key=incident.key, severity=incident.severity,
                                                  summary=incident.summary)
    described = (latest_impact or "").strip() or incident.impact.strip()
    impact = _sentence(described.splitlines()[0] if described else incident.summary)
    resolved = handbook.RESOLVED_INTERNAL_TEMPLATE.format(
        impact=f"Impact: {impact}", duration=format_duration(times.time_to_recovery))
    lines = [f"*{name}*", resolved, f"*Resolution:* {_sentence(resolution_summary)}"]
    if incident.support_cases is not None:
        lines.append(f"*Support cases raised:* {incident.support_cases}")
    return "\n".join([*lines, times_recap(times)])


def external_final_comms(incident: IncidentSnapshot) -> str:
    known = [p for p in incident.affected_products if p != handbook.UNKNOWN_SERVICE]
    if not known and incident.faulty_service != handbook.UNKNOWN_SERVICE:
        known = [incident.faulty_service]
    products = ", ".join(known) or "the affected services"
    return handbook.RESOLVED_EXTERNAL_TEMPLATE.format(products=products)


def private_final_comms(incident: IncidentSnapshot) -> str:
    """The incidents channel's line for a private incident: no summary, no impact."""
    return (f":lock: Private incident {incident.key} is resolved. "
            "There will be no further communications about it.")
