"""The App Home tab, published each time someone opens it (app_home_opened)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.flows import visibility
from bot.views.home import home_view

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        # The event also fires for the Messages tab; only the Home tab is ours to draw.
        if event.get("tab", "home") != "home":
            return
        publish_home(deps, event["user"])


def publish_home(deps: Deps, viewer: str) -> None:
    """One views.publish of what the viewer may see (bot/flows/visibility.py: private incidents
    appear only to members of their channel, in every section; no Slack call to know it)."""
    shown = visibility.home(deps, viewer)
    view = home_view(viewer=viewer, incidents=shown.incidents, incidents_total=shown.incidents_total,
                     with_roles=shown.with_roles, postmortems=shown.postmortems, actions=shown.actions, now=shown.now)
    deps.slack.publish_home(viewer, view)
