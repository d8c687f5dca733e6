"""Paging, pure: which services a change pages, the Events API v2 bodies, the webhooks'
meaning. The handbook's "Escalate" step: Sev 1 and 2 "require a 24/7 response", so people
are paged. Nothing here calls PagerDuty, Slack or the database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# INTEGRATIONS.md: Sev 1 critical, Sev 2 error, Sev 3 warning.
PAGE_SEVERITY = {1: "critical", 2: "error", 3: "warning"}
SOURCE = "incident-bot"
# Events API v2 limits (integrations reference, EV2-trigger).
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
# The PagerDuty incident events the channel hears about, and how each reads.
TOLD_EVENTS = {
    "incident.acknowledged": "acknowledged the page",
    "incident.escalated": "escalated the page",
    "incident.resolved": "resolved the page in PagerDuty",
}


@dataclass(frozen=True)
class PageTarget:
    """One page: a service's routing key under a dedup key."""

    service: str
    routing_key: str
    dedup_key: str


def dedup_key(incident_key: str, service: str | None = None) -> str:
    """The incident's own page is keyed by its key; a hand page by `<key>/<service>`.

    >>> dedup_key("HOT-12"), dedup_key("HOT-12", "payments-api")
    ('HOT-12', 'HOT-12/payments-api')
    """
    return (incident_key if service is None else f"{incident_key}/{service}")[:DEDUP_KEY_LIMIT]


def incident_key_of(dedup: str) -> str:
    """`HOT-12/payments-api` -> `HOT-12`: the incident a page (or a webhook about it) belongs to."""
    return dedup.split("/", 1)[0]


def pages_on(*, severity: int, old_severity: int | None, page_severities: Iterable[int]) -> bool:
    """Declaring at a paged severity pages; so does raising into one from outside it."""
    paged = set(page_severities)
    if severity not in paged:
        return False
    return old_severity is None or old_severity not in paged


def page_summary(*, key: str, severity: int, summary: str, private: bool, message: str = "") -> str:
    """`HOT-12 - Sev 2 - Checkout fails`; a private incident sends no details."""
    if private:
        return f"{key} - Sev {severity} - private incident"
    text = f"{key} - Sev {severity} - {summary}"
    if message:
        text = f"{text}: {message}"
    return text[:SUMMARY_LIMIT]


def trigger_event(target: PageTarget, *, key: str, severity: int, summary: str, private: bool,
                  channel_url: str | None, channel_name: str | None, message: str = "") -> dict[str, Any]:
    """The Events API v2 `trigger` for one page."""
    event: dict[str, Any] = {
        "routing_key": target.routing_key,
        "event_action": "trigger",
        "dedup_key": target.dedup_key,
        "payload": {
            "summary": page_summary(key=key, severity=severity, summary=summary, private=private, message=message),
            "source": SOURCE,
            "severity": PAGE_SEVERITY.get(severity, "warning"),
            "custom_details": {"incident": key, "service": target.service},
        },
        "client": SOURCE,
    }
    if channel_url:
        event["links"] = [{"href": channel_url, "text": f"#{channel_name}" if channel_name else key}]
        event["client_url"] = channel_url
    return event


def resolve_event(target: PageTarget) -> dict[str, Any]:
    return {"routing_key": target.routing_key, "event_action": "resolve", "dedup_key": target.dedup_key}


def signature_valid(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of the raw
    body; any signature matching any of our secrets (a rotation has two) is enough."""
    given = [part.strip()[3:] for part in (header or "").split(",") if part.strip().startswith("v1=")]
    if not given:
        return False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate.lower()) for candidate in given):
            return True
    return False


@dataclass(frozen=True)
class PageNews:
    """What a PagerDuty webhook tells an incident channel."""

    event_id: str
    event_type: str
    dedup_key: str
    who: str
    what: str
    html_url: str | None
    occurred_at: str | None


def read_webhook(payload: Any) -> PageNews | None:
    """The incident event we tell the channel about, or None for anything else."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict) or event.get("event_type") not in TOLD_EVENTS:
        return None
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    dedup = data.get("incident_key")
    if not isinstance(dedup, str) or not dedup:
        return None
    agent = event.get("agent") if isinstance(event.get("agent"), dict) else None
    who = (agent or {}).get("summary") or ("PagerDuty" if agent is None else "Someone")
    return PageNews(
        event_id=str(event.get("id") or ""), event_type=event["event_type"], dedup_key=dedup, who=str(who),
        what=TOLD_EVENTS[event["event_type"]], html_url=data.get("html_url"), occurred_at=event.get("occurred_at"),
    )
