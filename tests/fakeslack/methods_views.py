"""Handlers: views.*, files.* (external upload), apps.connections.open."""

from __future__ import annotations

import json
import time
import uuid

from . import validation as v
from .state import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, split_list
from .validation import SlackError, violation

TRIGGER_TTL_SECONDS = 3.0


class ViewAndFileMethods:
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
        channel_id = args.get("channel_id") or (split_list(args.get("channels")) or [None])[0]
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
