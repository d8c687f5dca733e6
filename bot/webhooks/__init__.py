"""Inbound webhooks: `POST /webhooks/<source>`, served by `serve` and by `run` alike.

Each source authenticates its requests itself (PagerDuty signs, Alertmanager sends a bearer
token) and answers 401 to anything else before it changes anything. A source whose secret is
not configured is not served (404): with nothing set the bot behaves as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.deps import Deps

log = logging.getLogger(__name__)

# Bodies above this are refused unread: neither vendor sends anything near it.
MAX_BODY = 1024 * 1024

Receiver = Callable[[Deps, bytes, Mapping[str, str]], tuple[int, str]]
StartResponse = Callable[..., Any]

REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large", 500: "Internal Server Error"}


def receivers() -> dict[str, Receiver]:
    from bot.webhooks import alertmanager, pagerduty

    return {"pagerduty": pagerduty.receive, "alertmanager": alertmanager.receive}


def headers_of(environ: Mapping[str, Any]) -> dict[str, str]:
    """WSGI's HTTP_X_PAGERDUTY_SIGNATURE -> `x-pagerduty-signature` (lower-case names)."""
    found = {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        found["content-type"] = str(environ["CONTENT_TYPE"])
    return found


def handle(deps: Deps, environ: Mapping[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    source = str(environ.get("PATH_INFO", ""))[len("/webhooks/"):].strip("/")
    receiver = receivers().get(source)
    if receiver is None:
        return _answer(start_response, 404, f"no webhook source {source!r}")
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, 405, "POST only")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(start_response, 411, "Content-Length is not a number")
    if length > MAX_BODY:
        return _answer(start_response, 413, f"bodies are limited to {MAX_BODY} bytes")
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        status, message = receiver(deps, body, headers_of(environ))
    except Exception:  # noqa: BLE001 - the vendor retries a 5xx; the log has the cause
        log.exception("webhook %s failed", source)
        return _answer(start_response, 500, "internal error; the bot's log has the details")
    return _answer(start_response, status, message)


def _answer(start_response: StartResponse, status: int, message: str) -> list[bytes]:
    raw = (message + "\n").encode("utf-8")
    start_response(f"{status} {REASONS.get(status, 'Error')}",
                   [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(raw)))])
    return [raw]
