"""HTTP mode: Slack posts commands, interactivity and events to /slack/events; /healthz;
the vendors' webhooks on /webhooks/<source> (also served by `run`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import webhooks
from bot.deps import Deps
from storage import db

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(app: App, deps: Deps) -> WsgiApp:
    slack_handler = SlackRequestHandler(app, path="/slack/events")
    inbound = inbound_app(deps, fallback=slack_handler)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return inbound(environ, start_response)

    return application


def inbound_app(deps: Deps, fallback: WsgiApp | None = None) -> WsgiApp:
    """`/healthz` and `/webhooks/<source>`; anything else goes to `fallback` (Slack's
    /slack/events in `serve`) or is 404 (`run`, where Slack comes over the socket)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _healthz(deps, start_response)
        if path.startswith("/webhooks/"):
            return webhooks.handle(deps, environ, start_response)
        if fallback is not None:
            return fallback(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: this process serves /healthz and /webhooks/* (Slack comes over Socket Mode)\n"]

    return application


def _healthz(deps: Deps, start_response: StartResponse) -> list[bytes]:
    try:
        db.ping(deps.sessions)
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        log.warning("healthz: database unreachable: %s", exc)
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unreachable\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
