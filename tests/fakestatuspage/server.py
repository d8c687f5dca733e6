"""``FakeStatuspage``: Statuspage's Manage API v1 as a local HTTP server, strict like the real one.

    with FakeStatuspage(api_key="k", page_id="pg0acc0test1", components={"k4x0checkout": "Checkout"}) as fake:
        client = StatuspageClient(api_url=fake.url, api_key="k", page_id="pg0acc0test1")

Built from the published facts in ``README.md`` (this folder): 401 without
``Authorization: OAuth <key>``, 404 for another page / incident / component, 422 for a
missing name, a value outside an enum, an unknown component, metadata whose values are not
objects, too long a name or body; 400 when the Content-Type does not match the body.
Each refusal is also kept in ``violations`` (a correct bot causes none). Faults on demand:
``fail_next(500)``, ``fail_next(429, retry_after=1)``, ``down = True`` (connection dropped).
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .forms import parse_form

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved",
                     "scheduled", "in_progress", "verifying", "completed")
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
IMPACTS = ("none", "maintenance", "minor", "major", "critical")
INCIDENT_FIELDS = {
    "name", "status", "impact_override", "body", "component_ids", "components", "deliver_notifications",
    "metadata", "scheduled_for", "scheduled_until", "scheduled_remind_prior", "scheduled_auto_in_progress",
    "scheduled_auto_completed", "auto_transition_to_maintenance_state", "auto_transition_to_operational_state",
    "auto_transition_deliver_notifications_at_start", "auto_transition_deliver_notifications_at_end",
    "auto_tweet_at_beginning", "auto_tweet_on_completion", "auto_tweet_on_creation", "auto_tweet_one_hour_before",
    "backfilled", "backfill_date",
}
NAME_MAX, BODY_MAX = 255, 25_000
# The impact Statuspage works out from its components (an approximation of its own rule).
IMPACT_OF = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical",
             "under_maintenance": "maintenance"}
RATE_LIMIT, RATE_WINDOW = 60, 60.0


def _id() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Refusal(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass
class Received:
    """One request as the fake saw it (after auth), for assertions."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int = 0

    @property
    def incident(self) -> dict[str, Any]:
        return (self.body or {}).get("incident") or {}


@dataclass
class _Fault:
    status: int
    times: int | None  # None: until cleared
    retry_after: float | None = None
    method: str | None = None
    drop: bool = False
    # The request is carried out, then the connection drops: the client never hears the answer.
    lose_answer: bool = False


