"""Start-up that explains itself: a wrong database, Slack or token gives one or two lines
naming the variable and what to do, a non-zero exit, and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import bot_env, free_port


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def _explained(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert 1 <= len(lines) <= 2, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["run", "serve"])
@pytest.mark.parametrize("url, needles", [
    ("not a url", ("DATABASE_URL is not a database URL", "sqlite:///")),
    ("mysql://bot:secret@db.example.com/incidents", ("DATABASE_URL names a database this bot cannot use",)),
    ("postgresql+psycopg://bot:secret@127.0.0.1:{port}/incidents",
     ("cannot open the database at DATABASE_URL", "server is running", "***")),
    ("sqlite:////nonexistent-folder/bot.db", ("cannot open the database at DATABASE_URL", "folder exists")),
])
def test_a_wrong_database_url_is_explained(slack, tmp_path, command, url, needles):
    env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test", DATABASE_URL=url.format(port=free_port()))
    result = _cli(command, env=env, cwd=tmp_path)
    _explained(result, *needles)
    assert "secret" not in result.stderr  # the password is never printed
    assert slack.calls_to("auth.test") == []  # nothing else was tried


@pytest.mark.parametrize("command", ["run", "serve"])
def test_an_unreachable_slack_is_explained(slack, tmp_path, command):
    env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test",
                  SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/")
    _explained(_cli(command, env=env, cwd=tmp_path), "cannot reach Slack at SLACK_API_URL", "network")


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_rejected_bot_token_is_explained_and_nothing_serves(slack, tmp_path, command):
    slack.fail_next("auth.test", "invalid_auth")
    env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test")
    _explained(_cli(command, env=env, cwd=tmp_path), "Slack rejected SLACK_BOT_TOKEN (invalid_auth)",
               "OAuth & Permissions")
    assert len(slack.calls_to("auth.test")) == 1


def test_a_rejected_app_token_is_explained(slack, tmp_path):
    slack.fail_next("apps.connections.open", "invalid_auth")
    env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test")
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Slack rejected SLACK_APP_TOKEN (invalid_auth)" in result.stderr
    assert "connections:write" in result.stderr


def test_check_also_checks_the_database(slack, tmp_path):
    ok = _cli("check", env=bot_env(slack, tmp_path), cwd=tmp_path)
    assert ok.returncode == 0 and "database: ok" in ok.stdout

    url = f"postgresql+psycopg://bot:secret@127.0.0.1:{free_port()}/incidents"
    broken = _cli("check", env=bot_env(slack, tmp_path, DATABASE_URL=url), cwd=tmp_path)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "cannot open the database at DATABASE_URL" in broken.stderr and "secret" not in broken.stderr


@pytest.mark.parametrize("name, value, needle", [
    ("NAG_SEVERITIES", "7", "NAG_SEVERITIES: severities are 1, 2 or 3"),
    ("NAG_SEVERITIES", "1,high", "NAG_SEVERITIES: write severities as numbers"),
    ("REMINDER_LEAD", "0s", "REMINDER_LEAD: must be longer than 0s"),
    ("HANDOVER_NUDGE_AFTER", "0", "HANDOVER_NUDGE_AFTER: must be longer than 0s"),
    ("PORT", "70000", "PORT: must be a TCP port"),
    ("PRIORITY_ACTION_WEEKS", "0", "PRIORITY_ACTION_WEEKS: must be 1 or more"),
])
def test_settings_outside_their_domain_stop_the_start(slack, tmp_path, name, value, needle):
    result = _cli("serve", env=bot_env(slack, tmp_path, **{name: value}), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert needle in result.stderr
