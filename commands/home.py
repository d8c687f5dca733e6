"""The App Home tab, published each time someone opens it (app_home_opened)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.views.home import LIMITS, home_view
from storage import actions, members, stats

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        # The event also fires for the Messages tab; only the Home tab is ours to draw.
        if event.get("tab", "home") != "home":
            return
        publish_home(deps, event["user"])


def publish_home(deps: Deps, viewer: str) -> None:
    """A fixed number of queries and one views.publish, whatever the history: each section
    reads only what it shows (and a count for "and N more"). Private incidents appear only
    to members of their channel, in every section (stored membership, no Slack call)."""
    now = deps.now()
    with deps.sessions() as s:
        open_incidents, total = stats.open_incidents(s, viewer, limit=LIMITS["incidents"])
        roles = stats.open_incidents_with_role(s, viewer, limit=LIMITS["roles"] + 1)
        postmortems = stats.postmortems_owned_by(s, viewer)
        owned_actions = actions.open_owned_by(s, viewer)
        private = [a.channel_id for a in owned_actions if a.private]
        visible = members.channels_of(s, user_id=viewer, channel_ids=private) if private else set()
    view = home_view(
        viewer=viewer,
        incidents=open_incidents,
        incidents_total=total,
        with_roles=roles,
        postmortems=postmortems,
        actions=[a for a in owned_actions if not a.private or a.channel_id in visible],
        now=now,
    )
    deps.slack.publish_home(viewer, view)
