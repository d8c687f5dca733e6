"""`incident-bot check` validates paging and alerts: a real process against the fakes."""

from __future__ import annotations

from tests.fakepagerduty.fixtures import fake_pagerduty  # noqa: F401 - a fixture
from tests.processes import bot_env
from tests.test_cli import _cli

TOML = """
[[services]]
name = "payments-api"
pagerduty_routing_key = "0123456789abcdef0123456789abcdef"
pagerduty_escalation_policy = "PPAYESC"

[[services]]
name = "search"
pagerduty_routing_key = "too-short"
"""


def _env(slack, tmp_path, pd, **extra):
    config = tmp_path / "team.toml"
    config.write_text(TOML, encoding="utf-8")
    return bot_env(slack, tmp_path, INCIDENT_BOT_CONFIG=str(config), PAGERDUTY_API_URL=pd.url,
                   PAGERDUTY_EVENTS_URL=pd.events_url, **extra)


def test_check_proves_the_token_lists_who_is_on_call_and_names_a_bad_routing_key(slack, tmp_path, fake_pagerduty):
    fake_pagerduty.add_token("pd-token")
    fake_pagerduty.put_on_call("PPAYESC", user_id="PERIN01", name="Erin Example", email="erin@example.com")
    env = _env(slack, tmp_path, fake_pagerduty, PAGERDUTY_API_TOKEN="pd-token", ALERTMANAGER_WEBHOOK_TOKEN="am",
               PAGERDUTY_WEBHOOK_SECRET="s1,s2")
    result = _cli("check", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "PagerDuty REST API: ok" in result.stdout
    assert "service payments-api: on call now Erin Example <erin@example.com> (level 1)" in result.stdout
    assert "service search: pagerduty_routing_key has 9 characters" in result.stderr
    assert "POST /webhooks/pagerduty is served" in result.stdout and "/webhooks/alertmanager" in result.stdout
    assert "pd-token" not in result.stdout and "s1,s2" not in result.stdout
    assert ("GET", "/abilities") in fake_pagerduty.state.requests


def test_check_says_a_refused_token_and_where_to_get_one(slack, tmp_path, fake_pagerduty):
    result = _cli("check", env=_env(slack, tmp_path, fake_pagerduty, PAGERDUTY_API_TOKEN="wrong"), cwd=tmp_path)
    assert result.returncode == 1
    assert "PAGERDUTY_API_TOKEN was refused" in result.stderr and "API Access Keys" in result.stderr
