"""The Slack edge: the only module that calls Slack's Web API.

Every call goes through one WebClient with bounded retries for 429 (honouring
Retry-After), server errors and connection failures. Slack errors a correct bot can
hit (name_taken, already_in_channel, not_in_channel, ...) are handled here on purpose;
anything else is raised as SlackFailure naming the method and Slack's error.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.effects.errors import SLACK_TRANSIENT, VendorError

log = logging.getLogger(__name__)

# Message metadata naming the effect that posted a message: a retry whose first try may
# have reached Slack finds it in the channel's history instead of posting it again.
EFFECT_EVENT = "incident_bot_effect"

# What the app needs for each kind of call, so a missing_scope answer can say what to add.
SCOPE_HINTS = {
    "conversations.create": "channels:manage (groups:write for private incidents)",
    "conversations.invite": "channels:manage (groups:write for private incidents)",
    "conversations.setTopic": "channels:manage (groups:write for private incidents)",
    "conversations.archive": "channels:manage (groups:write for private incidents)",
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "pins.add": "pins:write",
    "bookmarks.add": "bookmarks:write",
    "bookmarks.edit": "bookmarks:write",
    "bookmarks.list": "bookmarks:read",
    "conversations.history": "channels:history (groups:history for private incidents, im:history for DMs)",
    "conversations.replies": "channels:history (groups:history for private incidents)",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "reactions.add": "reactions:write",
}


# conversations.invite takes at most 100 users per call (its method file).
INVITE_BATCH = 100
# conversations.invite's answers about one person rather than the channel or the app: that
# person stays out, everyone else is invited (methods/conversations.invite.json).
INVITE_REFUSALS = frozenset({
    "already_in_channel", "cant_invite_self", "cant_invite", "user_not_found", "user_is_deactivated",
    "user_is_restricted", "ura_max_channels", "invitee_cant_see_channel", "org_user_not_in_team", "no_permission",
    "no_external_invite_permission",
})


class SlackFailure(VendorError):
    """A Slack call failed; `error` is Slack's error code. Permanent unless Slack said to wait
    (429), failed on its side (5xx) or could not be reached: the effect worker retries those."""

    def __init__(self, method: str, error: str, response: dict[str, Any] | None = None, *,
                 status: int | None = None, retry_after: float | None = None) -> None:
        self.method = method
        self.response = response or {}
        hint = ""
        if error == "missing_scope":
            needed = self.response.get("needed") or SCOPE_HINTS.get(method, "see manifest.yml")
            hint = f" (the app needs the scope {needed}: add it in manifest.yml and reinstall the app)"
        transient = error in SLACK_TRANSIENT or (status is not None and (status == 429 or status >= 500))
        super().__init__("Slack", error, permanent=not transient, retry_after=retry_after,
                         message=f"Slack refused {method}: {error}{hint}")


class RateLimited(SlackFailure):
    """Slack answered 429 to a read: try again after `retry_after` seconds (never dropped)."""

    def __init__(self, method: str, retry_after: float, response: dict[str, Any] | None = None) -> None:
        super().__init__(method, "ratelimited", response, status=429, retry_after=retry_after)


def make_web_client(token: str, base_url: str, *, max_retries: int = 5, retries: bool = True) -> WebClient:
    """`retries=False` for the effect worker: it retries whole effects itself, with backoff
    capped at 30 s, instead of sleeping inside a call."""
    client = WebClient(token=token, base_url=base_url, timeout=15)
    if not retries:
        client.retry_handlers.clear()
        return client
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
    )
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client


class Slack:
    """Thin, typed wrappers over the Web API methods the bot uses."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        # Reads go through a client that does not sleep through 429s: whoever reads (a
        # background worker) is told RateLimited and tries again later, holding no thread.
        # views.open uses it too: a trigger_id lives 3 s, so waiting out a Retry-After (up to
        # a minute) would spend a listener thread on an expired trigger and starve other
        # commands' acks.
        self.read_client = WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout)
        self.read_client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
        self._users: dict[str, dict[str, Any]] = {}
        self._users_lock = threading.Lock()
        self._bot_user_id: str | None = None
        self._workspace_url: str | None = None
        self._channel_ids: dict[str, str] = {}

    def call(self, method: str, *, _client: WebClient | None = None, **args: Any) -> dict[str, Any]:
        try:
            response = (_client or self.client).api_call(method, params=_form(args))
        except SlackApiError as exc:
            data = dict(exc.response.data) if isinstance(exc.response.data, dict) else {}
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            retry_after = headers.get("retry-after")
            if isinstance(retry_after, list):
                retry_after = retry_after[0] if retry_after else None
            raise SlackFailure(method, data.get("error", str(exc)), data, status=exc.response.status_code,
                               retry_after=float(retry_after) if retry_after else None) from exc
        except OSError as exc:  # connection refused/reset, timeouts (urllib raises these)
            raise SlackFailure(method, "connection_error", {"detail": str(exc)}) from exc
        return dict(response.data)  # type: ignore[arg-type]

    def read(self, method: str, **args: Any) -> dict[str, Any]:
        """A read (conversations.history/replies): a 429 raises RateLimited at once."""
        try:
            response = self.read_client.api_call(method, params=_form(args))
        except SlackApiError as exc:
            data = dict(exc.response.data) if isinstance(exc.response.data, dict) else {}
            if exc.response.status_code == 429:
                headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
                value = headers.get("retry-after")
                retry_after = float((value[0] if isinstance(value, list) else value) or 1)
                raise RateLimited(method, retry_after, data) from exc
            raise SlackFailure(method, data.get("error", str(exc)), data) from exc
        return dict(response.data)  # type: ignore[arg-type]

    # -- identity ---------------------------------------------------------------------
    def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            self._identify()
        return self._bot_user_id  # type: ignore[return-value]

    def _identify(self) -> None:
        auth = self.call("auth.test")
        self._bot_user_id = auth["user_id"]
        self._workspace_url = auth.get("url") or ""

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user's record (cached for the process), or None if Slack does not know them."""
        with self._users_lock:
            if user_id in self._users:
                return self._users[user_id]
        try:
            user = self.call("users.info", user=user_id)["user"]
        except SlackFailure as exc:
            if exc.error in ("user_not_found", "users_not_found"):
                return None
            raise
        with self._users_lock:
            self._users[user_id] = user
        return user

    # -- channels ---------------------------------------------------------------------
    def create_channel(self, names: Sequence[str], *, private: bool) -> tuple[str, str]:
        """Creates the first free name of `names` (Slack: name_taken) -> (channel id, name)."""
        last: SlackFailure | None = None
        for name in names:
            try:
                channel = self.call("conversations.create", name=name, is_private=private)["channel"]
                return channel["id"], channel["name"]
            except SlackFailure as exc:
                if exc.error != "name_taken":
                    raise
                log.info("channel name %s is taken, trying the next", name)
                last = exc
        assert last is not None
        raise last

    def channels(self) -> list[dict[str, Any]]:
        """Every public and private channel the bot can see (conversations.list, paged)."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.call("conversations.list", types="public_channel,private_channel", exclude_archived=True,
                             limit=1000, cursor=cursor)
            found.extend(page.get("channels", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return found

    def find_own_channel(self, names: Sequence[str]) -> tuple[str, str] | None:
        """A channel of `names` that the bot created (a declaration resumed after a crash)."""
        bot = self.bot_user_id()
        mine = {c["name"]: c["id"] for c in self.channels() if c.get("creator") == bot}
        for name in names:
            if name in mine:
                return mine[name], name
        return None

    def resolve_channel(self, target: str) -> str:
        """`C0123` stays as it is; `#incidents` becomes its ID (looked up once)."""
        if not target.startswith("#"):
            return target
        with self._users_lock:
            cached = self._channel_ids.get(target)
        if cached:
            return cached
        name = target[1:].lower()
        for channel in self.channels():
            if channel["name"] == name:
                with self._users_lock:
                    self._channel_ids[target] = channel["id"]
                return channel["id"]
        raise SlackFailure("conversations.list", f"channel {target} not found: create it and invite the bot")

    def invite(self, channel: str, user_ids: Sequence[str]) -> dict[str, str]:
        """Invites everyone Slack lets in, in one call per 100 people (`force`: one refusal does not
        keep the others out); returns who Slack refused and why ({user id: Slack's error}).
        Already being a member is not a refusal. Anything else about the channel (archived, the
        bot not in it, a missing scope) is raised: nobody could be invited."""
        refused: dict[str, str] = {}
        wanted = list(dict.fromkeys(u for u in user_ids if u))
        for start in range(0, len(wanted), INVITE_BATCH):
            batch = wanted[start:start + INVITE_BATCH]
            try:
                answer = self.call("conversations.invite", channel=channel, users=",".join(batch), force=True)
            except SlackFailure as exc:
                per_user = exc.response.get("errors") or []
                if not per_user and exc.error in INVITE_REFUSALS and len(batch) == 1:
                    per_user = [{"user": batch[0], "error": exc.error}]
                if not per_user:
                    raise
                answer = {"errors": per_user}
            for item in answer.get("errors") or []:
                error = str(item.get("error") or "")
                if item.get("user") and error not in ("already_in_channel", "cant_invite_self"):
                    refused[str(item["user"])] = error
        return refused

    def set_topic(self, channel: str, topic: str) -> None:
        self.call("conversations.setTopic", channel=channel, topic=topic)

    def archive(self, channel: str) -> bool:
        """Archives the channel; False when it already was (someone archived it by hand)."""
        try:
            self.call("conversations.archive", channel=channel)
        except SlackFailure as exc:
            if exc.error == "already_archived":
                return False
            raise
        return True

    def members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            page = self.call("conversations.members", channel=channel, cursor=cursor, limit=1000)
            members.update(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    # -- messages ---------------------------------------------------------------------
    def post(
        self, channel: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None, unfurl: bool = False, effect_id: int | None = None,
    ) -> dict[str, Any]:
        """Posts a message; a user ID as `channel` posts into the bot's DM with them (chat:write
        is enough, no conversations.open). chat:write.public posts into public channels the bot
        is not in, so there is no join-and-retry. `effect_id` goes into the message's metadata
        (see find_effect_message)."""
        metadata = ({"event_type": EFFECT_EVENT, "event_payload": {"effect_id": effect_id}}
                    if effect_id is not None else None)
        return self.call("chat.postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts,
                         unfurl_links=unfurl, unfurl_media=unfurl, metadata=metadata)

    def update_message(self, channel: str, ts: str, text: str, *, blocks: list[dict[str, Any]] | None = None) -> None:
        self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel: str, user: str, text: str, *, blocks: list[dict[str, Any]] | None = None) -> None:
        """Only `user` sees it; where the bot cannot post in `channel`, a DM says it instead."""
        try:
            self.call("chat.postEphemeral", channel=channel, user=user, text=text, blocks=blocks)
        except SlackFailure as exc:
            if exc.error not in ("channel_not_found", "not_in_channel", "is_archived", "user_not_in_channel"):
                raise
            self.post(user, text, blocks=blocks)

    def dm(self, user: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
           effect_id: int | None = None) -> dict[str, Any]:
        return self.post(user, text, blocks=blocks, effect_id=effect_id)

    def open_dm(self, user: str) -> str:
        """The ID of the bot's DM channel with `user` (its history can then be read)."""
        return self.call("conversations.open", users=user)["channel"]["id"]

    def find_effect_message(self, channel: str, effect_id: int, *, recent: int = 200) -> dict[str, Any] | None:
        """The message an earlier try of effect `effect_id` posted in `channel`, or None: looked
        up by its metadata in the channel's `recent` latest messages (a retry comes seconds or
        minutes after the first try, so the message, if any, is among them)."""
        page = self.call("conversations.history", channel=channel, limit=recent, include_all_metadata=True)
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if (metadata.get("event_type") == EFFECT_EVENT
                    and (metadata.get("event_payload") or {}).get("effect_id") == effect_id):
                return {**message, "channel": channel}
        return None

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except SlackFailure as exc:
            if exc.error != "already_pinned":
                raise

    def channel_link(self, channel: str) -> str | None:
        """The channel's own link (`<workspace>/archives/<channel>`), for a page sent before
        the pinned message exists; None when the workspace URL is unknown."""
        if self._workspace_url is None:
            try:
                self._identify()
            except SlackFailure as exc:
                log.warning("auth.test failed (%s); no channel link", exc.error)
        return f"{self._workspace_url.rstrip('/')}/archives/{channel}" if self._workspace_url else None

    def permalink(self, channel: str, ts: str, thread_ts: str | None = None) -> str | None:
        """A message's link, built the way Slack builds it (`<workspace>/archives/<channel>/p<ts>`)
        from the workspace URL auth.test gave once: a timeline entry then costs no
        chat.getPermalink round trip. Falls back to asking Slack when the URL is unknown."""
        if self._workspace_url is None:
            try:
                self._identify()
            except SlackFailure as exc:
                log.warning("auth.test failed (%s); asking Slack for the permalink", exc.error)
        if self._workspace_url:
            link = f"{self._workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
            if thread_ts and thread_ts != ts:
                link += f"?thread_ts={thread_ts}&cid={channel}"
            return link
        try:
            return self.call("chat.getPermalink", channel=channel, message_ts=ts).get("permalink")
        except SlackFailure as exc:
            log.warning("no permalink for %s/%s: %s", channel, ts, exc.error)
            return None

    def add_reaction(self, channel: str, ts: str, name: str) -> None:
        try:
            self.call("reactions.add", channel=channel, timestamp=ts, name=name)
        except SlackFailure as exc:
            if exc.error != "already_reacted":
                raise

    # -- bookmarks --------------------------------------------------------------------
    def set_bookmark(self, channel: str, title: str, link: str, bookmark_id: str | None, emoji: str | None = None) -> str:
        """Adds the bookmark, or edits it when it exists already; returns its ID."""
        if bookmark_id:
            try:
                self.call("bookmarks.edit", channel_id=channel, bookmark_id=bookmark_id, title=title, link=link, emoji=emoji)
                return bookmark_id
            except SlackFailure as exc:
                if exc.error not in ("not_found", "invalid_bookmark_id", "bookmark_not_found"):
                    raise
        added = self.call("bookmarks.add", channel_id=channel, title=title, type="link", link=link, emoji=emoji)
        return added["bookmark"]["id"]

    # -- views ------------------------------------------------------------------------
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Raises SlackFailure("views.open", "ratelimited") at once on a 429 (see __init__)."""
        return self.call("views.open", _client=self.read_client, trigger_id=trigger_id, view=view)["view"]

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.call("views.publish", user_id=user_id, view=view)

    # -- files ------------------------------------------------------------------------
    def send_upload(self, upload_url: str, content: bytes) -> None:
        """The bytes of a file, to the URL files.getUploadURLExternal gave (nothing is shared yet)."""
        request = urllib.request.Request(upload_url, data=content, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - Slack's own URL
                if reply.status >= 300:
                    raise SlackFailure("files.upload", f"http_{reply.status}", status=reply.status)
        except urllib.error.HTTPError as exc:
            raise SlackFailure("files.upload", f"http_{exc.code}", status=exc.code) from exc
        except OSError as exc:
            raise SlackFailure("files.upload", "connection_error", {"detail": str(exc)}) from exc

    def find_file_message(self, channel: str, file_id: str, *, recent: int = 200) -> dict[str, Any] | None:
        """The message that shared file `file_id` in `channel` (a retried share whose first try
        may have landed), or None."""
        page = self.call("conversations.history", channel=channel, limit=recent)
        for message in page.get("messages", []):
            if any(f.get("id") == file_id for f in message.get("files") or []):
                return {**message, "channel": channel}
        return None


def _form(args: dict[str, Any]) -> dict[str, str]:
    """Form-encoded arguments, nested values as JSON strings: every Web API method accepts
    this, while a JSON body works only for the methods that say `json_input_supported`."""
    form: dict[str, str] = {}
    for name, value in args.items():
        if value is None:
            continue
        if isinstance(value, bool):
            form[name] = "true" if value else "false"
        elif isinstance(value, (dict, list, tuple)):
            form[name] = json.dumps(value, separators=(",", ":"))
        else:
            form[name] = str(value)
    return form
