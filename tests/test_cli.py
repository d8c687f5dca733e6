"""The `incident-bot` command line, as a newcomer meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes import bot_env


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def test_run_without_tokens_explains_itself(slack, tmp_path):
    env = bot_env(slack, tmp_path)
    del env["SLACK_BOT_TOKEN"]
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "missing SLACK_BOT_TOKEN, SLACK_APP_TOKEN" in result.stderr
    assert "manifest.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_a_wrong_kind_of_token_says_which(slack, tmp_path):
    env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xoxb-not-an-app-token")
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN must be an app-level token" in result.stderr


def test_bad_setting_is_a_clear_start_up_error(slack, tmp_path):
    env = bot_env(slack, tmp_path, UPDATE_INTERVAL="often")
    result = _cli("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "UPDATE_INTERVAL" in result.stderr and "30m" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_the_configuration_and_calls_auth_test(slack, tmp_path):
    env = bot_env(slack, tmp_path)
    result = _cli("check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "auth.test: ok, bot user UBOT" in result.stdout
    assert "SLACK_BOT_TOKEN = xoxb-" in result.stdout and "xoxb-test" not in result.stdout
    assert slack.calls_to("auth.test")


def test_check_says_what_is_wrong_with_a_refused_token(slack, tmp_path):
    slack.fail_next("auth.test", "invalid_auth")
    result = _cli("check", env=bot_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "auth.test failed: Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.stderr


def test_db_upgrade_creates_the_schema(slack, tmp_path):
    env = bot_env(slack, tmp_path)
    result = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout
    assert (tmp_path / "bot.db").exists()


def test_check_says_the_incidents_channel_is_fine_or_what_to_change(slack, tmp_path):
    result = _cli("check", env=bot_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"incidents channel: #incidents ({slack.incidents_channel_id}): the bot may post there" in result.stdout

    read_only = slack.create_channel("announcements", members=["UBOT"], posting="read_only")
    result = _cli("check", env=bot_env(slack, tmp_path, INCIDENTS_CHANNEL="#announcements"), cwd=tmp_path)
    assert result.returncode == 1
    assert ("INCIDENTS_CHANNEL #announcements is read-only for the bot: a workspace admin must let the bot post "
            "there") in result.stderr and "or set INCIDENTS_CHANNEL to another channel" in result.stderr
    assert slack.calls_to("conversations.info")[-1]["channel"] == read_only

    slack.channels[slack.incidents_channel_id].is_archived = True
    result = _cli("check", env=bot_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and "INCIDENTS_CHANNEL #incidents is archived" in result.stderr
    result = _cli("check", env=bot_env(slack, tmp_path, INCIDENTS_CHANNEL="#nowhere"), cwd=tmp_path)
    assert result.returncode == 1 and "INCIDENTS_CHANNEL #nowhere: the bot sees no such channel" in result.stderr
    assert slack.violations == []
