"""The one factory that builds the Bolt app, for Socket Mode, HTTP mode and the tests."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

import commands
from bot.deps import Deps
from bot.slack_edge import SlackFailure

log = logging.getLogger(__name__)


# Bolt runs each listener, its work after the ack included, on this pool, and a request's
# ack waits for a free worker. Bolt's default (min(32, CPUs + 4) workers: 6 on 2 CPUs) let
# a burst of declarations, each waiting on Slack's rate limits after its ack, hold every
# worker, so further modal submits were acked after Slack's 3 s (bench/rate_limits.py).
# The work is I/O-bound (Slack calls, Retry-After sleeps), so threads are cheap here.
LISTENER_WORKERS = 64


class IncidentApp(App):
    """Bolt's App, with one parsing fix for HTTP mode.

    Bolt takes any form body that contains the word "payload" for an interactive payload and,
    finding no `payload` field, dispatches an empty body: `/incident note the payload service
    is down` would be answered 404. A form body with no `payload` field is a slash command:
    parse it as one (the signature was checked on the raw body, which is untouched)."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if req.mode == "http" and not req.body and "payload" in req.raw_body and not req.raw_body.startswith("{"):
            fields = dict(parse_qsl(req.raw_body, keep_blank_values=True))
            if "payload" not in fields:
                req.body = fields
                req.context = build_context(BoltContext(), fields)
        return super().dispatch(req)


def create_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    settings = deps.settings
    if listener_executor is None:
        listener_executor = ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="bolt-listener")
    app = IncidentApp(
        client=deps.slack.client,
        signing_secret=settings.slack_signing_secret or None,
        # HTTP requests must be signed; Socket Mode frames are authenticated by the socket.
        request_verification_enabled=bool(settings.slack_signing_secret),
        # auth.test at start-up is `incident-bot check`'s job; tests build many apps.
        token_verification_enabled=False,
        # Work happens after ack() on Bolt's executor; the HTTP answer goes back at ack().
        listener_executor=listener_executor,
        raise_error_for_unhandled_request=False,
    )
    commands.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        log.exception("handler failed: %s", error, exc_info=error)
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        channel = body.get("channel_id") or ((body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) else None)
        if user:
            what = error.error if isinstance(error, SlackFailure) else type(error).__name__
            try:
                deps.slack.ephemeral(channel or user, user, f":warning: Something went wrong ({what}). Nothing "
                                         "half-done was kept that you would not see; the bot's log has the details.")
            except Exception:  # noqa: BLE001 - telling the user is best effort; the log has the cause
                log.exception("could not tell %s about the failure", user)
        return None

    return app
