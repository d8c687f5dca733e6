"""The only caller of PagerDuty: Events API v2 (pages) and the REST API (who is on call).

Thin like `slack_edge.py`: urllib, typed results, and every failure the pipeline's one
VendorError with `permanent` set as the effect worker reads it (429, 5xx and network errors
are retried with backoff; a 4xx PagerDuty rejected is not).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from bot.vendors.errors import VendorError

log = logging.getLogger(__name__)

VENDOR = "PagerDuty"
REST_ACCEPT = "application/vnd.pagerduty+json;version=2"
# PagerDuty's page size limit (REST pagination); more than one page of on-call people is rare.
PAGE_LIMIT = 100
MAX_PAGES = 5
TIMEOUT = 10.0


class PagerDutyError(VendorError):
    """PagerDuty did not take the call; `status` is the HTTP status when there was one."""

    def __init__(self, vendor: str, error: str, *, permanent: bool, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(vendor, error, permanent=permanent, retry_after=retry_after)
        self.status = status


@dataclass(frozen=True)
class EventAccepted:
    dedup_key: str
    message: str


@dataclass(frozen=True)
class OnCall:
    """One person on call for an escalation policy (GET /oncalls with include[]=users)."""

    user_id: str
    name: str
    email: str | None
    escalation_level: int


Opener = Callable[..., Any]


class PagerDuty:
    def __init__(self, *, events_url: str, api_url: str, api_token: str = "", timeout: float = TIMEOUT,
                 opener: Opener = urlopen) -> None:
        self.events_url, self.api_url = events_url, api_url.rstrip("/")
        self.api_token, self.timeout, self._open = api_token, timeout, opener

    # -- Events API v2 ---------------------------------------------------------------------
    def send_event(self, event: dict[str, Any]) -> EventAccepted:
        """POST /v2/enqueue; 202 is accepted (the routing key in the body is the credential)."""
        body = self._request("POST", self.events_url, json.dumps(event).encode("utf-8"),
                             {"Content-Type": "application/json"})
        return EventAccepted(dedup_key=str(body.get("dedup_key") or event.get("dedup_key") or ""),
                             message=str(body.get("message") or ""))

    # -- REST API ----------------------------------------------------------------------------
    def on_call(self, escalation_policy_id: str) -> list[OnCall]:
        """Who is on call now for the policy, lowest escalation level first, each person once."""
        people: dict[str, OnCall] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            query = urlencode([("escalation_policy_ids[]", escalation_policy_id), ("include[]", "users"),
                               ("limit", str(PAGE_LIMIT)), ("offset", str(offset))])
            page = self._rest(f"/oncalls?{query}")
            for entry in page.get("oncalls") or ():
                user = entry.get("user") or {}
                found = OnCall(user_id=str(user.get("id", "")), name=str(user.get("name") or user.get("summary") or ""),
                               email=user.get("email"), escalation_level=int(entry.get("escalation_level") or 0))
                known = people.get(found.user_id)
                if known is None or found.escalation_level < known.escalation_level:
                    people[found.user_id] = found
            if not page.get("more"):
                break
            offset += PAGE_LIMIT
        return sorted(people.values(), key=lambda p: (p.escalation_level, p.name))

    def abilities(self) -> list[str]:
        """GET /abilities: answers for any valid token (account or user), so `check` can use it."""
        return [str(a) for a in self._rest("/abilities").get("abilities") or ()]

    def _rest(self, path: str) -> dict[str, Any]:
        if not self.api_token:
            raise PagerDutyError(VENDOR, "PAGERDUTY_API_TOKEN is not set", permanent=True)
        return self._request("GET", self.api_url + path, None,
                             {"Authorization": f"Token token={self.api_token}", "Accept": REST_ACCEPT})

    # -- transport ---------------------------------------------------------------------------
    def _request(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
        request = Request(url, data=data, method=method, headers={"User-Agent": "incident-bot", **headers})
        try:
            with self._open(request, timeout=self.timeout) as response:
                raw = response.read()
        except HTTPError as exc:
            raise _from_http(exc) from None
        except (URLError, TimeoutError, OSError) as exc:
            raise PagerDutyError(VENDOR, f"cannot reach {url}: {getattr(exc, 'reason', exc)}", permanent=False) from None
        try:
            loaded = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}


def _from_http(exc: HTTPError) -> PagerDutyError:
    status = exc.code
    try:
        body = json.loads(exc.read().decode("utf-8") or "{}")
    except (ValueError, OSError):
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # REST: {"error": {"message", "code", "errors"}}
        detail = "; ".join([str(error.get("message", ""))] + [str(e) for e in error.get("errors") or ()])
    elif isinstance(body, dict) and body.get("message"):  # Events v2: {"status", "message", "errors"}
        detail = "; ".join([str(body["message"])] + [str(e) for e in body.get("errors") or ()])
    else:
        detail = exc.reason if isinstance(exc.reason, str) else ""
    retry_after = None
    header = exc.headers.get("Retry-After") if exc.headers else None
    if header:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    transient = status == 429 or status >= 500
    return PagerDutyError(VENDOR, f"HTTP {status}: {detail}".rstrip(": "), permanent=not transient,
                          retry_after=retry_after, status=status)
