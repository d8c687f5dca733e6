"""Atlassian Statuspage (Manage API v1): the only module that calls Statuspage.

Requests are JSON with `Authorization: OAuth <key>` (the word is case sensitive), paced to
one per second per key (Statuspage's limit, measured over 60 s). A refusal becomes a
VendorError: 400/401/403/404/422 are `permanent` (retrying cannot help, the IM is told
Statuspage's reason); 420/429, 5xx, timeouts and connection failures are retried by the
effect pipeline, honouring `Retry-After`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.vendors.errors import VendorError

log = logging.getLogger(__name__)

VENDOR = "Statuspage"
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
# Where the bot keeps its own key on the remote incident, to find it again after a lost answer.
METADATA_NAMESPACE = "incident_bot"
# Answers that a retry cannot change: a bad key, page, component or value.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 422})
REQUEST_TIMEOUT = 15.0


class Pacer:
    """Spaces calls made with one key at least `interval` seconds apart (Statuspage: one
    request per second per key). Shared by every client in the process; the clock and
    the sleep are arguments so a test can watch the spacing without waiting."""

    def __init__(self, interval: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Blocks until this key may call again; returns how long it waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(key, now))
            self._next[key] = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay


SHARED_PACER = Pacer()


class StatuspageError(VendorError):
    """Statuspage refused (`status` is the HTTP code, `reason` its message) or could not be
    reached (`status` None). `error`, what the IM is told, is e.g. "422 Name can't be blank"."""

    def __init__(self, what: str, *, permanent: bool, status: int | None = None, reason: str = "",
                 retry_after: float | None = None) -> None:
        error = f"{status} {reason}" if status is not None else reason
        super().__init__(VENDOR, error, permanent=permanent, retry_after=retry_after, message=f"{what}: {error}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class StatuspageIncident:
    id: str
    name: str
    status: str
    shortlink: str | None
    # component id -> its status on the page after this call
    components: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    # The body of its newest update (Statuspage lists them newest first).
    latest_update_body: str | None = None

    @property
    def incident_key(self) -> str | None:
        """The incident-bot key kept in the metadata (`{"incident_bot": {"key": "HOT-12"}}`)."""
        value = (self.metadata.get(METADATA_NAMESPACE) or {}).get("key")
        return str(value) if value else None


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    status: str


def _incident(data: dict[str, Any]) -> StatuspageIncident:
    return StatuspageIncident(
        id=str(data["id"]), name=str(data.get("name") or ""), status=str(data.get("status") or ""),
        shortlink=data.get("shortlink") or None,
        components={str(c["id"]): str(c.get("status") or "") for c in data.get("components") or ()},
        metadata=data.get("metadata") or {},
        latest_update_body=next((u.get("body") for u in data.get("incident_updates") or ()), None),
    )


class StatuspageClient:
    """Typed calls for one page. `api_url` is STATUSPAGE_API_URL (`https://api.statuspage.io/v1`)."""

    def __init__(self, *, api_url: str, api_key: str, page_id: str, pacer: Pacer = SHARED_PACER,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.page_id = page_id
        self.pacer = pacer
        self.timeout = timeout

    # --- incidents -------------------------------------------------------------------

    def create_incident(self, *, name: str, status: str, body: str, components: dict[str, str],
                        key: str) -> StatuspageIncident:
        """`POST /pages/{page}/incidents`: the first publish. There is no idempotency key, so
        the incident-bot key goes into the metadata (see `find_unresolved`)."""
        fields: dict[str, Any] = {"name": name, "status": status, "body": body,
                                  "metadata": {METADATA_NAMESPACE: {"key": key}}}
        if components:
            fields["component_ids"] = list(components)
            fields["components"] = dict(components)
        return _incident(self._call("POST", f"/pages/{self._page}/incidents", {"incident": fields}))

    def update_incident(self, incident_id: str, *, status: str | None = None, body: str | None = None,
                        components: dict[str, str] | None = None) -> StatuspageIncident:
        """`PATCH /pages/{page}/incidents/{id}`: a later publish, the resolve, or a severity change."""
        fields: dict[str, Any] = {}
        if status is not None:
            fields["status"] = status
        if body is not None:
            fields["body"] = body
        if components:
            fields["component_ids"] = list(components)
            fields["components"] = dict(components)
        path = f"/pages/{self._page}/incidents/{quote(incident_id, safe='')}"
        return _incident(self._call("PATCH", path, {"incident": fields}))

    def get_incident(self, incident_id: str) -> StatuspageIncident:
        return _incident(self._call("GET", f"/pages/{self._page}/incidents/{quote(incident_id, safe='')}"))

    def find_unresolved(self, key: str) -> StatuspageIncident | None:
        """The open Statuspage incident this bot created for `key`, if any: after a create
        whose answer was lost (5xx, timeout) the incident may exist, and must not be made twice."""
        found = self._call("GET", f"/pages/{self._page}/incidents/unresolved?per_page=100")
        for data in found or ():
            incident = _incident(data)
            if incident.incident_key == key:
                return incident
        return None

    # --- components (for `incident-bot check`) --------------------------------------------

    def components(self) -> list[Component]:
        result: list[Component] = []
        page = 1
        while True:
            batch = self._call("GET", f"/pages/{self._page}/components?page={page}&per_page=100") or []
            result += [Component(str(c["id"]), str(c.get("name") or ""), str(c.get("status") or "")) for c in batch]
            if len(batch) < 100:
                return result
            page += 1

    # --- HTTP --------------------------------------------------------------------------

    @property
    def _page(self) -> str:
        return quote(self.page_id, safe="")

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.api_url + path, data=data, method=method)
        request.add_header("Authorization", f"OAuth {self.api_key}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        self.pacer.wait(self.api_key)
        what = f"{method} {path.split('?')[0]}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - STATUSPAGE_API_URL
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _refusal(what, exc) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StatuspageError(what, reason=f"could not reach {self.api_url} ({reason})", permanent=False) from None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise StatuspageError(what, reason="the answer was not JSON", permanent=False) from None


def _refusal(what: str, exc: urllib.error.HTTPError) -> StatuspageError:
    try:
        raw = exc.read()
    except OSError:
        raw = b""
    reason = _reason(raw) or exc.reason or "no reason given"
    retry_after = _seconds(exc.headers.get("Retry-After") if exc.headers else None)
    return StatuspageError(what, status=exc.code, reason=str(reason), permanent=exc.code in PERMANENT_STATUSES,
                           retry_after=retry_after)


def _reason(raw: bytes) -> str:
    """Statuspage's error entity is `{"message": ...}` (sometimes `{"error": ...}` or a list)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace").strip()[:300]
    if isinstance(body, dict):
        value = body.get("message") or body.get("error") or body.get("errors")
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value or "")
    return str(body)[:300]


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
