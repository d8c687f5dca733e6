"""Handlers: auth.*, users.*, chat.*, pins.*, bookmarks.*, reactions.*."""

from __future__ import annotations

import time

from .state import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Channel, as_bool, ts_float
from . import validation as v
from .validation import SlackError, violation


class ChatMethods:
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
        v.check_metadata(args.get("metadata"))
        ch = self._channel_for_post(args.get("channel"))
        if ch.is_private and not ch.is_im and BOT_USER_ID not in ch.members:
            raise SlackError("channel_not_found", detail=f"bot is not in private channel {ch.id}")
        if not ch.is_private and BOT_USER_ID not in ch.members and "chat:write.public" not in self.scopes:
            raise SlackError("not_in_channel", detail=f"bot is not in {ch.id} and lacks chat:write.public")
        self._writable(ch)
        thread_ts = args.get("thread_ts") or None
        self._may_post(ch, thread_ts)
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

    @staticmethod
    def _may_post(ch: Channel, thread_ts) -> None:
        """A posting-restricted channel (an admin's setting) refuses the bot: chat.postMessage's errors."""
        if ch.posting == "admins":
            raise SlackError("restricted_action", detail=f"only admins may post in {ch.id}")
        if ch.posting == "read_only":
            raise SlackError("restricted_action_read_only_channel", detail=f"{ch.id} is read-only")
        if ch.posting == "thread_only" and not thread_ts:
            raise SlackError("restricted_action_thread_only_channel", detail=f"{ch.id} takes thread replies only")
        if ch.posting == "non_threadable" and thread_ts:
            raise SlackError("restricted_action_non_threadable_channel", detail=f"{ch.id} takes no thread replies")

    def api_chat_postEphemeral(self, args):
        self._check_content(args)
        ch = self._channel_for_post(args.get("channel"))
        if ch.is_private and not ch.is_im and BOT_USER_ID not in ch.members:
            raise SlackError("channel_not_found", detail=f"bot is not in private channel {ch.id}")
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
