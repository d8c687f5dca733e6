"""HTTP mode: Slack posts commands, interactivity and events to /slack/events; /healthz."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.services import Services

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(app: App, services: Services) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack_handler = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _healthz(services, start_response)
        return slack_handler(environ, start_response)

    return application


def _healthz(services: Services, start_response: StartResponse) -> list[bytes]:
    try:
        with services.sessions() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        log.warning("healthz: database unreachable: %s", exc)
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unreachable\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
