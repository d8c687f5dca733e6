"""INTEGRATIONS.md's environment and TOML names."""

from __future__ import annotations

from bot.settings import load_settings, load_team_config


def test_integration_settings_default_off(monkeypatch):
    settings = load_settings(_env_file=None)
    assert settings.pagerduty_events_url == "https://events.pagerduty.com/v2/enqueue"
    assert settings.pagerduty_api_url == "https://api.pagerduty.com"
    assert settings.page_severities == {1, 2}
    assert not settings.webhooks_enabled


def test_integration_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "tok")
    monkeypatch.setenv("PAGERDUTY_WEBHOOK_SECRET", "old, new")
    monkeypatch.setenv("PAGE_SEVERITIES", "1")
    monkeypatch.setenv("ALERTMANAGER_WEBHOOK_TOKEN", "am")
    settings = load_settings(_env_file=None)
    assert settings.pagerduty_api_token == "tok" and settings.pagerduty_webhook_secrets == ("old", "new")
    assert settings.page_severities == {1} and settings.alertmanager_webhook_token == "am"
    assert settings.webhooks_enabled


def test_services_carry_their_pagerduty_keys(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('[[services]]\nname = "payments-api"\npagerduty_routing_key = "0123456789abcdef0123456789abcdef"\n'
                    'pagerduty_escalation_policy = "PPAYESC"\n[[services]]\nname = "search"\n', encoding="utf-8")
    team = load_team_config(str(path))
    payments = team.service("payments-api")
    assert payments.pagerduty_routing_key == "0123456789abcdef0123456789abcdef"
    assert payments.pagerduty_escalation_policy == "PPAYESC"
    assert team.service("search").pagerduty_routing_key == "" and team.service("nope") is None
