"""`incident-bot export <key>` prints the postmortem as Markdown, from the database alone."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.core import handbook
from bot.views.ids import Callback
from tests.commands.test_resolve import MONDAY_NOON, make_im, resolve_values


@pytest.fixture
def env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-unused")
    monkeypatch.chdir("/")  # no stray .env file


def test_export_prints_every_field_and_the_timeline(bot, deps, env, capsys):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=1)
    make_im(deps, channel.id, "UALICE")
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")

    assert main(["export", "hot-1"]) == 0

    markdown = capsys.readouterr().out
    assert markdown.startswith("# Postmortem: HOT-1 - Sev 1 - Checkout fails for EU customers\n")
    for spec in handbook.POSTMORTEM_FIELDS:
        assert f"## {spec.title}\n" in markdown
    # Blameless: people by the role they played.
    assert "2024-05-06 12:00 UTC: HOT-1 declared by @reporter as Sev 1" in markdown
    assert "2024-05-06 13:00 UTC: HOT-1 resolved by @incident-manager" in markdown
    assert "- Owner: @incident-manager" in markdown
    assert "UALICE" not in markdown and "alice" not in markdown
    assert "Between 2024-05-06 11:50 UTC and 2024-05-06 12:55 UTC (1h 5m)" in markdown


def test_export_names_shows_the_names_slack_has(bot, deps, slack, env, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare("Checkout fails for EU customers", severity=1)
    make_im(deps, channel.id, "UALICE")
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                              ("2024-05-06", "08:55")), user="UALICE")

    assert main(["export", "HOT-1", "--names"]) == 0

    markdown = capsys.readouterr().out
    assert "HOT-1 resolved by @alice" in markdown and "declared by @reporter" in markdown
    assert "@incident-manager" not in markdown


def test_export_of_an_unknown_key_or_an_incident_without_postmortem_fails_clearly(bot, env, capsys):
    bot.declare("Search is slow", severity=3)

    assert main(["export", "HOT-99"]) == 1
    assert "no incident HOT-99" in capsys.readouterr().err
    assert main(["export", "HOT-1"]) == 1
    assert "HOT-1 has no postmortem yet" in capsys.readouterr().err
