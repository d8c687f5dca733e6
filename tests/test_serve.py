"""`incident-bot serve`: a real process, signed HTTP requests, a fake Slack Web API."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from bot.views.ids import Callback
from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, wait_for, wait_healthy
from tests.support import SECRET, declare_values


def test_serve_answers_a_signed_declare_and_creates_the_channel(slack, tmp_path):
    env = bot_env(slack, tmp_path)
    port = int(env["PORT"])
    with bot_process("serve", env, tmp_path / "serve.log"):
        wait_healthy(port)
        caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)

        reply = caller.command("declare Checkout is down", user_id="UREPORTER", channel_id=slack.general_channel_id)
        assert reply.status == 200
        # How fast the ack comes is measured by bench/ack_latency.py, not asserted on a shared
        # machine; the fake itself refuses a trigger_id used more than 3 s after it was issued.
        view = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == Callback.DECLARE],
                        what="the declare modal")[-1]
        assert view["blocks"][0]["element"]["initial_value"] == "Checkout is down"

        submitted = caller.submit_view(view, declare_values("Checkout is down", severity=1), user_id="UREPORTER")
        assert submitted.status == 200
        channel = wait_for(lambda: slack.channel_by_name("hot-1"), what="#hot-1")
        wait_for(lambda: channel.topic and channel.pins, what="topic and pin")
        assert channel.topic == "HOT-1 | Sev 1 | Pending | IM: unassigned | Checkout is down"
        wait_for(lambda: any("HOT-1 - Sev 1 - Checkout is down" in m["text"]
                             for m in slack.messages_in(slack.incidents_channel_id)), what="the announcement")


def test_unsigned_wrongly_signed_and_stale_requests_are_refused_before_any_work(slack, tmp_path):
    env = bot_env(slack, tmp_path)
    port = int(env["PORT"])
    with bot_process("serve", env, tmp_path / "serve.log"):
        wait_healthy(port)
        caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)
        body = signed.slash_command_body("declare Stale", user_id="UREPORTER", channel_id=slack.general_channel_id,
                                         trigger_id=slack.issue_trigger_id())
        unsigned = caller.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
        wrong = caller.raw(body, signed.sign(body, "not-the-secret"))
        stale = caller.raw(body, signed.sign(body, SECRET, timestamp=int(time.time()) - 600))
        assert (unsigned.status, wrong.status, stale.status) == (401, 401, 401)
        assert slack.views_opened == []
        assert slack.calls_to("views.open") == []

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 0
    engine.dispose()


def _healthz(deps):
    from bot.app import create_app
    from bot.server import wsgi_app

    statuses = []
    body = wsgi_app(create_app(deps), deps)(
        {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda status, headers: statuses.append(status))
    return statuses[0], b"".join(body)


def test_healthz_answers_200_when_the_database_is_reachable(deps):
    assert _healthz(deps) == ("200 OK", b"ok\n")


def test_healthz_answers_503_when_the_database_is_unreachable(deps):
    from storage.db import make_engine, make_sessions

    # Nothing listens on port 1: the database is down.
    deps.sessions = make_sessions(make_engine("postgresql+psycopg://bot:bot@127.0.0.1:1/bot?connect_timeout=2"))
    assert _healthz(deps) == ("503 Service Unavailable", b"database unreachable\n")


def test_serve_finishes_a_declaration_a_dead_process_left_at_start(slack, tmp_path):
    from datetime import datetime, timedelta, timezone

    from bot.core.declaration import Declaration
    from bot.effects import declaration
    from storage import incidents
    from storage.db import make_engine, make_sessions
    from storage.migrate import upgrade

    env = bot_env(slack, tmp_path)
    upgrade(env["DATABASE_URL"])
    engine = make_engine(env["DATABASE_URL"])
    now = datetime.now(timezone.utc)
    with make_sessions(engine).begin() as s:
        # What a declaration commits before any Slack call (the incident and its first
        # effect); the process died right after.
        incident = incidents.create(
            s, declaration=Declaration("Orphaned declaration", "", 1, "Unknown", ("Unknown",), False),
            prefix="HOT", reporter_id="UREPORTER", origin_channel_id=None, now=now,
            initial_comms_due=now + timedelta(minutes=30))
        declaration.plan(s, incident_id=incident.id, reporter_id="UREPORTER", now=now)
    engine.dispose()

    with bot_process("serve", env, tmp_path / "serve.log"):
        wait_healthy(int(env["PORT"]))
        channel = wait_for(lambda: slack.channel_by_name("hot-1"), what="#hot-1")
        wait_for(lambda: channel.pins and channel.topic and any(
            "HOT-1" in m["text"] for m in slack.messages_in(slack.incidents_channel_id)), what="the resumed set-up")
    assert channel.topic == "HOT-1 | Sev 1 | Pending | IM: unassigned | Orphaned declaration"
    assert len(slack.calls_to("conversations.create")) == 1
