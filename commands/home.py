"""The App Home tab, published each time someone opens it (app_home_opened)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.services import Services
from bot.views.home import home_view
from commands.list_stats import Visibility
from storage import actions, stats

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        # The event also fires for the Messages tab; only the Home tab is ours to draw.
        if event.get("tab", "home") != "home":
            return
        publish_home(services, event["user"])


def publish_home(services: Services, viewer: str) -> None:
    now = services.now()
    with services.sessions.begin() as s:
        open_incidents = stats.open_incidents(s)
        postmortems = stats.postmortems_owned_by(s, viewer)
        owned_actions = actions.open_owned_by(s, viewer)
    # Private incidents appear only to members of their channel, in every section.
    visibility = Visibility(services, viewer)
    view = home_view(
        viewer=viewer,
        incidents=visibility.incidents(open_incidents),
        postmortems=[p for p in postmortems if visibility.may_see(p.private, p.channel_id)],
        actions=[a for a in owned_actions if visibility.may_see(a.private, a.channel_id)],
        now=now,
    )
    services.slack.publish_home(viewer, view)
