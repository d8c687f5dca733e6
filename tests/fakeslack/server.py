"""``FakeSlack``: the fake Web API as a local HTTP server.

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from . import scopes as scope_rules
from .reference import DEFAULT_REFERENCE_DIR, POST_MESSAGE_PER_CHANNEL_PER_MINUTE, load_reference
from .state import BOT_USER_ID, as_bool, split_list
from .validation import SlackError
from .workspace import Workspace, normalize_args

WINDOW_SECONDS = 60.0
# Slack is never instant: each answer waits this long, so a test meets the races and the
# ordering a real round trip allows. Small enough that the suite stays fast.
DEFAULT_LATENCY = 0.002


class _Fault:
    def __init__(self, kind: str, times: int, when=None, **info):  # type: ignore[no-untyped-def]
        self.kind, self.times, self.when, self.info = kind, times, when, info

    def matches(self, args: dict) -> bool:
        return self.when is None or bool(self.when(args))


class _Hold:
    def __init__(self, method: str, when) -> None:  # type: ignore[no-untyped-def]
        self.method, self.when = method, when
        self.reached, self.released = threading.Event(), threading.Event()

    def matches(self, method: str, args: dict) -> bool:
        return method == self.method and (self.when is None or self.when(args))

    def release(self) -> None:
        self.released.set()


class FakeSlack(Workspace):
    def __init__(self, reference_dir: Path | str = DEFAULT_REFERENCE_DIR, latency: float = DEFAULT_LATENCY,
                 clock=time.monotonic, scopes=None):
        """``scopes``: the bot token's scopes; by default the ones manifest.yml grants."""
        super().__init__(clock=clock)
        self.reference = load_reference(str(Path(reference_dir).resolve()))
        self.latency = latency
        self.scopes = frozenset(scope_rules.manifest_bot_scopes() if scopes is None else scopes)
        self.violations: list[str] = []
        self._calls: list[tuple[str, dict]] = []
        self._faults: dict[str, deque] = defaultdict(deque)
        # Slack's rate-limit tiers hold from the first call, as in production.
        self._tiers_enabled = True
        self._holds: list[_Hold] = []
        self._tier_overrides: dict[str, int] = {}
        self._rate_windows: dict[tuple, deque] = defaultdict(deque)
        # Slack's tiers are calls per minute; a benchmark may shorten the window to run faster.
        self.rate_window = WINDOW_SECONDS
        self.rate_limited_count = 0
        self.response_url_posts: list[dict] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "FakeSlack":
        if self._httpd is not None:
            return self
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_http_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fakeslack-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self.base_http_url:
            raise RuntimeError("FakeSlack is not started")
        return f"{self.base_http_url}/api/"

    # ------------------------------------------------------------------ recorded calls
    @property
    def calls(self) -> list[tuple[str, dict]]:
        with self.lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[dict]:
        with self.lock:
            return [args for m, args in self._calls if m == method]

    def reset_calls(self) -> None:
        with self.lock:
            self._calls.clear()

    def response_url(self, name: str = "r") -> str:
        """A ``response_url`` served by the fake; posts land in ``fake.response_url_posts``."""
        return f"{self.base_http_url}/hooks/{name}"

    # ------------------------------------------------------------------ fault injection
    def fail_next(self, method: str, error: str, times: int = 1, when=None) -> None:  # type: ignore[no-untyped-def]
        """The next `times` calls of `method` (those for which `when(args)` is true) fail with `error`."""
        with self.lock:
            self._faults[method].append(_Fault("error", times, when, error=error))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        with self.lock:
            self._faults[method].append(_Fault("ratelimit", times, retry_after=retry_after))

    def hold_answer(self, method: str, when=None) -> "_Hold":  # type: ignore[no-untyped-def]
        """The next `method` call (for which `when(args)` is true) is carried out, and its
        answer is held back until `release()`: a test kills the bot while Slack has done it."""
        hold = _Hold(method, when)
        with self.lock:
            self._holds.append(hold)
        return hold

    def lose_answer_next(self, method: str, times: int = 1, when=None) -> None:  # type: ignore[no-untyped-def]
        """Slack carries the call out, but the answer never reaches the bot (a 503 from a
        proxy on the way back): the bot cannot tell whether it happened. `when(args)`: only
        calls it is true for (one destination of several)."""
        with self.lock:
            self._faults[method].append(_Fault("lost", times, when))

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        with self.lock:
            self._faults[method].append(_Fault("status", times, status=status))

    def enforce_tiers(self, per_minute: dict[str, int] | None = None, *, enabled: bool = True) -> None:
        """Answer 429 past each method's per-minute budget (sliding 60 s window).

        Budgets come from the method file's ``rate_limits`` (t1=1, t2=20, t3=50, t4=100);
        ``chat.postMessage`` gets 60 per minute per channel. ``per_minute`` overrides
        per method. ``enforce_tiers(enabled=False)`` switches it off again.
        """
        with self.lock:
            self._tiers_enabled = enabled
            self._tier_overrides = dict(per_minute or {})
            self._rate_windows.clear()

    def _take_fault(self, method: str, args: dict) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = next((f for f in queue if f.matches(args)), None)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            queue.remove(fault)
        return fault

    def _tier_retry_after(self, method: str, args: dict) -> int | None:
        """None when the call fits its budget (and is counted), else seconds to wait."""
        if not self._tiers_enabled:
            return None
        budget = self._tier_overrides.get(method)
        key: tuple = (method,)
        if method == "chat.postMessage":
            budget = budget or POST_MESSAGE_PER_CHANNEL_PER_MINUTE
            key = (method, str(args.get("channel")))
        if budget is None:
            budget = self.reference.per_minute(method)
        if budget is None:
            return None
        now = self.clock()
        window = self._rate_windows[key]
        while window and now - window[0] >= self.rate_window:
            window.popleft()
        if len(window) >= budget:
            return max(1, math.ceil(window[0] + self.rate_window - now))
        window.append(now)
        return None

    # ------------------------------------------------------------------ dispatch
    def handle_api(self, method: str, args: dict, bearer: str | None) -> tuple[int, dict, dict]:
        """Returns (HTTP status, extra headers, JSON body)."""
        answer = self._handle_api(method, args, bearer)
        if answer[2].get("ok"):
            with self.lock:
                hold = next((h for h in self._holds if h.matches(method, args)), None)
                if hold is not None:
                    self._holds.remove(hold)
            if hold is not None:
                hold.reached.set()
                hold.released.wait(60)
        return answer

    def _handle_api(self, method: str, args: dict, bearer: str | None) -> tuple[int, dict, dict]:
        if self.latency:
            time.sleep(self.latency)
        token = bearer or args.get("token")
        with self.lock:
            self._calls.append((method, dict(args)))
            doc = self.reference.method(method)
            if doc is None:
                return self._reject(method, SlackError("unknown_method", violation=True,
                                                       detail="no such method in tests/reference/slack/methods"))
            missing = [name for name in self.reference.required_args(method)
                       if name not in args and not (name == "token" and token)]
            if "token" in missing:
                return self._reject(method, SlackError("not_authed", violation=True, detail="no token"))
            if missing:
                return self._reject(method, SlackError("invalid_arguments", violation=True,
                                                       detail=f"missing required argument(s) {missing}"))
            if not hasattr(self, "api_" + method.replace(".", "_")):
                return self._reject(method, SlackError(
                    "unknown_method", violation=True,
                    detail="the fake has no model of this method: add api_<method> in tests/fakeslack "
                           "(and the method's scope to manifest.yml)"))
            needed = self._missing_scope(method, args, doc)
            if needed is not None:
                return self._reject(method, SlackError(
                    "missing_scope", violation=True, detail=f"needs {needed}; manifest.yml grants {sorted(self.scopes)}",
                    extra={"needed": needed, "provided": ",".join(sorted(self.scopes))}))
            fault = self._take_fault(method, args)
            if fault is not None and fault.kind == "lost":
                lost = True
            elif fault is not None:
                if fault.kind == "error":
                    return 200, {}, {"ok": False, "error": fault.info["error"]}
                if fault.kind == "ratelimit":
                    self.rate_limited_count += 1
                    return 429, {"Retry-After": str(fault.info["retry_after"])}, {"ok": False, "error": "ratelimited"}
                return fault.info["status"], {}, {"ok": False, "error": "fatal_error"}
            else:
                lost = False
            retry_after = self._tier_retry_after(method, args)
            if retry_after is not None:
                self.rate_limited_count += 1
                return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
            try:
                normalized = normalize_args(args)
                handler = getattr(self, "api_" + method.replace(".", "_"))
                if method == "apps.connections.open":
                    result = handler(normalized, token=token)
                else:
                    result = handler(normalized)
            except SlackError as e:
                return self._reject(method, e)
            except Exception as e:  # a bug in the fake or a badly typed argument
                return self._reject(method, SlackError("invalid_arguments", violation=True,
                                                       detail=f"fake crashed: {type(e).__name__}: {e}"))
            if lost:
                return 503, {}, {"ok": False, "error": "service_unavailable"}
            body = {"ok": True}
            body.update(result or {})
            return 200, {}, body

    # ------------------------------------------------------------------ scopes
    def _conversation_kind(self, channel_id) -> str | None:
        cid = str(channel_id or "")
        ch = self.channels.get(cid)
        if ch is None and cid in self.users:
            return "im"
        if ch is None:
            return None  # the handler answers channel_not_found
        if ch.is_im:
            return "im"
        if ch.name.startswith("mpdm-"):
            return "mpim"
        return "private_channel" if ch.is_private else "public_channel"

    def _conversation_kinds(self, method: str, args: dict) -> list[str | None]:
        """The kinds of conversation the call touches: its scope must cover each."""
        if method == "conversations.create":
            return ["private_channel" if as_bool(args.get("is_private")) else "public_channel"]
        if method == "conversations.list":
            return split_list(args.get("types")) or ["public_channel"]
        if method == "conversations.open" and args.get("users"):
            others = [u for u in split_list(args.get("users")) if u != BOT_USER_ID]
            return ["mpim" if len(others) > 1 else "im"]
        channel = args.get("channel") or args.get("channel_id")
        if channel is None and args.get("channels"):
            channel = split_list(args.get("channels"))[0]
        return [self._conversation_kind(channel)] if channel else [None]

    def _missing_scope(self, method: str, args: dict, doc: dict) -> str | None:
        bot_scopes = (doc.get("scope") or {}).get("bot")
        kinds = [k for k in self._conversation_kinds(method, args) if k in scope_rules.KIND_FAMILY or k is None]
        return scope_rules.missing(bot_scopes, kinds, self.scopes)

    def _reject(self, method: str, err: SlackError) -> tuple[int, dict, dict]:
        if err.violation:
            self.violations.append(f"{method}: {err.error}: {err.detail}")
        body = {"ok": False, "error": err.error}
        body.update(err.extra)
        return 200, {}, body


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def _send(self, status: int, body, headers: dict | None = None, content_type="application/json; charset=utf-8"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for k, val in (headers or {}).items():
            self.send_header(k, val)
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _args(self, raw: bytes) -> dict:
        parts = urlsplit(self.path)
        args = dict(parse_qsl(parts.query, keep_blank_values=True))
        ctype = (self.headers.get("Content-Type") or "").lower()
        if raw:
            if "json" in ctype:
                loaded = json.loads(raw.decode("utf-8"))
                if isinstance(loaded, dict):
                    args.update(loaded)
            elif "multipart" in ctype:
                pass  # files.upload v1 (retired); args stay in the query string
            else:
                args.update(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))
        return args

    def _dispatch(self):
        raw = self._body()
        if len(raw) < int(self.headers.get("Content-Length") or 0):
            # The client died mid-request (a SIGKILL test): Slack never gets a whole request
            # and does nothing with it, so neither does the fake (no call, no violation).
            self.close_connection = True
            return None
        path = urlsplit(self.path).path
        if path.startswith("/upload/"):
            ok = self.fake.receive_upload(path[len("/upload/"):], raw)
            return self._send(200 if ok else 404, f"OK - {len(raw)}".encode() if ok else b"not found",
                              content_type="text/plain")
        if path.startswith("/hooks/"):
            try:
                payload = json.loads(raw.decode("utf-8") or "{}")
            except ValueError:
                payload = {"raw": raw.decode("utf-8", "replace")}
            with self.fake.lock:
                self.fake.response_url_posts.append({"path": path, "payload": payload})
            return self._send(200, b"ok", content_type="text/plain")
        if not path.startswith("/api/"):
            return self._send(404, {"ok": False, "error": "not_found"})
        method = path[len("/api/"):].strip("/")
        try:
            args = self._args(raw)
        except (ValueError, UnicodeDecodeError) as e:
            with self.fake.lock:
                self.fake.violations.append(f"{method}: invalid_form_data: {e}")
            return self._send(200, {"ok": False, "error": "invalid_form_data"})
        auth = self.headers.get("Authorization") or ""
        bearer = auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else None
        status, headers, body = self.fake.handle_api(method, args, bearer)
        self._send(status, body, headers)

    do_POST = _dispatch
    do_GET = _dispatch
