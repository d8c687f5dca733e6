"""PagerDuty v3 webhooks as PagerDuty sends them (REFERENCE.md section 3): one event per
request, `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>` per active secret,
comma-separated, and `X-Webhook-Id`."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any


def incident_event(event_type: str, incident_key: str, *, agent: str | None = "Erin Example",
                   status: str = "acknowledged", occurred_at: str = "2026-01-05T10:02:11.204Z") -> dict[str, Any]:
    agent_ref = None if agent is None else {
        "id": "PERIN01", "type": "user_reference", "summary": agent,
        "self": "https://api.pagerduty.com/users/PERIN01", "html_url": "https://acme.pagerduty.com/users/PERIN01"}
    return {"event": {
        "id": uuid.uuid4().hex.upper()[:26], "event_type": event_type, "resource_type": "incident",
        "occurred_at": occurred_at, "agent": agent_ref, "client": None,
        "data": {"id": "Q2K5Z8XG1ABCDE", "type": "incident", "number": 4211, "status": status,
                 "incident_key": incident_key, "title": f"{incident_key} - page", "created_at": "2026-01-05T10:00:03Z",
                 "urgency": "high", "self": "https://api.pagerduty.com/incidents/Q2K5Z8XG1ABCDE",
                 "html_url": "https://acme.pagerduty.com/incidents/Q2K5Z8XG1ABCDE",
                 "service": {"id": "PSVC001", "type": "service_reference", "summary": "payments-api"},
                 "assignees": [], "escalation_policy": {"id": "PPAYESC", "type": "escalation_policy_reference"},
                 "teams": [], "priority": None, "conference_bridge": None, "resolve_reason": None}}}


def signature(body: bytes, *secrets: str) -> str:
    return ",".join("v1=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)


def signed(payload: dict[str, Any], *secrets: str, webhook_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode("utf-8")
    return body, {"Content-Type": "application/json", "X-PagerDuty-Signature": signature(body, *secrets),
                  "X-Webhook-Id": webhook_id or str(uuid.uuid4()), "User-Agent": "PagerDuty-Webhook/V3.0"}
