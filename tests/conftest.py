"""Fixtures: every storage-touching test runs on SQLite and on PostgreSQL.

PostgreSQL tests read INCIDENT_BOT_TEST_POSTGRES_URL (`.ci/run` always sets it) and are
skipped, with the reason in the summary, when it is unset. Each test gets its own
PostgreSQL schema, so tests never see each other's rows.

The suite ignores the caller's configuration: before any test runs, every variable the bot
reads as a setting is removed from this process's environment, and `.env` is not read (a
test that wants either sets it itself). Child processes get an explicit environment
(`tests/processes.py`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.settings import Settings
from tests.support import Bot, Clock, make_deps

POSTGRES_ENV = "INCIDENT_BOT_TEST_POSTGRES_URL"


def _ignore_the_callers_configuration() -> None:
    # pydantic-settings matches variable names case-insensitively, so compare upper-cased.
    settings_names = {name.upper() for name in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in settings_names:
            del os.environ[name]
    Settings.model_config["env_file"] = None


_ignore_the_callers_configuration()


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'incident-bot.db'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip(f"PostgreSQL test skipped: set {POSTGRES_ENV} (bash .ci/run does)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slack(fake_slack: Any) -> Any:
    """The fake Slack with a workspace: people, #general and #incidents."""
    fake_slack.add_user("UREPORTER", "reporter", tz="Europe/Berlin")
    fake_slack.add_user("UALICE", "alice", tz="America/New_York")
    fake_slack.add_user("UBOB", "bob", tz="Asia/Tokyo")
    fake_slack.add_user("UCAROL", "carol", tz="UTC")
    fake_slack.add_user("UOTHERBOT", "otherbot", is_bot=True)
    members = ["UBOT", "UREPORTER", "UALICE", "UBOB", "UCAROL"]
    fake_slack.general_channel_id = fake_slack.create_channel("general", members=members)
    fake_slack.incidents_channel_id = fake_slack.create_channel("incidents", members=members)
    return fake_slack


@pytest.fixture
def deps(slack: Any, database_url: str, clock: Clock) -> Any:
    return make_deps(slack, database_url, clock)


@pytest.fixture
def bot(deps: Any, slack: Any) -> Iterator[Bot]:
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()
