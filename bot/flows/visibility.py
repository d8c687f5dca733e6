"""Who may see which incident: a private incident shows nothing outside its channel.

Its members are read from the stored membership (channel_members, kept by Slack's member
events and the bot's own invitations), never from Slack, so a list answered in the ack never
waits; a channel whose membership is unknown stays hidden (fail closed). `/incident list` and
the Home tab filter in SQL (storage.stats.may_see); the message shortcut's incident choices and
the Home tab's actions filter here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.core.actions import ActionItem
from bot.core.incident import IncidentSnapshot
from bot.core.postmortem import PostmortemRecord
from bot.deps import Deps
from bot.views.home import LIMITS
from storage import actions, incidents, members, stats


class Visibility:
    """One viewer's view of private incidents, looked up once per channel."""

    def __init__(self, deps: Deps, viewer: str) -> None:
        self.deps = deps
        self.viewer = viewer
        self._members: dict[str, bool] = {}

    def prime(self, channel_ids: Iterable[str | None]) -> None:
        """Looks up many channels in one query."""
        wanted = [c for c in channel_ids if c and c not in self._members]
        if not wanted:
            return
        with self.deps.sessions() as s:
            mine = members.channels_of(s, user_id=self.viewer, channel_ids=wanted)
        self._members.update({c: c in mine for c in wanted})

    def may_see(self, private: bool, channel_id: str | None) -> bool:
        if not private:
            return True
        if not channel_id:
            return False
        self.prime([channel_id])
        return self._members[channel_id]


@dataclass(frozen=True)
class OpenIncident:
    """An open incident as a picker offers it."""

    incident_id: int
    key: str
    summary: str
    private: bool


def open_incidents(deps: Deps, viewer: str) -> list[OpenIncident]:
    """The open incidents `viewer` may see (a private one: its channel's members)."""
    with deps.sessions() as s:
        found = [(OpenIncident(i.id, i.key, i.summary, i.private), i.channel_id) for i in incidents.open_ones(s)]
    visibility = Visibility(deps, viewer)
    visibility.prime(channel_id for incident, channel_id in found if incident.private)
    return [incident for incident, channel_id in found if visibility.may_see(incident.private, channel_id)]


@dataclass(frozen=True)
class Home:
    """What the App Home tab shows `viewer`: only what they may see, in every section."""

    incidents: list[IncidentSnapshot]
    incidents_total: int
    with_roles: list[IncidentSnapshot]
    postmortems: list[PostmortemRecord]
    actions: list[ActionItem]
    now: datetime


def home(deps: Deps, viewer: str) -> Home:
    """A fixed number of queries, whatever the history: each section reads only what it shows
    (and a count for "and N more")."""
    now = deps.now()
    with deps.sessions() as s:
        open_ones, total = stats.open_incidents(s, viewer, limit=LIMITS["incidents"])
        roles = stats.open_incidents_with_role(s, viewer, limit=LIMITS["roles"] + 1)
        postmortems = stats.postmortems_owned_by(s, viewer)
        owned_actions = actions.open_owned_by(s, viewer)
        private = [a.channel_id for a in owned_actions if a.private]
        visible = members.channels_of(s, user_id=viewer, channel_ids=private) if private else set()
    return Home(incidents=open_ones, incidents_total=total, with_roles=roles, postmortems=postmortems,
                actions=[a for a in owned_actions if not a.private or a.channel_id in visible], now=now)
