"""Test helpers: an injectable clock, an executor tests can wait on, a wired-up bot."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.app import create_app
from bot.effects.worker import EffectWorker
from bot.deps import Deps
from bot.settings import Settings, TeamConfig
from bot.slack_edge import Slack, make_web_client
from bot.slack_queue import SlackQueue
from bot.views.ids import Action, Block, Callback
from storage.db import make_engine, make_sessions
from storage.effects import SENT
from storage.migrate import upgrade

SECRET = "test-signing-secret"


def deliver_due(deps: Deps, worker: str = "test-worker") -> int:
    """Delivers the effects due at deps.now() (reminders a tick planned...): how many were sent."""
    return EffectWorker(deps, worker).drain()[SENT]


class Clock:
    """`now` for the bot, moved by the test (never slept through)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(timezone.utc).replace(microsecond=0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.current

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self.current += delta if delta is not None else timedelta(**kwargs)
            return self.current

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.current = moment


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt runs listeners here after the ack; `drain()` waits for all of them."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="bolt")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def drain(self, timeout: float = 20) -> None:
        """Waits for every listener submitted so far and re-raises what escaped one. Each
        future is checked once, finished or not: one that failed before drain() was called
        must surface too."""
        while True:
            with self._lock:
                if not self._futures:
                    return
                future = self._futures.pop(0)
            future.result(timeout=timeout)


def make_deps(fake: Any, database_url: str, clock: Clock | None = None, team: TeamConfig | None = None,
                  **overrides: Any) -> Deps:
    upgrade(database_url)
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.url,
        database_url=database_url,
        incidents_channel=overrides.pop("incidents_channel", fake.incidents_channel_id),
        **overrides,
    )
    return Deps(
        settings=settings,
        sessions=make_sessions(make_engine(database_url)),
        slack=Slack(make_web_client(settings.slack_bot_token, settings.slack_api_url)),
        team=team or TeamConfig(),
        clock=clock or Clock(),
        # Retry-After and tier pacing are honoured in order but not slept through.
        slack_queue=SlackQueue(time_scale=0),
    )


@dataclass
class Bot:
    """The real Bolt app, wired to the fake Slack and a test database."""

    deps: Deps
    fake: Any
    caller: Any
    executor: TrackingExecutor
    clock: Clock
    effects: EffectWorker
    # Off: a test holds effects back (say, a planned nag an update then makes stale) and
    # delivers them itself with deliver().
    auto_deliver: bool = True

    @classmethod
    def build(cls, deps: Deps, fake: Any) -> Bot:
        from tests.fakeslack.signed import BoltCaller

        executor = TrackingExecutor()
        app = create_app(deps, listener_executor=executor)
        return cls(deps, fake, BoltCaller(app, SECRET, fake), executor, deps.clock,  # type: ignore[arg-type]
                   EffectWorker(deps, "test-worker"))

    def deliver(self) -> int:
        """What the effect worker does right after a commit, in this thread: delivers every
        effect due at the clock's now; returns how many were sent."""
        return self.effects.drain()[SENT]

    def drain(self) -> None:
        """Waits for Bolt's listeners and the Slack work they queued, then delivers the
        effects they committed (as the worker does right after a commit)."""
        self.executor.drain()
        self.deps.slack_queue.drain()
        if self.auto_deliver:
            self.effects.drain()

    def command(self, text: str, *, user: str, channel: str) -> Any:
        response = self.caller.command(text, user_id=user, channel_id=channel)
        self.drain()
        return response

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Any:
        response = self.caller.submit_view(view, values, user_id=user)
        self.drain()
        return response

    def action(self, action_id: str, value: Any, *, user: str, **kw: Any) -> Any:
        response = self.caller.action(action_id, value, user_id=user, **kw)
        self.drain()
        return response

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None) -> Any:
        response = self.caller.event(event, event_id=event_id or f"Ev{uuid.uuid4().hex[:10]}", retry_num=retry_num)
        self.drain()
        return response

    def join(self, channel_id: str, *users: str) -> None:
        """People join a channel: the fake's members change and Slack sends member_joined_channel."""
        for user in users:
            self.fake.channels[channel_id].members.add(user)
            self.event({"type": "member_joined_channel", "user": user, "channel": channel_id, "channel_type": "C",
                        "team": "T0001", "event_ts": f"{uuid.uuid4().int % 10**9}.000100"})

    def leave(self, channel_id: str, *users: str) -> None:
        for user in users:
            self.fake.channels[channel_id].members.discard(user)
            self.event({"type": "member_left_channel", "user": user, "channel": channel_id, "channel_type": "C",
                        "team": "T0001", "event_ts": f"{uuid.uuid4().int % 10**9}.000200"})

    def last_view(self, callback_id: str) -> dict[str, Any]:
        views = [v for v in self.fake.views_opened if v.get("callback_id") == callback_id]
        assert views, f"no modal {callback_id} was opened"
        return views[-1]

    def declare(self, summary: str = "Checkout fails for EU customers", *, user: str = "UREPORTER",
                channel: str | None = None, severity: int = 2, impact: str = "EU customers cannot pay. Call me: 555-0101",
                private: bool = False, service: str = "Unknown", products: tuple[str, ...] = ()) -> Any:
        """Runs `/incident declare` and submits its modal; returns the incident's channel record."""
        channel = channel or self.fake.general_channel_id
        self.command(f"declare {summary}", user=user, channel=channel)
        view = self.last_view(Callback.DECLARE)
        response = self.submit(view, declare_values(summary, impact=impact, severity=severity, private=private,
                                                    service=service, products=products), user=user)
        assert response.status == 200, response.body
        assert not response.body or "errors" not in response.body, response.body
        return self.fake.channels[self.latest_incident_channel()]

    def latest_incident_channel(self) -> str:
        from sqlalchemy import select

        from storage.models import Incident

        with self.deps.sessions() as s:
            channel_id = s.scalars(select(Incident.channel_id).order_by(Incident.id.desc()).limit(1)).one()
        assert channel_id, "the incident has no channel"
        return channel_id


def declare_values(summary: str, *, impact: str = "", severity: int | None = 2, private: bool = False,
                   service: str = "Unknown", products: tuple[str, ...] = ()) -> dict[str, Any]:
    """The `view.state.values` Slack sends for the declare modal."""
    def option(value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": value}, "value": value}

    return {
        Block.SUMMARY: {Action.VALUE: {"type": "plain_text_input", "value": summary}},
        Block.IMPACT: {Action.VALUE: {"type": "plain_text_input", "value": impact or None}},
        Block.SEVERITY: {Action.VALUE: {"type": "static_select",
                                        "selected_option": option(str(severity)) if severity else None}},
        Block.FAULTY_SERVICE: {Action.VALUE: {"type": "static_select", "selected_option": option(service)}},
        Block.AFFECTED_PRODUCTS: {Action.VALUE: {"type": "multi_static_select",
                                                 "selected_options": [option(p) for p in products]}},
        Block.PRIVATE: {Action.VALUE: {"type": "checkboxes",
                                       "selected_options": [option("private")] if private else []}},
    }


def ack_text(response: Any) -> str:
    """What the person sees of an ack: Bolt sends a bare string when there are no blocks."""
    import json as _json

    body = response.body or ""
    if body.startswith("{"):
        return str(_json.loads(body).get("text", ""))
    return body
