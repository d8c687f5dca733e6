"""Alerts in, pure: reading an Alertmanager notification (webhook version 4) and what the
declare modal is prefilled with. Incidents often start from an alert (INTEGRATIONS.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

FIRING, RESOLVED = "firing", "resolved"
# Alertmanager's `severity` label -> the handbook's severity.
SEVERITY_BY_LABEL = {"critical": 1, "error": 2, "major": 2}
DEFAULT_SEVERITY = 3
# A firing alert's endsAt is the zero time (alertmanager alert.go).
ZERO_TIME_PREFIX = "0001-01-01"


class AlertPayloadError(ValueError):
    """Not an Alertmanager version 4 notification; the message says what is wrong."""


@dataclass(frozen=True)
class AlertNotification:
    group_key: str
    status: str
    summary: str
    description: str
    labels: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    external_url: str | None
    alert_count: int
    fingerprints: tuple[str, ...] = field(default_factory=tuple)

    @property
    def firing(self) -> bool:
        return self.status == FIRING

    @property
    def group_hash(self) -> str:
        """A fixed-length key for the database: group keys can be long."""
        return hashlib.sha256(self.group_key.encode("utf-8")).hexdigest()


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 as Alertmanager writes it; the zero time (a firing alert's end) is None."""
    if not isinstance(value, str) or not value or value.startswith(ZERO_TIME_PREFIX):
        return None
    text = value.replace("Z", "+00:00")
    # Go writes up to nine fractional digits; Python takes six.
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def read_notification(payload: Any) -> AlertNotification:
    """`{"version": "4", "groupKey": ..., "status": ..., "alerts": [...]}` -> one notification."""
    if not isinstance(payload, dict):
        raise AlertPayloadError("the body is not a JSON object")
    if str(payload.get("version")) != "4":
        raise AlertPayloadError(f"webhook version {payload.get('version')!r}; version 4 is understood")
    group_key = payload.get("groupKey")
    if not isinstance(group_key, str) or not group_key:
        raise AlertPayloadError("groupKey is missing")
    status = payload.get("status")
    if status not in (FIRING, RESOLVED):
        raise AlertPayloadError(f"status {status!r} is neither firing nor resolved")
    alerts = [a for a in payload.get("alerts") or () if isinstance(a, dict)]
    first = alerts[0] if alerts else {}
    labels = _strings(payload.get("commonLabels")) or _strings(first.get("labels"))
    annotations = _strings(payload.get("commonAnnotations")) or _strings(first.get("annotations"))
    summary = annotations.get("summary") or labels.get("alertname") or _strings(first.get("labels")).get("alertname")
    starts = [t for t in (parse_time(a.get("startsAt")) for a in alerts) if t]
    ends = [t for t in (parse_time(a.get("endsAt")) for a in alerts) if t]
    external = payload.get("externalURL")
    return AlertNotification(
        group_key=group_key, status=status, summary=" ".join((summary or "Alert").split()),
        description=annotations.get("description", "").strip(), labels=labels,
        starts_at=min(starts) if starts else None,
        ends_at=max(ends) if ends and status == RESOLVED else None,
        external_url=external if isinstance(external, str) and external else None,
        alert_count=len(alerts), fingerprints=tuple(str(a.get("fingerprint", "")) for a in alerts),
    )


def severity_from_labels(labels: Mapping[str, str]) -> int:
    return SEVERITY_BY_LABEL.get(labels.get("severity", "").strip().lower(), DEFAULT_SEVERITY)


def service_from_labels(labels: Mapping[str, str], services: Iterable[str]) -> str | None:
    """The `service` label, when it names a configured service."""
    name = labels.get("service", "")
    return name if name in set(services) else None


def label_text(labels: Mapping[str, str]) -> str:
    """Alertmanager's own label-set form: `{a="x", b="y"}`, sorted."""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"
