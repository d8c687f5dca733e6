"""The fake workspace: state, helpers for tests, and the shared internals of the handlers.

Method handlers live in the ``methods_*`` mixins: each ``api_<method with dots as
underscores>(args)`` returns the answer's extra fields (``ok: true`` is added by the
server) or raises ``SlackError``. Handlers run under ``Workspace.lock``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

from . import validation as v
from .state import (
    APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_ID,
    Channel, Ids, TsClock, as_bool, make_user, ts_float,
)
from .methods_chat import ChatMethods
from .methods_conversations import ConversationMethods
from .methods_views import ViewAndFileMethods
from .validation import SlackError, violation

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


def normalize_args(args: dict) -> dict:
    """Turn JSON-in-form strings into objects and lists into comma lists."""
    out = dict(args)
    for key in JSON_FIELDS:
        val = out.get(key)
        if isinstance(val, str) and val.strip()[:1] in ("[", "{"):
            try:
                out[key] = json.loads(val)
            except ValueError:
                raise violation("invalid_arguments" if key != "blocks" else "invalid_blocks_format",
                                f"{key} is not valid JSON")
    for key in ("users", "channels"):
        if isinstance(out.get(key), (list, tuple)):
            out[key] = ",".join(out[key])
    return out


class Workspace(ChatMethods, ConversationMethods, ViewAndFileMethods):
    def __init__(self, clock=time.monotonic):
        self.lock = threading.RLock()
        self.clock = clock
        self._ts = TsClock()
        self._ids = Ids()
        self.users: dict[str, dict] = {}
        self.channels: dict[str, Channel] = {}
        self._dm_by_user: dict[str, str] = {}
        self.ephemerals: list[dict] = []
        self.scheduled: list[dict] = []
        self.views: dict[str, dict] = {}
        self._view_stacks: list[list[str]] = []
        self.views_opened: list[dict] = []
        self.views_pushed: list[dict] = []
        self.home_views: dict[str, dict] = {}
        self._triggers: dict[str, dict] = {}
        self.files: list[dict] = []
        self._pending_files: dict[str, dict] = {}
        self.socket_mode_url: str | None = None
        self.base_http_url = ""  # set by the server: "http://127.0.0.1:<port>"
        self.scopes: frozenset[str] = frozenset()  # the bot token's scopes (FakeSlack: manifest.yml's)
        self.add_user(BOT_USER_ID, BOT_NAME, is_bot=True, real_name="Incident Bot")

    # ------------------------------------------------------------------ helpers for tests
    def add_user(self, user_id: str, name: str, *, tz: str = "Europe/Berlin", tz_offset: int = 3600,
                 is_bot: bool = False, deleted: bool = False, real_name: str | None = None,
                 is_restricted: bool = False, is_ultra_restricted: bool = False, team_id: str = TEAM_ID,
                 enterprise_teams: tuple = ()) -> dict:
        """`is_restricted`: a multi-channel guest; `is_ultra_restricted`: a single-channel guest;
        another `team_id`: a Slack Connect user of another organisation; `enterprise_teams`: an
        Enterprise Grid user, member of those workspaces of the org."""
        with self.lock:
            user = make_user(user_id, name, tz=tz, tz_offset=tz_offset, is_bot=is_bot,
                             deleted=deleted, real_name=real_name, is_restricted=is_restricted,
                             is_ultra_restricted=is_ultra_restricted, team_id=team_id,
                             enterprise_teams=enterprise_teams)
            if is_bot and user_id == BOT_USER_ID:
                user["profile"]["bot_id"] = BOT_ID
            self.users[user_id] = user
            return user

    def create_channel(self, name: str, *, is_private: bool = False, members=(), topic: str = "",
                       purpose: str = "", is_archived: bool = False, posting: str | None = None) -> str:
        with self.lock:
            cid = self._ids.new("G" if is_private else "C")
            self.channels[cid] = Channel(id=cid, name=name, is_private=is_private, members=set(members),
                                         topic=topic, purpose=purpose, is_archived=is_archived, posting=posting,
                                         creator=next(iter(members), BOT_USER_ID) if members else BOT_USER_ID)
            return cid

    def channel_by_name(self, name: str) -> Channel | None:
        with self.lock:
            name = name.lstrip("#")
            for ch in self.channels.values():
                if not ch.is_im and ch.name == name:
                    return ch
            return None

    def issue_trigger_id(self, *, user_id: str | None = None, view_id: str | None = None) -> str:
        with self.lock:
            tid = f"{int(time.time())}.{self._ids.new('', 6)}.{uuid.uuid4().hex[:24]}"
            self._triggers[tid] = {"issued": self.clock(), "used": False, "user_id": user_id, "view_id": view_id}
            return tid

    def post_user_message(self, channel_id: str, user_id: str, text: str, thread_ts: str | None = None,
                          blocks: list | None = None) -> dict:
        """Simulate a person writing (not a Web API call)."""
        with self.lock:
            ch = self._channel_for_post(channel_id)
            return self._add_message(ch, user=user_id, text=text, blocks=blocks, thread_ts=thread_ts)

    def messages_in(self, channel_id: str) -> list[dict]:
        with self.lock:
            ch = self.channels.get(channel_id)
            return [dict(m) for m in ch.messages] if ch else []

    def dm_messages(self, user_id: str) -> list[dict]:
        with self.lock:
            cid = self._dm_by_user.get(user_id)
            return self.messages_in(cid) if cid else []

    def dm_channel_id(self, user_id: str) -> str:
        with self.lock:
            return self._open_dm(user_id)

    # ------------------------------------------------------------------ internals
    def _user(self, user_id) -> dict:
        user = self.users.get(str(user_id or ""))
        if user is None:
            raise SlackError("user_not_found", detail=f"user {user_id!r}")
        return user

    def _channel(self, channel_id, *, need_member: bool = False) -> Channel:
        cid = str(channel_id or "")
        ch = self.channels.get(cid)
        if ch is None and cid[:1] in ("U", "W") and cid in self.users:
            ch = self.channels[self._open_dm(cid)]
        if ch is None and cid.startswith("#"):
            ch = self.channel_by_name(cid)
        if ch is None:
            raise SlackError("channel_not_found", detail=f"channel {cid!r}")
        if ch.is_private and not ch.is_im and BOT_USER_ID not in ch.members:
            raise SlackError("channel_not_found", detail=f"bot is not in private channel {cid}")
        if need_member and not ch.is_im and BOT_USER_ID not in ch.members:
            raise SlackError("not_in_channel", detail=f"bot is not a member of {cid}")
        return ch

    def _channel_for_post(self, channel_id) -> Channel:
        cid = str(channel_id or "")
        if cid in self.channels:
            return self.channels[cid]
        if cid in self.users:
            return self.channels[self._open_dm(cid)]
        return self._channel(cid)

    def _open_dm(self, user_id: str) -> str:
        cid = self._dm_by_user.get(user_id)
        if cid is None:
            self._user(user_id)
            cid = self._ids.new("D")
            self.channels[cid] = Channel(id=cid, name=cid, is_private=True, is_im=True, user=user_id,
                                         members={user_id, BOT_USER_ID})
            self._dm_by_user[user_id] = cid
        return cid

    def _find_message(self, ch: Channel, ts) -> dict:
        for m in ch.messages:
            if m["ts"] == str(ts):
                return m
        raise SlackError("message_not_found", detail=f"no message {ts} in {ch.id}")

    def _add_message(self, ch: Channel, *, user: str, text, blocks, thread_ts=None, **extra) -> dict:
        ts = self._ts.next()
        msg = {"type": "message", "ts": ts, "user": user, "text": text or "", "blocks": blocks,
               "thread_ts": None, "channel": ch.id, "team": TEAM_ID}
        if user == BOT_USER_ID:
            msg["bot_id"] = BOT_ID
            msg["app_id"] = APP_ID
        if thread_ts:
            parent = self._find_message(ch, thread_ts)
            if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                parent = self._find_message(ch, parent["thread_ts"])
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = ts
            users = parent.setdefault("reply_users", [])
            if user not in users:
                users.append(user)
            msg["thread_ts"] = parent["ts"]
            msg["parent_user_id"] = parent.get("user")
        msg.update({k: val for k, val in extra.items() if val is not None})
        ch.messages.append(msg)
        return msg

    @staticmethod
    def _api_message(m: dict, *, metadata: bool = True) -> dict:
        out = {k: val for k, val in m.items() if val is not None and k != "channel" and (metadata or k != "metadata")}
        if not out.get("blocks"):
            out.pop("blocks", None)
        return out

    def _check_content(self, args: dict, *, need_content: bool = True) -> None:
        v.check_text(args.get("text"))
        v.check_blocks(args.get("blocks"))
        if need_content and not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise violation("no_text", "neither text, blocks nor attachments given")

    def _writable(self, ch: Channel) -> None:
        if ch.is_archived:
            raise SlackError("is_archived", detail=f"channel {ch.id} is archived")

    @staticmethod
    def _window(messages: list[dict], args: dict) -> list[dict]:
        oldest = ts_float(args.get("oldest") or 0)
        latest = ts_float(args["latest"]) if args.get("latest") else float("inf")
        inclusive = as_bool(args.get("inclusive"))
        out = []
        for m in messages:
            t = ts_float(m["ts"])
            if inclusive:
                if oldest <= t <= latest:
                    out.append(m)
            elif oldest < t < latest:
                out.append(m)
        return out

    @staticmethod
    def _page(items: list, args: dict, default_limit: int = 100, maximum: int = 1000) -> tuple[list, dict]:
        try:
            limit = int(args.get("limit") or default_limit) or default_limit
        except ValueError:
            raise violation("invalid_limit", f"limit={args.get('limit')!r}")
        limit = min(max(limit, 1), maximum)
        cursor = str(args.get("cursor") or "")
        if cursor and not cursor.isdigit():
            raise violation("invalid_cursor", f"cursor={cursor!r} was never handed out")
        start = int(cursor or 0)
        page = items[start:start + limit]
        more = start + limit < len(items)
        return page, {"has_more": more, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