@dataclass
class FakeStatuspage:
    api_key: str = "sp-test-key"
    page_id: str = "pg0acc0test1"
    components: dict[str, str] = field(default_factory=dict)  # component id -> name
    latency: float = 0.0
    clock: Any = time.monotonic

    def __post_init__(self) -> None:
        self.component_status = {cid: "operational" for cid in self.components}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.received: list[Received] = []
        self.violations: list[str] = []
        self.dropped: list[str] = []
        self.down = False
        self._faults: deque[_Fault] = deque()
        self._window: deque[float] = deque()
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeStatuspage:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fakestatuspage", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeStatuspage:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ faults
    def fail_next(self, status: int = 0, *, times: int | None = 1, retry_after: float | None = None,
                  method: str | None = None, drop: bool = False, lose_answer: bool = False) -> None:
        """The next `times` calls (of `method`, if given) answer `status`, or drop the connection
        before (`drop`) or after (`lose_answer`) doing what was asked."""
        with self._lock:
            self._faults.append(_Fault(status, times, retry_after, method, drop, lose_answer))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self.down = False

    def _fault_for(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in list(self._faults):
                if fault.method and fault.method != method:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ queries for tests
    def calls(self, method: str | None = None) -> list[Received]:
        """Requests that Statuspage accepted (2xx), in order."""
        return [r for r in self.received if 200 <= r.status < 300 and (method is None or r.method == method)]

    # ------------------------------------------------------------------ the API
    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query))
        key = headers.get("authorization", "")
        if not (key == f"OAuth {self.api_key}" or query.get("api_key") == self.api_key):
            raise Refusal(401, "Could not authenticate")
        self._rate_limit()
        segments = [s.removesuffix(".json") for s in parts.path.split("/") if s]
        if segments[:1] != ["v1"] or len(segments) < 3 or segments[1] != "pages":
            raise Refusal(404, "The requested resource could not be found.")
        if segments[2] != self.page_id:
            raise Refusal(404, "The requested resource could not be found.")
        body = self._body(headers, raw) if method in ("POST", "PATCH", "PUT") else None
        record = Received(method, raw_path, headers, body)
        with self._lock:
            self.received.append(record)
            status, answer = self._route(method, segments[3:], body, query)
            record.status = status
        return status, answer, {}

    def _rate_limit(self) -> None:
        with self._lock:
            now = self.clock()
            while self._window and now - self._window[0] >= RATE_WINDOW:
                self._window.popleft()
            if len(self._window) >= RATE_LIMIT:
                wait = RATE_WINDOW - (now - self._window[0])
                raise Refusal(429, "Rate limit exceeded", {"Retry-After": str(max(1, int(wait) + 1))})
            self._window.append(now)

    def _body(self, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind == "application/json":
                data = json.loads(raw or b"{}")
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                return data
            if kind == "application/x-www-form-urlencoded":
                return parse_form(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refusal(400, f"Bad request: the body does not match its Content-Type ({exc})") from None
        raise Refusal(400, f"Bad request: unsupported Content-Type {kind or '(none)'}")

    def _route(self, method: str, rest: list[str], body: dict[str, Any] | None,
               query: dict[str, str]) -> tuple[int, Any]:
        if rest == ["incidents"] and method == "POST":
            return 201, self._create(body or {})
        if rest == ["incidents"] and method == "GET":
            return 200, [self._view(i) for i in self._newest_first()][: int(query.get("limit", 100))]
        if rest == ["incidents", "unresolved"] and method == "GET":
            return 200, [self._view(i) for i in self._newest_first() if i["status"] not in ("resolved", "completed")]
        if len(rest) == 2 and rest[0] == "incidents":
            incident = self.incidents.get(rest[1])
            if incident is None:
                raise Refusal(404, "The requested resource could not be found.")
            if method in ("PATCH", "PUT"):
                return 200, self._update(incident, body or {})
            if method == "GET":
                return 200, self._view(incident)
            if method == "DELETE":
                del self.incidents[rest[1]]
                return 200, self._view(incident)
        if rest == ["components"] and method == "GET":
            page, per_page = int(query.get("page", 1)), int(query.get("per_page", 100))
            every = [self._component(cid) for cid in self.components]
            return 200, every[(page - 1) * per_page: page * per_page]
        if len(rest) == 2 and rest[0] == "components" and method == "GET":
            if rest[1] not in self.components:
                raise Refusal(404, "The requested resource could not be found.")
            return 200, self._component(rest[1])
        raise Refusal(404, "The requested resource could not be found.")

    # ------------------------------------------------------------------ incidents
    def _fields(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = body.get("incident")
        if not isinstance(fields, dict):
            raise Refusal(422, "incident is missing")
        kept = {}
        for name, value in fields.items():
            if name in INCIDENT_FIELDS:
                kept[name] = value
            else:
                self.dropped.append(name)
        if "status" in kept and kept["status"] not in INCIDENT_STATUSES:
            raise Refusal(422, f"Status is not included in the list: {kept['status']!r}")
        if "impact_override" in kept and kept["impact_override"] not in IMPACTS:
            raise Refusal(422, f"Impact override is not included in the list: {kept['impact_override']!r}")
        if "name" in kept and (not isinstance(kept["name"], str) or len(kept["name"]) > NAME_MAX):
            raise Refusal(422, f"Name is too long (maximum is {NAME_MAX} characters)")
        if "body" in kept and (not isinstance(kept["body"], str) or len(kept["body"]) > BODY_MAX):
            raise Refusal(422, f"Body is too long (maximum is {BODY_MAX} characters)")
        ids = kept.get("component_ids", [])
        statuses = kept.get("components", {})
        if not isinstance(ids, list) or not isinstance(statuses, dict):
            raise Refusal(422, "component_ids must be a list and components an object")
        for cid in [*ids, *statuses]:
            if cid not in self.components:
                raise Refusal(422, f"Component {cid} could not be found on this page")
        for cid, status in statuses.items():
            if status not in (*COMPONENT_STATUSES, ""):
                raise Refusal(422, f"Component status is not included in the list: {status!r}")
        metadata = kept.get("metadata", {})
        if not isinstance(metadata, dict) or any(not isinstance(v, dict) for v in metadata.values()):
            raise Refusal(422, "metadata values must be objects")
        if "deliver_notifications" in kept and not isinstance(kept["deliver_notifications"], bool):
            raise Refusal(422, "deliver_notifications must be a boolean")
        return kept

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = self._fields(body)
        if not fields.get("name"):
            raise Refusal(422, "Name can't be blank")
        incident = {
            "id": _id(), "page_id": self.page_id, "name": fields["name"],
            "status": fields.get("status") or "investigating", "impact_override": fields.get("impact_override"),
            "created_at": _now(), "updated_at": _now(), "monitoring_at": None, "resolved_at": None,
            "shortlink": f"http://stspg.io/{secrets.token_hex(5)[:9]}", "incident_updates": [],
            "component_ids": list(fields.get("component_ids") or fields.get("components") or ()),
            "metadata": fields.get("metadata") or {}, "worst": "operational",
        }
        self.incidents[incident["id"]] = incident
        self._apply(incident, fields, first=True)
        return self._view(incident)

    def _update(self, incident: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        fields = self._fields(body)
        for name in ("name", "impact_override"):
            if name in fields:
                incident[name] = fields[name]
        if "metadata" in fields:
            incident["metadata"] = fields["metadata"]
        for cid in [*(fields.get("component_ids") or ()), *(fields.get("components") or ())]:
            if cid not in incident["component_ids"]:
                incident["component_ids"].append(cid)
        self._apply(incident, fields, first=False)
        return self._view(incident)

    def _apply(self, incident: dict[str, Any], fields: dict[str, Any], *, first: bool) -> None:
        changes = []
        for cid, status in (fields.get("components") or {}).items():
            if status:
                changes.append({"code": cid, "name": self.components[cid], "old_status": self.component_status[cid],
                                "new_status": status})
                self.component_status[cid] = status
                if _rank(status) > _rank(incident["worst"]):
                    incident["worst"] = status
        if "status" in fields:
            incident["status"] = fields["status"]
            if fields["status"] == "monitoring" and not incident["monitoring_at"]:
                incident["monitoring_at"] = _now()
            incident["resolved_at"] = _now() if fields["status"] in ("resolved", "completed") else None
        if first or "status" in fields or "body" in fields or changes:
            incident["incident_updates"].insert(0, {
                "id": _id(), "incident_id": incident["id"], "status": incident["status"],
                "body": fields.get("body", ""), "created_at": _now(), "display_at": _now(),
                "affected_components": changes or None,
                "deliver_notifications": fields.get("deliver_notifications", True),
            })
        incident["updated_at"] = _now()

    def _newest_first(self) -> list[dict[str, Any]]:
        return sorted(self.incidents.values(), key=lambda i: i["created_at"], reverse=True)

    def _view(self, incident: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in incident.items() if k not in ("component_ids", "worst")}
        shown["impact"] = incident["impact_override"] or IMPACT_OF.get(incident["worst"], "none")
        shown["components"] = [self._component(cid) for cid in incident["component_ids"]]
        return json.loads(json.dumps(shown))

    def _component(self, cid: str) -> dict[str, Any]:
        return {"id": cid, "page_id": self.page_id, "name": self.components[cid],
                "status": self.component_status[cid]}


def _rank(status: str) -> int:
    order = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
    return order.index(status) if status in order else 0


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStatuspage
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # the test output stays quiet
        pass

    def _serve(self) -> None:
        fake = self.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if fake.latency:
            time.sleep(fake.latency)
        fault = None if fake.down else fake._fault_for(self.command)
        if fake.down or (fault and fault.drop):
            self.close_connection = True
            self.connection.close()
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        extra: dict[str, str] = {}
        if fault is not None and fault.lose_answer:
            try:
                fake.handle(self.command, self.path, headers, raw)
            except Refusal:
                pass
            finally:
                self.close_connection = True
                self.connection.close()
            return
        try:
            if fault is not None:
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                raise Refusal(fault.status, "injected failure", extra)
            status, answer, extra = fake.handle(self.command, self.path, headers, raw)
        except Refusal as refusal:
            status, answer, extra = refusal.status, {"message": refusal.message}, refusal.headers
            if fault is None and status in (400, 404, 422):
                fake.violations.append(f"{self.command} {self.path}: {status} {refusal.message}")
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
