"""A strict fake of PagerDuty's Events API v2 and the REST endpoints the bot uses.

Built from REFERENCE.md: it answers what PagerDuty answers and rejects what PagerDuty
rejects (a wrong event is a 400 and a test failure via `violations`), keeps the alerts'
state by routing key + dedup key, and can be told to answer 500 or 429 for a while.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
MAX_BODY = 512 * 1024  # EV2-overview "Size Limits"
ROUTING_KEY_LENGTH = 32
DEDUP_KEY_MAX = 255
SUMMARY_MAX = 1024
PAGE_LIMIT_MAX = 100
OFFSET_LIMIT_MAX = 10000


@dataclass
class Alert:
    routing_key: str
    dedup_key: str
    status: str  # triggered, acknowledged, resolved
    summary: str
    severity: str
    triggers: int = 1


@dataclass
class FakePagerDutyState:
    tokens: set[str] = field(default_factory=set)
    # escalation policy id -> [(level, user dict)]
    oncalls: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    alerts: dict[tuple[str, str], list[Alert]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    faults: deque[tuple[int, float | None]] = field(default_factory=deque)


class FakePagerDuty:
    def __init__(self) -> None:
        self.state = FakePagerDutyState()
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- test helpers ---------------------------------------------------------------------------
    @property
    def events_url(self) -> str:
        return self.url + "/v2/enqueue"

    def add_token(self, token: str) -> None:
        with self.lock:
            self.state.tokens.add(token)

    def put_on_call(self, policy: str, *, user_id: str, name: str, email: str, level: int = 1) -> None:
        user = {"id": user_id, "type": "user", "summary": name, "name": name, "email": email,
                "self": f"{self.url}/users/{user_id}", "html_url": f"https://acme.pagerduty.com/users/{user_id}"}
        with self.lock:
            self.state.oncalls.setdefault(policy, []).append((level, user))

    def fail_next(self, status: int, times: int = 1, *, retry_after: float | None = None) -> None:
        """The next `times` event posts answer `status` (500, 429...) and are not ingested."""
        with self.lock:
            self.state.faults.extend([(status, retry_after)] * times)

    def events(self, action: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.state.accepted if action is None or e["event_action"] == action]

    def open_alerts(self) -> list[Alert]:
        with self.lock:
            return [a for history in self.state.alerts.values() for a in history if a.status != "resolved"]

    @property
    def violations(self) -> list[str]:
        return self.state.violations

    # -- Events API v2 ----------------------------------------------------------------------------
    def enqueue(self, raw: bytes, content_type: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.state.requests.append(("POST", "/v2/enqueue"))
            if self.state.faults:
                status, retry_after = self.state.faults.popleft()
                headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
                if status == 429:
                    return status, headers, {"status": "throttle event", "message": "Request Limit Exceeded"}
                return status, headers, {"status": "error", "message": "Internal Server Error"}
            errors = _event_errors(raw, content_type)
            if errors:
                self.state.violations.append("; ".join(errors))
                return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
            event = json.loads(raw)
            dedup = self._apply(event)
            self.state.accepted.append(event)
            return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": dedup}

    def _apply(self, event: dict[str, Any]) -> str:
        """EV2-trigger "Alert De-Duplication": trigger opens or joins; ack/resolve need an open one."""
        action, routing = event["event_action"], event["routing_key"]
        dedup = event.get("dedup_key") or f"gen-{len(self.state.accepted)}"
        history = self.state.alerts.setdefault((routing, dedup), [])
        current = history[-1] if history and history[-1].status != "resolved" else None
        if action == "trigger":
            if current:
                current.triggers += 1
            else:
                payload = event["payload"]
                history.append(Alert(routing, dedup, "triggered", payload["summary"], payload["severity"]))
        elif current:  # without an open alert, acknowledge and resolve are dropped
            current.status = "acknowledged" if action == "acknowledge" else "resolved"
        return dedup

    # -- REST API -----------------------------------------------------------------------------------
    def rest(self, path: str, query: list[tuple[str, str]], auth: str | None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.requests.append(("GET", path))
            token = auth[len("Token token="):] if auth and auth.startswith("Token token=") else None
            if token is None or token not in self.state.tokens:
                return 401, {"error": {"message": "Authentication failed", "code": 2006}}
            if path == "/abilities":
                return 200, {"abilities": ["teams", "read_only_users", "urgencies"]}
            if path == "/users/me":
                # Account tokens belong to no user (REST-auth): /users/me is for user tokens.
                return 400, {"error": {"message": "Invalid Input Provided", "code": 2001,
                                       "errors": ["Requests made with account-level access tokens cannot use this endpoint"]}}
            if path == "/oncalls":
                return self._oncalls(query)
            return 404, {"error": {"message": "Not Found", "code": 2100}}

    def _oncalls(self, query: list[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
        try:
            limit = int(dict(query).get("limit", 25))
            offset = int(dict(query).get("offset", 0))
        except ValueError:
            return 400, {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["limit/offset"]}}
        if limit > PAGE_LIMIT_MAX or offset + limit > OFFSET_LIMIT_MAX:
            return 400, {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["Offset/limit"]}}
        # A filter written without [] is not the documented parameter: ignored.
        policies = [v for k, v in query if k == "escalation_policy_ids[]"]
        include_users = ("include[]", "users") in query
        rows = []
        for policy, entries in sorted(self.state.oncalls.items()):
            if policies and policy not in policies:
                continue
            for level, user in entries:
                shown = dict(user) if include_users else {
                    "id": user["id"], "type": "user_reference", "summary": user["summary"], "self": user["self"],
                    "html_url": user["html_url"]}
                rows.append({"escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
                             "escalation_level": level, "schedule": None, "user": shown, "start": None, "end": None})
        page = rows[offset:offset + limit]
        return 200, {"oncalls": page, "limit": limit, "offset": offset, "more": offset + limit < len(rows),
                     "total": None}

    # -- server ---------------------------------------------------------------------------------------
    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if urlsplit(self.path).path != "/v2/enqueue":
                    return self._send(404, {"status": "not found", "message": "Not Found"})
                status, headers, body = fake.enqueue(raw, self.headers.get("Content-Type") or "")
                self._send(status, body, headers)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, body = fake.rest(parts.path, parse_qsl(parts.query), self.headers.get("Authorization"))
                self._send(status, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="fake-pagerduty", daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _event_errors(raw: bytes, content_type: str) -> list[str]:
    """What PagerDuty rejects with 400 (EV2-trigger table, EV2-openapi `required`)."""
    if len(raw) > MAX_BODY:
        return ["the event is larger than 512 KB"]
    if "application/json" not in content_type:
        return ["Content-Type must be application/json"]
    try:
        event = json.loads(raw)
    except ValueError:
        return ["invalid JSON"]
    if not isinstance(event, dict):
        return ["the event must be a JSON object"]
    errors = []
    routing = event.get("routing_key")
    if not isinstance(routing, str) or len(routing) != ROUTING_KEY_LENGTH:
        errors.append("'routing_key' must be a 32-character integration key")
    action = event.get("event_action")
    if action not in EVENT_ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    dedup = event.get("dedup_key")
    if action in ("acknowledge", "resolve") and not dedup:
        errors.append("'dedup_key' is required for acknowledge and resolve")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > DEDUP_KEY_MAX):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is required for trigger")
        else:
            summary = payload.get("summary")
            if not isinstance(summary, str) or not summary or len(summary) > SUMMARY_MAX:
                errors.append("'payload.summary' is required, at most 1024 characters")
            if not isinstance(payload.get("source"), str) or not payload.get("source"):
                errors.append("'payload.source' is required")
            if payload.get("severity") not in SEVERITIES:
                errors.append("'payload.severity' must be one of critical, error, warning, info")
        for link in event.get("links") or ():
            if not isinstance(link, dict) or not link.get("href"):
                errors.append("'links[].href' is required")
    return errors
