"""Builds the running bot from settings: database (migrated), Slack client, the Deps handed to every handler."""

from __future__ import annotations

from bot.deps import Deps
from bot.settings import Settings, load_team_config
from bot.slack_edge import Slack, make_web_client
from storage.db import make_engine, make_sessions
from storage.migrate import upgrade


def build_deps(settings: Settings, *, migrate: bool = True) -> Deps:
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    return Deps(
        settings=settings,
        sessions=make_sessions(engine),
        slack=Slack(client),
        team=load_team_config(settings.incident_bot_config),
    )
