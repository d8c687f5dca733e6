"""Handlers: conversations.*."""

from __future__ import annotations

from . import validation as v
from .state import BOT_USER_ID, TEAM_ID, Channel, as_bool, split_list, ts_float
from .validation import SlackError, violation


class ConversationMethods:
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
        """Slack's shape (methods/conversations.invite.json): each user is checked; without
        `force` one refusal fails the whole call (nobody is invited; `error` is the first
        refusal, `errors` lists each); with `force=true` the others are invited and the answer is
        ok with the refusals in `errors` (not ok when nobody could be invited)."""
        ch = self._channel(args.get("channel"), need_member=True)
        self._writable(ch)
        if ch.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        users = split_list(args.get("users"))
        if not users:
            raise violation("no_user", "users is empty")
        if len(users) > 100:
            raise violation("invalid_arguments", f"{len(users)} users > 100 per call")
        errors, to_add = [], []
        for uid in users:
            refusal = self._invite_refusal(ch, uid)
            if refusal is not None:
                errors.append({"user": uid, "ok": False, "error": refusal})
            elif uid not in to_add:
                to_add.append(uid)
        if errors and (not as_bool(args.get("force")) or not to_add):
            raise SlackError(errors[0]["error"], detail=str(errors), extra={"errors": errors})
        ch.members.update(to_add)
        out = {"channel": ch.to_api()}
        if errors:
            out["errors"] = errors
        return out

    def _invite_refusal(self, ch, uid: str) -> str | None:
        """Why Slack would not invite `uid` into `ch` (None: it would)."""
        user = self.users.get(uid)
        if uid == BOT_USER_ID:
            return "cant_invite_self"
        if user is None:
            return "user_not_found"
        if user.get("deleted"):
            return "user_is_deactivated"
        if uid in ch.members:
            return "already_in_channel"
        org_teams = (user.get("enterprise_user") or {}).get("teams")
        if org_teams is not None and TEAM_ID not in org_teams:
            # An org user: only where the channel is shared with one of their workspaces.
            if not ch.shared_team_ids:
                return "org_user_not_in_team"
            if not set(org_teams) & set(ch.shared_team_ids):
                return "invitee_cant_see_channel"
        elif user.get("is_stranger"):
            return "no_permission"  # an external (Slack Connect) user: this channel is not shared with them
        if user.get("is_ultra_restricted"):
            if any(uid in other.members for other in self.channels.values() if not other.is_im and other is not ch):
                return "ura_max_channels"
        elif user.get("is_restricted"):
            return "user_is_restricted"
        return None

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
        types = set(split_list(args.get("types")) or ["public_channel"])
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
        # Slack returns a message's metadata only when include_all_metadata is set.
        with_metadata = as_bool(args.get("include_all_metadata"))
        return {"messages": [self._api_message(m, metadata=with_metadata) for m in page],
                "pin_count": len(ch.pins), **meta}

    def api_conversations_replies(self, args):
        """Slack's shape: the thread's parent first on every page (also when `ts` names a reply),
        then the replies in `oldest`/`latest` order, `limit` of them per page, `cursor` to go on."""
        ch = self._channel(args.get("channel"))
        try:
            target = self._find_message(ch, args.get("ts"))
            parent = target
            if target.get("thread_ts") and target["thread_ts"] != target["ts"]:
                parent = self._find_message(ch, target["thread_ts"])
        except SlackError:
            raise SlackError("thread_not_found", detail=f"no message {args.get('ts')} in {ch.id}")
        replies = sorted((m for m in ch.messages if m.get("thread_ts") == parent["ts"] and m is not parent),
                         key=lambda m: ts_float(m["ts"]))
        page, meta = self._page(self._window(replies, args), args, 1000, maximum=1000)
        with_metadata = as_bool(args.get("include_all_metadata"))
        return {"messages": [self._api_message(m, metadata=with_metadata) for m in [parent, *page]], **meta}

    def api_conversations_open(self, args):
        users = split_list(args.get("users"))
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
