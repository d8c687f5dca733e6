from datetime import timedelta

import pytest

from bot.settings import ConfigError, load_settings, load_team_config


def test_environment_names_and_durations(monkeypatch):
    monkeypatch.setenv("INITIAL_COMMS_DEADLINE", "12s")
    monkeypatch.setenv("UPDATE_INTERVAL", "3h")
    monkeypatch.setenv("REMINDER_LEAD", "6")
    monkeypatch.setenv("INCIDENT_KEY_PREFIX", "inc")
    monkeypatch.setenv("NAG_SEVERITIES", "1,2,3")
    settings = load_settings(_env_file=None)
    assert settings.initial_comms_deadline == timedelta(seconds=12)
    assert settings.update_interval == timedelta(hours=3)
    assert settings.reminder_lead == timedelta(seconds=6)
    assert settings.incident_key_prefix == "INC" and settings.channel_prefix == "inc"
    assert settings.nag_severities == {1, 2, 3}
    assert settings.database_url == "sqlite:///incident-bot.db"
    assert settings.slack_api_url == "https://slack.com/api/"


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("SCHEDULER_TICK", "soon")
    with pytest.raises(ConfigError, match="SCHEDULER_TICK: .*write it like 90s, 30m, 3h"):
        load_settings(_env_file=None)


def test_team_config_from_toml(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('products = ["Checkout"]\n[[services]]\nname = "payments"\non_call = ["UALICE"]\n'
                    '[roles]\nproblem-manager = "Owns the problem record."\n', encoding="utf-8")
    team = load_team_config(str(path))
    assert team.products == ("Checkout",)
    assert team.services[0].name == "payments" and team.services[0].on_call == ("UALICE",)
    assert team.extra_roles == {"problem-manager": "Owns the problem record."}


def test_the_suite_ignores_the_callers_env_file_and_variables(tmp_path, monkeypatch):
    # conftest removed the caller's settings and switched `.env` off before any test ran.
    (tmp_path / ".env").write_text("INCIDENT_KEY_PREFIX=SEV\nDATABASE_URL=sqlite:///elsewhere.db\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.incident_key_prefix == "HOT"
    assert settings.database_url == "sqlite:///incident-bot.db"


def test_the_bot_itself_reads_its_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("INCIDENT_KEY_PREFIX=SEV\nUPDATE_INTERVAL=2h\n")
    settings = load_settings(_env_file=env_file)
    assert settings.incident_key_prefix == "SEV"
    assert settings.update_interval == timedelta(hours=2)


def test_child_processes_get_none_of_the_callers_settings(monkeypatch):
    from tests.processes import ROOT, clean_env

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://hostile@nowhere/db")
    monkeypatch.setenv("slack_bot_token", "xoxb-hostile")
    env = clean_env(INCIDENT_KEY_PREFIX="INC")
    assert "DATABASE_URL" not in env and "slack_bot_token" not in env
    assert env["INCIDENT_KEY_PREFIX"] == "INC" and env["PYTHONPATH"] == str(ROOT)


def test_services_name_their_statuspage_components(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('[[services]]\nname = "payments"\nstatuspage_components = ["k4x0pay0api1", "k4x0checkout"]\n'
                    '[[services]]\nname = "search"\n', encoding="utf-8")
    team = load_team_config(str(path))
    assert team.services[0].statuspage_components == ("k4x0pay0api1", "k4x0checkout")
    assert team.services[1].statuspage_components == ()


def test_statuspage_and_email_are_off_until_set():
    settings = load_settings(_env_file=None)
    assert settings.statuspage_api_url == "https://api.statuspage.io/v1"
    assert not settings.statuspage_enabled and not settings.email_enabled
    assert load_settings(_env_file=None, statuspage_api_key="k", statuspage_page_id="p").statuspage_enabled
    assert not load_settings(_env_file=None, smtp_url="smtp://relay:25").email_enabled
