"""Method handlers of the fake Web API, working on the workspace state.

Each ``api_<method with dots as underscores>(args)`` returns the answer's extra
fields (``ok: true`` is added by the server) or raises ``SlackError``.
Handlers run under ``Workspace.lock``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

from . import validation as v
from .state import (
    APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID,
    Channel, Ids, TsClock, as_bool, make_user, ts_float,
)
from .validation import SlackError, violation

TRIGGER_TTL_SECONDS = 3.0
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


def _split(value) -> list[str]:
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


class Workspace:
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
        self.add_user(BOT_USER_ID, BOT_NAME, is_bot=True, real_name="Incident Bot")

    # ------------------------------------------------------------------ helpers for tests
    def add_user(self, user_id: str, name: str, *, tz: str = "Europe/Berlin", tz_offset: int = 3600,
                 is_bot: bool = False, deleted: bool = False, real_name: str | None = None) -> dict:
        with self.lock:
            user = make_user(user_id, name, tz=tz, tz_offset=tz_offset, is_bot=is_bot,
                             deleted=deleted, real_name=real_name)
            if is_bot and user_id == BOT_USER_ID:
                user["profile"]["bot_id"] = BOT_ID
            self.users[user_id] = user
            return user

    def create_channel(self, name: str, *, is_private: bool = False, members=(), topic: str = "",
                       purpose: str = "", is_archived: bool = False) -> str:
        with self.lock:
            cid = self._ids.new("G" if is_private else "C")
            self.channels[cid] = Channel(id=cid, name=name, is_private=is_private, members=set(members),
                                         topic=topic, purpose=purpose, is_archived=is_archived,
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
            ch = self._channel_for_post(channel_id, user_id=user_id)
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

    def _channel_for_post(self, channel_id, *, user_id: str = BOT_USER_ID) -> Channel:
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
    def _api_message(m: dict) -> dict:
        out = {k: val for k, val in m.items() if val is not None and k != "channel"}
        if not out.get("blocks"):
            out.pop("blocks", None)
        return out

    def _check_content(self, args: dict, *, need_content: bool = True) -> None:
        v.check_text(args.get("text"))
        v.check_blocks(args.get("blocks"))
        if need_content and not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise violation("no_text", "neither text, blocks nor attachments given")
        if args.get("blocks") and not args.get("text"):
            # Slack accepts it, but a notification then has no fallback text.
            pass

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
    def _page(items: list, args: dict, default_limit: int = 100) -> tuple[list, dict]:
        try:
            limit = int(args.get("limit") or default_limit) or default_limit
        except ValueError:
            raise violation("invalid_limit", f"limit={args.get('limit')!r}")
        start = int(args.get("cursor") or 0) if str(args.get("cursor") or "0").isdigit() else 0
        page = items[start:start + limit]
        more = start + limit < len(items)
        return page, {"has_more": more, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    # ------------------------------------------------------------------ auth / users
    def api_auth_test(self, args):
        return {"url": f"https://{TEAM_DOMAIN}.slack.com/", "team": "Fake Workspace", "user": BOT_NAME,
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def api_users_info(self, args):
        return {"user": dict(self._user(args.get("user")))}

    def api_users_list(self, args):
        page, meta = self._page(list(self.users.values()), args, 200)
        return {"members": [dict(u) for u in page], "cache_ts": int(time.time()), **meta}

    def api_users_lookupByEmail(self, args):
        for u in self.users.values():
            if u["profile"].get("email") == args.get("email"):
                return {"user": dict(u)}
        raise SlackError("users_not_found")

    # ------------------------------------------------------------------ chat
    def api_chat_postMessage(self, args):
        self._check_content(args)
        ch = self._channel_for_post(args.get("channel"))
        if ch.is_private and not ch.is_im and BOT_USER_ID not in ch.members:
            raise SlackError("channel_not_found", detail=f"bot is not in private channel {ch.id}")
        self._writable(ch)
        thread_ts = args.get("thread_ts") or None
        if thread_ts:
            try:
                self._find_message(ch, thread_ts)
            except SlackError:
                raise SlackError("thread_not_found", detail=f"thread_ts {thread_ts} not in {ch.id}")
        msg = self._add_message(ch, user=BOT_USER_ID, text=args.get("text"), blocks=args.get("blocks"),
                                thread_ts=thread_ts, attachments=args.get("attachments"),
                                metadata=args.get("metadata"))
        if thread_ts and as_bool(args.get("reply_broadcast")):
            msg["subtype"] = "thread_broadcast"
        return {"channel": ch.id, "ts": msg["ts"], "message": self._api_message(msg)}

    def api_chat_postEphemeral(self, args):
        self._check_content(args)
        ch = self._channel_for_post(args.get("channel"))
        self._writable(ch)
        user = self._user(args.get("user"))["id"]
        if not ch.is_im and user not in ch.members:
            raise SlackError("user_not_in_channel", detail=f"{user} is not in {ch.id}")
        ts = self._ts.next()
        self.ephemerals.append({"channel": ch.id, "user": user, "text": args.get("text") or "",
                                "blocks": args.get("blocks"), "thread_ts": args.get("thread_ts"), "ts": ts})
        return {"message_ts": ts}

    def api_chat_update(self, args):
        self._check_content(args, need_content=False)
        ch = self._channel(args.get("channel"))
        msg = self._find_message(ch, args.get("ts"))
        if msg.get("user") != BOT_USER_ID:
            raise SlackError("cant_update_message", detail="the bot can edit only its own messages")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                msg[key] = args[key]
        msg["edited"] = {"user": BOT_USER_ID, "ts": self._ts.next()}
        return {"channel": ch.id, "ts": msg["ts"], "text": msg.get("text", ""), "message": self._api_message(msg)}

    def api_chat_delete(self, args):
        ch = self._channel(args.get("channel"))
        msg = self._find_message(ch, args.get("ts"))
        if msg.get("user") != BOT_USER_ID:
            raise SlackError("cant_delete_message", detail="the bot can delete only its own messages")
        ch.messages.remove(msg)
        return {"channel": ch.id, "ts": msg["ts"]}

    def api_chat_getPermalink(self, args):
        ch = self._channel(args.get("channel"))
        msg = self._find_message(ch, args.get("message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{ch.id}/p{msg['ts'].replace('.', '')}"
        if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
            link += f"?thread_ts={msg['thread_ts']}&cid={ch.id}"
        return {"channel": ch.id, "permalink": link}

    def api_chat_scheduleMessage(self, args):
        self._check_content(args)
        ch = self._channel_for_post(args.get("channel"))
        sid = self._ids.new("Q")
        self.scheduled.append({"id": sid, "channel": ch.id, "post_at": args.get("post_at"),
                               "text": args.get("text"), "blocks": args.get("blocks"),
                               "thread_ts": args.get("thread_ts")})
        return {"channel": ch.id, "scheduled_message_id": sid, "post_at": args.get("post_at")}

    # ------------------------------------------------------------------ conversations
    def api_conversations_create(self, args):
        name = v.check_channel_name(args.get("name"))
        if self.channel_by_name(name) is not None:
            raise SlackError("name_taken", detail=f"a channel named {name!r} exists")
        cid = self.create_channel(name, is_private=as_bool(args.get("is_private")), members=(BOT_USER_ID,))
        return {"channel": self.channels[cid].to_api()}

    def api_conversations_rename(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        name = v.check_channel_name(args.get("name"))
        other = self.channel_by_name(name)
        if other is not None and other is not ch:
            raise SlackError("name_taken", detail=f"a channel named {name!r} exists")
        ch.name = name
        return {"channel": ch.to_api()}

    def api_conversations_invite(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        self._writable(ch)
        if ch.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        users = _split(args.get("users"))
        if not users:
            raise violation("no_user", "users is empty")
        errors, to_add = [], []
        for uid in users:
            if uid == BOT_USER_ID:
                errors.append({"user": uid, "ok": False, "error": "cant_invite_self"})
            elif uid not in self.users:
                errors.append({"user": uid, "ok": False, "error": "user_not_found"})
            elif self.users[uid].get("deleted"):
                errors.append({"user": uid, "ok": False, "error": "user_is_deactivated"})
            elif uid in ch.members:
                errors.append({"user": uid, "ok": False, "error": "already_in_channel"})
            elif uid not in to_add:
                to_add.append(uid)
        if errors and not as_bool(args.get("force")):
            raise SlackError(errors[0]["error"], detail=str(errors), extra={"errors": errors})
        ch.members.update(to_add)
        out = {"channel": ch.to_api()}
        if errors:
            out["errors"] = errors
        return out

    def api_conversations_kick(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        uid = self._user(args.get("user"))["id"]
        if uid not in ch.members:
            raise SlackError("not_in_channel", detail=f"{uid} is not in {ch.id}")
        ch.members.discard(uid)
        return {}

    def api_conversations_setTopic(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        self._writable(ch)
        ch.topic = v.check_topic(args.get("topic"))
        return {"channel": ch.to_api()}

    def api_conversations_setPurpose(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        self._writable(ch)
        ch.purpose = v.check_topic(args.get("purpose"), limit=v.PURPOSE_MAX, what="purpose")
        return {"channel": ch.to_api(), "purpose": ch.purpose}

    def api_conversations_info(self, args):
        return {"channel": self._channel(args.get("channel")).to_api()}

    def api_conversations_members(self, args):
        ch = self._channel(args.get("channel"))
        page, meta = self._page(sorted(ch.members), args, 100)
        return {"members": page, "response_metadata": meta["response_metadata"]}

    def api_conversations_join(self, args):
        ch = self._channel(args.get("channel"))
        if ch.is_private or ch.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        self._writable(ch)
        already = BOT_USER_ID in ch.members
        ch.members.add(BOT_USER_ID)
        out = {"channel": ch.to_api()}
        if already:
            out["warning"] = "already_in_channel"
        return out

    def api_conversations_leave(self, args):
        ch = self._channel(args.get("channel"))
        if BOT_USER_ID not in ch.members:
            return {"not_in_channel": True}
        ch.members.discard(BOT_USER_ID)
        return {}

    def api_conversations_archive(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        if ch.is_archived:
            raise SlackError("already_archived")
        ch.is_archived = True
        return {}

    def api_conversations_unarchive(self, args):
        ch = self._channel(args.get("channel"))
        if not ch.is_archived:
            raise SlackError("not_archived")
        ch.is_archived = False
        return {}

    def api_conversations_list(self, args):
        types = set(_split(args.get("types")) or ["public_channel"])
        exclude_archived = as_bool(args.get("exclude_archived"))
        chans = []
        for ch in self.channels.values():
            kind = "im" if ch.is_im else ("private_channel" if ch.is_private else "public_channel")
            if kind not in types or (exclude_archived and ch.is_archived):
                continue
            if kind == "private_channel" and BOT_USER_ID not in ch.members:
                continue
            chans.append(ch.to_api())
        page, meta = self._page(chans, args, 100)
        return {"channels": page, "response_metadata": meta["response_metadata"]}

    def api_conversations_history(self, args):
        ch = self._channel(args.get("channel"))
        top = [m for m in ch.messages if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
        msgs = sorted(self._window(top, args), key=lambda m: ts_float(m["ts"]), reverse=True)
        page, meta = self._page(msgs, args, 100)
        return {"messages": [self._api_message(m) for m in page], "pin_count": len(ch.pins), **meta}

    def api_conversations_replies(self, args):
        ch = self._channel(args.get("channel"))
        target = self._find_message(ch, args.get("ts"))
        if target.get("thread_ts") and target["thread_ts"] != target["ts"]:
            # ts of a reply: Slack answers with that reply alone (the usual way to fetch one reply).
            msgs = self._window([target], args) if (args.get("latest") or args.get("oldest")) else [target]
        else:
            replies = [m for m in ch.messages if m.get("thread_ts") == target["ts"] and m is not target]
            msgs = [target] + sorted(self._window(replies, args), key=lambda m: ts_float(m["ts"]))
        page, meta = self._page(msgs, args, 1000)
        return {"messages": [self._api_message(m) for m in page], **meta}

    def api_conversations_open(self, args):
        users = _split(args.get("users"))
        if args.get("channel") and not users:
            ch = self._channel(args.get("channel"))
            return {"channel": ch.to_api() if as_bool(args.get("return_im")) else {"id": ch.id}}
        if not users:
            raise violation("users_list_not_supplied", "neither users nor channel given")
        for uid in users:
            self._user(uid)
        others = [u for u in users if u != BOT_USER_ID]
        if len(others) == 1:
            cid = self._open_dm(others[0])
        else:
            key = "mpim:" + ",".join(sorted(others))
            cid = self._dm_by_user.get(key)
            if cid is None:
                cid = self._ids.new("G")
                self.channels[cid] = Channel(id=cid, name="mpdm-" + "--".join(others), is_private=True,
                                             members=set(others) | {BOT_USER_ID})
                self._dm_by_user[key] = cid
        ch = self.channels[cid]
        return {"channel": ch.to_api() if as_bool(args.get("return_im")) else {"id": cid}}

    # ------------------------------------------------------------------ pins, bookmarks, reactions
    def api_pins_add(self, args):
        ch = self._channel(args.get("channel"), need_member=True)
        if not args.get("timestamp"):
            raise violation("no_item_specified", "pins.add without timestamp")
        msg = self._find_message(ch, args["timestamp"])
        if msg["ts"] in ch.pins:
            raise SlackError("already_pinned")
        ch.pins.append(msg["ts"])
        msg["pinned_to"] = [ch.id]
        return {}

    def api_pins_remove(self, args):
        ch = self._channel(args.get("channel"))
        ts = str(args.get("timestamp") or "")
        if ts not in ch.pins:
            raise SlackError("no_pin")
        ch.pins.remove(ts)
        return {}

    def api_pins_list(self, args):
        ch = self._channel(args.get("channel"))
        items = []
        for ts in ch.pins:
            msg = self._find_message(ch, ts)
            items.append({"type": "message", "channel": ch.id, "created": int(ts_float(ts)),
                          "created_by": BOT_USER_ID, "message": self._api_message(msg)})
        return {"items": items}

    def _bookmark_channel(self, args) -> Channel:
        if not args.get("channel_id"):
            raise violation("channel_not_found", "channel_id is missing")
        return self._channel(args.get("channel_id"))

    def api_bookmarks_add(self, args):
        ch = self._bookmark_channel(args)
        if args.get("type") != "link":
            raise violation("invalid_bookmark_type", f"type={args.get('type')!r}")
        link = str(args.get("link") or "")
        if not link.startswith(("http://", "https://")):
            raise violation("invalid_link", f"link={link!r}")
        now = int(time.time())
        bm = {"id": self._ids.new("Bk"), "channel_id": ch.id, "title": args.get("title"), "link": link,
              "emoji": args.get("emoji"), "icon_url": None, "type": "link", "entity_id": None,
              "date_created": now, "date_updated": 0, "rank": str(len(ch.bookmarks)),
              "last_updated_by_user_id": BOT_USER_ID, "last_updated_by_team_id": TEAM_ID,
              "shortcut_id": None, "app_id": None}
        ch.bookmarks.append(bm)
        return {"bookmark": dict(bm)}

    def _bookmark(self, ch: Channel, bookmark_id) -> dict:
        for bm in ch.bookmarks:
            if bm["id"] == bookmark_id:
                return bm
        raise SlackError("not_found", detail=f"bookmark {bookmark_id!r} not in {ch.id}")

    def api_bookmarks_edit(self, args):
        ch = self._bookmark_channel(args)
        bm = self._bookmark(ch, args.get("bookmark_id"))
        for key in ("title", "link", "emoji"):
            if key in args:
                bm[key] = args[key]
        bm["date_updated"] = int(time.time())
        return {"bookmark": dict(bm)}

    def api_bookmarks_remove(self, args):
        ch = self._bookmark_channel(args)
        ch.bookmarks.remove(self._bookmark(ch, args.get("bookmark_id")))
        return {}

    def api_bookmarks_list(self, args):
        ch = self._bookmark_channel(args)
        return {"bookmarks": [dict(b) for b in ch.bookmarks]}

    def api_reactions_add(self, args):
        ch = self._channel(args.get("channel"))
        self._writable(ch)
        msg = self._find_message(ch, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        reactions = msg.setdefault("reactions", [])
        for r in reactions:
            if r["name"] == name:
                if BOT_USER_ID in r["users"]:
                    raise SlackError("already_reacted")
                r["users"].append(BOT_USER_ID)
                r["count"] += 1
                return {}
        reactions.append({"name": name, "users": [BOT_USER_ID], "count": 1})
        return {}

    def api_reactions_remove(self, args):
        ch = self._channel(args.get("channel"))
        msg = self._find_message(ch, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        for r in msg.get("reactions", []):
            if r["name"] == name and BOT_USER_ID in r["users"]:
                r["users"].remove(BOT_USER_ID)
                r["count"] -= 1
                if not r["count"]:
                    msg["reactions"].remove(r)
                return {}
        raise SlackError("no_reaction")

    def api_reactions_get(self, args):
        ch = self._channel(args.get("channel"))
        msg = self._find_message(ch, args.get("timestamp"))
        return {"type": "message", "channel": ch.id, "message": self._api_message(msg)}

    # ------------------------------------------------------------------ views
    def _use_trigger(self, trigger_id) -> dict:
        trig = self._triggers.get(str(trigger_id or ""))
        if trig is None:
            raise violation("invalid_trigger_id", f"trigger_id {trigger_id!r} was never issued")
        if trig["used"]:
            raise violation("exchanged_trigger_id", f"trigger_id {trigger_id!r} was already used")
        age = self.clock() - trig["issued"]
        if age > TRIGGER_TTL_SECONDS:
            raise violation("expired_trigger_id", f"trigger_id used {age:.2f}s after issue (> 3 s)")
        return trig

    def _store_view(self, view: dict, *, root_view_id=None, previous_view_id=None, view_id=None) -> dict:
        vid = view_id or self._ids.new("V")
        stored = json.loads(json.dumps(view))
        stored.update({"id": vid, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID,
                       "app_installed_team_id": TEAM_ID, "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
                       "root_view_id": root_view_id or vid, "previous_view_id": previous_view_id,
                       "state": {"values": {}}})
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.setdefault("external_id", "")
        stored.setdefault("clear_on_close", False)
        stored.setdefault("notify_on_close", False)
        self.views[vid] = stored
        return stored

    def api_views_open(self, args):
        view = v.check_view(args.get("view"))
        trig = self._use_trigger(args.get("trigger_id") or args.get("interactivity_pointer"))
        trig["used"] = True
        stored = self._store_view(view)
        self._view_stacks.append([stored["id"]])
        self.views_opened.append(stored)
        return {"view": dict(stored)}

    def api_views_push(self, args):
        view = v.check_view(args.get("view"))
        trig = self._use_trigger(args.get("trigger_id") or args.get("interactivity_pointer"))
        stack = None
        if trig.get("view_id"):
            stack = next((s for s in self._view_stacks if trig["view_id"] in s), None)
        if stack is None:
            if not self._view_stacks:
                raise violation("not_found", "views.push without an open modal")
            stack = self._view_stacks[-1]
        if len(stack) >= v.VIEW_STACK_MAX:
            raise violation("push_limit_reached", f"view stack already holds {len(stack)} views")
        trig["used"] = True
        stored = self._store_view(view, root_view_id=stack[0], previous_view_id=stack[-1])
        stack.append(stored["id"])
        self.views_pushed.append(stored)
        return {"view": dict(stored)}

    def api_views_update(self, args):
        view = v.check_view(args.get("view"), home=(args.get("view") or {}).get("type") == "home")
        target = None
        if args.get("view_id"):
            target = self.views.get(args["view_id"])
        elif args.get("external_id"):
            target = next((x for x in self.views.values() if x.get("external_id") == args["external_id"]), None)
        else:
            raise violation("invalid_arguments", "views.update needs view_id or external_id")
        if target is None:
            raise SlackError("not_found", detail=f"view {args.get('view_id') or args.get('external_id')!r}")
        if args.get("hash") and args["hash"] != target["hash"]:
            raise SlackError("hash_conflict")
        stored = self._store_view(view, root_view_id=target["root_view_id"],
                                  previous_view_id=target.get("previous_view_id"), view_id=target["id"])
        return {"view": dict(stored)}

    def api_views_publish(self, args):
        view = v.check_view(args.get("view"), home=True)
        uid = self._user(args.get("user_id"))["id"]
        stored = self._store_view(view)
        self.home_views[uid] = stored
        return {"view": dict(stored)}

    # ------------------------------------------------------------------ files
    def api_files_getUploadURLExternal(self, args):
        try:
            length = int(args.get("length"))
        except (TypeError, ValueError):
            raise violation("invalid_arguments", f"length={args.get('length')!r}")
        fid = self._ids.new("F")
        self._pending_files[fid] = {"id": fid, "filename": args.get("filename"), "length": length,
                                    "content": None}
        return {"upload_url": f"{self.base_http_url}/upload/{fid}", "file_id": fid}

    def receive_upload(self, file_id: str, data: bytes) -> bool:
        with self.lock:
            pending = self._pending_files.get(file_id)
            if pending is None:
                return False
            pending["content"] = data
            return True

    def api_files_completeUploadExternal(self, args):
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise violation("invalid_arguments", "files must be a JSON array of {id, title}")
        channel_id = args.get("channel_id") or (_split(args.get("channels")) or [None])[0]
        ch = self._channel_for_post(channel_id) if channel_id else None
        done = []
        for f in files:
            pending = self._pending_files.get(f.get("id"))
            if pending is None or pending["content"] is None:
                raise violation("file_not_found", f"file {f.get('id')!r} was not uploaded")
            if len(pending["content"]) != pending["length"]:
                raise violation("invalid_arguments", f"file {f['id']}: uploaded {len(pending['content'])} bytes, "
                                                     f"announced length {pending['length']}")
            done.append({**pending, "title": f.get("title") or pending["filename"]})
        for rec in done:
            del self._pending_files[rec["id"]]
            rec.update({"channel_id": ch.id if ch else None, "initial_comment": args.get("initial_comment"),
                        "thread_ts": args.get("thread_ts")})
            self.files.append(rec)
        if ch is not None:
            self._add_message(ch, user=BOT_USER_ID, text=args.get("initial_comment") or "", blocks=args.get("blocks"),
                              thread_ts=args.get("thread_ts") or None,
                              files=[{"id": r["id"], "title": r["title"], "name": r["filename"]} for r in done])
        return {"files": [{"id": r["id"], "title": r["title"], "name": r["filename"]} for r in done]}

    # ------------------------------------------------------------------ socket mode
    def api_apps_connections_open(self, args, token: str | None = None):
        if not str(token or "").startswith("xapp-"):
            raise violation("not_allowed_token_type", "apps.connections.open needs an app-level xapp- token")
        if not self.socket_mode_url:
            raise violation("internal_error", "no SocketModeServer attached (set fake.socket_mode_url)")
        return {"url": self.socket_mode_url}
