"""`incident-bot check` tries the Statuspage key, page and component ids, and the SMTP URL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import Service, Settings, TeamConfig
from bot.vendors.check import check_email, check_statuspage
from tests.fakesmtp import SmtpServer, client_context
from tests.fakestatuspage import FakeStatuspage
from tests.processes import bot_env

TEAM = TeamConfig(services=(Service("payments-api", statuspage_components=("k4x0pay0api1",)),))


@pytest.fixture
def statuspage():
    with FakeStatuspage(components={"k4x0pay0api1": "Payments API", "k4x0checkout": "Checkout"}) as fake:
        yield fake


def _settings(**kw) -> Settings:
    return Settings(_env_file=None, **kw)


def test_statuspage_ok_names_each_services_components(statuspage):
    settings = _settings(statuspage_api_url=statuspage.url, statuspage_api_key=statuspage.api_key,
                         statuspage_page_id=statuspage.page_id)
    lines, problems = check_statuspage(settings, TEAM)
    assert problems == []
    assert "service payments-api: component k4x0pay0api1 (Payments API)" in "\n".join(lines)


def test_statuspage_problems_say_which_variable(statuspage):
    base = {"statuspage_api_url": statuspage.url, "statuspage_page_id": statuspage.page_id}
    _, wrong_key = check_statuspage(_settings(**base, statuspage_api_key="nope"), TEAM)
    assert "STATUSPAGE_API_KEY was refused" in wrong_key[0] and "API info" in wrong_key[0]
    _, wrong_page = check_statuspage(_settings(**base | {"statuspage_page_id": "pgother00000"},
                                               statuspage_api_key=statuspage.api_key), TEAM)
    assert "STATUSPAGE_PAGE_ID pgother00000 is not a page" in wrong_page[0]
    team = TeamConfig(services=(Service("search", statuspage_components=("gone00000000",)),))
    _, unknown = check_statuspage(_settings(**base, statuspage_api_key=statuspage.api_key), team)
    assert "gone00000000, which is not a component" in unknown[0] and "k4x0checkout (Checkout)" in unknown[0]
    _, half = check_statuspage(_settings(statuspage_api_key="k"), TEAM)
    assert half[0].startswith("STATUSPAGE_PAGE_ID is missing")
    statuspage.violations.clear()


def test_nothing_set_is_nothing_to_check():
    assert check_statuspage(_settings(), TeamConfig()) == ([], [])
    assert check_email(_settings()) == ([], [])


def test_email_logs_in_over_starttls_and_sends_nothing():
    with SmtpServer(starttls=True, login=("bot", "pw")) as server:
        lines, problems = check_email(_settings(smtp_url=server.url, internal_comms_email="staff@example.com"),
                                      ssl_context=client_context())
    assert problems == [] and server.logins == ["bot"] and server.messages == []
    assert "TLS, logged in as bot" in lines[0] and "incident-bot@127.0.0.1 to staff@example.com" in lines[0]


def test_email_problems():
    down = SmtpServer()
    _, problems = check_email(_settings(smtp_url=down.url, internal_comms_email="a@example.com"))
    assert problems[0].startswith("SMTP_URL: could not reach 127.0.0.1")
    _, missing = check_email(_settings(internal_comms_email="a@example.com"))
    assert "SMTP_URL is not" in missing[0]


def test_the_cli_check_runs_both_and_hides_secrets(slack, tmp_path, statuspage):
    config = tmp_path / "team.toml"
    config.write_text('[[services]]\nname = "payments-api"\nstatuspage_components = ["k4x0pay0api1"]\n')
    with SmtpServer(login=("bot", "hunter2")) as smtp:
        env = bot_env(slack, tmp_path, STATUSPAGE_API_URL=statuspage.url, STATUSPAGE_API_KEY=statuspage.api_key,
                      STATUSPAGE_PAGE_ID=statuspage.page_id, INCIDENT_BOT_CONFIG=str(config), SMTP_URL=smtp.url,
                      INTERNAL_COMMS_EMAIL="staff@example.com")
        result = subprocess.run([sys.executable, "-m", "bot.cli", "check"], env=env, capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 0, result.stderr
    assert ("Statuspage: ok, page pg0acc0test1 has 2 components: k4x0pay0api1 (Payments API), k4x0checkout (Checkout)"
            in result.stdout)
    assert "email: ok, 127.0.0.1" in result.stdout
    assert statuspage.api_key not in result.stdout and "hunter2" not in result.stdout


def test_settings_reject_a_bad_smtp_url_and_name_the_variable():
    from bot.settings import ConfigError, load_settings

    with pytest.raises(ConfigError, match="SMTP_URL: .*smtp://user:pass@host:587"):
        load_settings(_env_file=None, smtp_url="http://mail.example.com")
    with pytest.raises(ConfigError, match="INTERNAL_COMMS_EMAIL: .*staff"):
        load_settings(_env_file=None, internal_comms_email="a@example.com, staff")
    settings = load_settings(_env_file=None, smtp_url="smtps://u:p@mail.example.com:465",
                             internal_comms_email=" a@example.com,b@example.com ")
    assert settings.email_sender == "incident-bot@mail.example.com"
    assert settings.internal_comms_recipients == ("a@example.com", "b@example.com") and settings.email_enabled
