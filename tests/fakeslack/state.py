"""The fake workspace's data: users, channels, messages, views, files."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
BOT_NAME = "incident-bot"
TEAM_ID = "T0001"
TEAM_DOMAIN = "fake-workspace"
APP_ID = "A0001"


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    user: str | None = None  # the other side of a DM
    creator: str = BOT_USER_ID
    created: int = field(default_factory=lambda: int(time.time()))
    topic: str = ""
    purpose: str = ""
    members: set = field(default_factory=set)
    messages: list = field(default_factory=list)
    pins: list = field(default_factory=list)  # list of message ts
    bookmarks: list = field(default_factory=list)
    # Who may post (a workspace admin's setting): None (everyone), "admins" (a preference that
    # keeps apps out: restricted_action), "read_only" (announcement channel), "thread_only"
    # (replies only), "non_threadable" (no thread replies). See api_chat_postMessage.
    posting: str | None = None
    # Enterprise Grid: the workspaces an org-wide channel is shared with (empty: this one only).
    shared_team_ids: tuple = ()

    def to_api(self) -> dict:
        base = {
            "id": self.id,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_org_shared": bool(self.shared_team_ids),
            "is_shared": False,
            "context_team_id": TEAM_ID,
        }
        if self.is_im:
            base.update({"is_im": True, "is_channel": False, "is_group": False, "is_private": True,
                         "user": self.user, "is_open": True})
            return base
        topic = {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0}
        purpose = {"value": self.purpose, "creator": self.creator if self.purpose else "", "last_set": 0}
        base.update({
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_general": False,
            "creator": self.creator,
            "is_member": BOT_USER_ID in self.members,
            "num_members": len(self.members),
            "topic": topic,
            "purpose": purpose,
            "unlinked": 0,
            "previous_names": [],
            # The conversation object's "the caller cannot write here" (conversations.invite's example).
            "is_read_only": self.posting == "read_only",
            "shared_team_ids": list(self.shared_team_ids) or [TEAM_ID],
        })
        return base


class TsClock:
    """Unique, strictly increasing Slack ``ts`` strings based on real time."""

    def __init__(self):
        self._last = 0

    def next(self) -> str:
        micros = int(time.time() * 1_000_000)
        if micros <= self._last:
            micros = self._last + 1
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class Ids:
    def __init__(self):
        self._counters: dict[str, itertools.count] = {}

    def new(self, prefix: str, width: int = 8) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}{next(counter):0{width}d}"


def make_user(user_id: str, name: str, *, tz: str, tz_offset: int, is_bot: bool,
              deleted: bool, real_name: str | None, is_restricted: bool = False, is_ultra_restricted: bool = False,
              team_id: str = TEAM_ID, enterprise_teams: tuple = ()) -> dict:
    real = real_name or name
    user = {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": deleted,
        "real_name": real,
        "tz": tz,
        "tz_label": tz,
        "tz_offset": tz_offset,
        "is_bot": is_bot,
        "is_app_user": False,
        "is_admin": False,
        "is_owner": False,
        # Guests: multi-channel (restricted) and single-channel (ultra restricted).
        "is_restricted": is_restricted or is_ultra_restricted,
        "is_ultra_restricted": is_ultra_restricted,
        "updated": int(time.time()),
        "profile": {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "email": None if is_bot else f"{name}@example.com",
            "status_text": "",
            "status_emoji": "",
            "team": team_id,
        },
    }
    if team_id != TEAM_ID and not enterprise_teams:
        user["is_stranger"] = True  # a Slack Connect user from another organisation
    if enterprise_teams:
        user["enterprise_user"] = {"enterprise_id": "E0001", "enterprise_name": "Fake Org", "is_admin": False,
                                   "is_owner": False, "teams": list(enterprise_teams)}
    return user


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in ("1", "true", "yes")


def ts_float(ts) -> float:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return 0.0


def split_list(value) -> list[str]:
    """``"U1, U2"`` (or a JSON list) -> ``["U1", "U2"]``."""
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return [p.strip() for p in str(value or "").split(",") if p.strip()]
