"""The database under stress: two processes on one SQLite file, PostgreSQL connections dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from sqlalchemy import create_engine, text

from storage.migrate import upgrade
from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, clean_env, wait_for, wait_healthy
from tests.support import SECRET, declare_values

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from bot.core.declaration import Declaration
    from storage import incidents
    from storage.db import make_engine, make_sessions
    sessions = make_sessions(make_engine(sys.argv[1]))
    now = datetime.now(timezone.utc)
    for n in range(int(sys.argv[2])):
        with sessions.begin() as s:
            incidents.create(s, declaration=Declaration(f"{sys.argv[3]} {n}", "", 3, "Unknown", ("Unknown",), False),
                             prefix="HOT", reporter_id="U1", origin_channel_id=None, now=now,
                             initial_comms_due=now + timedelta(minutes=30))
""")


def test_two_processes_sharing_one_sqlite_file_lose_no_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    per_process = 60
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(per_process), name],
                                env=clean_env(), cwd=tmp_path)
               for name in ("first", "second")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]

    engine = create_engine(url)
    with engine.connect() as conn:
        numbers = sorted(conn.execute(text("SELECT number FROM incidents")).scalars())
        journal = conn.execute(text("PRAGMA journal_mode")).scalar_one()
    engine.dispose()
    assert numbers == list(range(1, 2 * per_process + 1))
    assert journal == "wal"


@pytest.mark.postgres
def test_postgres_connections_dropped_under_a_running_serve_cost_one_reconnect(slack, tmp_path):
    base = os.environ.get("INCIDENT_BOT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL test skipped: set INCIDENT_BOT_TEST_POSTGRES_URL (bash .ci/run does)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    app_name = f"incident-bot-{schema}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}&application_name={app_name}"
    env = bot_env(slack, tmp_path, DATABASE_URL=url, SCHEDULER_TICK="1s", INITIAL_COMMS_DEADLINE="6s",
                  REMINDER_LEAD="3s")
    port = int(env["PORT"])
    try:
        with bot_process("serve", env, tmp_path / "serve.log"):
            wait_healthy(port)
            caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)
            assert caller.command("declare before", user_id="UREPORTER", channel_id=slack.general_channel_id).status == 200

            # What a PostgreSQL restart does to a client: every server connection is dropped.
            with admin.begin() as conn:
                dropped = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                            "WHERE application_name = :name"), {"name": app_name}).scalar_one()
            assert dropped >= 1

            wait_healthy(port, timeout=5)
            reply = caller.command("declare after", user_id="UREPORTER", channel_id=slack.general_channel_id)
            assert reply.status == 200
            views = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == "incident_declare"][1:],
                             what="the second modal")
            submitted = caller.submit_view(views[0], declare_values("after", severity=1), user_id="UREPORTER")
            assert submitted.status == 200
            wait_for(lambda: slack.channel_by_name("hot-1"), what="#hot-1")
            # The scheduler kept ticking: the reporter (no IM yet) is nagged 3 s before the 6 s deadline.
            wait_for(lambda: [m for m in slack.dm_messages("UREPORTER")
                              if "HOT-1" in m["text"] and "You declared" not in m["text"]], timeout=15,
                     what="the initial-comms nag")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
