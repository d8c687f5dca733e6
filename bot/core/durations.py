"""Durations as people write them in settings and commands: `90s`, `30m`, `3h`, `2d`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """`"90s"` -> 90 s, `"1h30m"` -> 5400 s, `"45"` -> 45 s (a bare number is seconds).

    Raises ValueError with the accepted form when the text is not a duration.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.isdigit():
        return timedelta(seconds=int(cleaned))
    parts = _PART.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"{text!r} is not a duration; write it like 90s, 30m, 3h or 1h30m")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def format_duration(delta: timedelta) -> str:
    """`timedelta(minutes=95)` -> `"1h 35m"`; under a minute -> `"45s"`."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if not (days or hours or minutes):
        return f"{sign}{secs}s"
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    return sign + " ".join(parts)
