"""Slack listeners: each module registers its verbs (`@verb`) and Bolt listeners (`register`)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from commands import declare, incident_command

# Modules whose `register(app, services)` adds Bolt listeners (views, actions, events).
LISTENER_MODULES = [incident_command, declare]


def register(app: App, services: Services) -> None:
    for module in LISTENER_MODULES:
        module.register(app, services)
