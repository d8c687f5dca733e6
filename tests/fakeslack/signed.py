"""Slack-shaped, signed requests to the bot (shapes: tests/reference/slack/payloads/).

``BoltCaller`` dispatches them into a Bolt ``App`` in-process; ``HttpCaller`` POSTs them
to a running server's ``/slack/events``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from .state import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

VERIFICATION_TOKEN = "fake-verification-token"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1000000000001/fakeresponseurl"


def sign(body: str, secret: str, timestamp: int | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}",
            "Content-Type": content_type}


def new_trigger_id() -> str:
    return f"{int(time.time())}.1.{uuid.uuid4().hex[:24]}"


def _team(team_id: str) -> dict:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str, user_name: str | None = None) -> dict:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _form_payload(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


# Slack's own markup in a command with `should_escape: true` (manifest.yml): a picked user,
# channel or user group, or a link (Slack wraps what the person typed as a URL).
_MARKUP = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^[A-Z0-9]+|!(?:here|channel|everyone)"
                     r"|(?:https?|mailto):[^<>|\s]+)(?:\|[^<>]*)?>")
_BARE_URL = re.compile(r"https?://[^\s<>]+")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_command_text(typed: str) -> str:
    """The `text` of a slash command as Slack sends it. The test writes what the person typed,
    with Slack's markup for what they picked from the suggestions (`<@U123|alice>`,
    `<#C123|general>`) or for a link (`<https://...>`); Slack escapes `&`, `<` and `>`
    everywhere else, the `&` inside a link too, and wraps a bare URL as a link."""
    out, pos = [], 0
    for match in _MARKUP.finditer(typed):
        out.append(_wrap_urls(typed[pos:match.start()]))
        out.append("<" + match.group(0)[1:-1].replace("&", "&amp;") + ">")
        pos = match.end()
    out.append(_wrap_urls(typed[pos:]))
    return "".join(out)


def _wrap_urls(plain: str) -> str:
    out, pos = [], 0
    for match in _BARE_URL.finditer(plain):
        out.append(_escape(plain[pos:match.start()]))
        out.append("<" + _escape(match.group(0)) + ">")
        pos = match.end()
    out.append(_escape(plain[pos:]))
    return "".join(out)


def slash_command_body(text: str, *, user_id: str, channel_id: str, command: str = "/incident",
                       trigger_id: str | None = None, team_id: str = TEAM_ID,
                       response_url: str = DEFAULT_RESPONSE_URL, channel_name: str = "general",
                       user_name: str | None = None) -> str:
    return urlencode({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name if not channel_id.startswith("D") else "directmessage",
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": slack_command_text(text),
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    })


def view_submission_body(view: dict, values: dict, *, user_id: str, trigger_id: str | None = None,
                         callback_id: str | None = None, team_id: str = TEAM_ID,
                         response_urls: list | None = None) -> str:
    """``view`` is the view as the bot opened it (e.g. ``fake.views_opened[-1]``);
    ``values``: ``{block_id: {action_id: {"type": ..., "value"|"selected_option"|...: ...}}}``."""
    vid = view.get("id") or f"V{uuid.uuid4().hex[:10].upper()}"
    full_view = {
        "id": vid,
        "team_id": team_id,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": callback_id if callback_id is not None else view.get("callback_id", ""),
        "state": {"values": values},
        "hash": view.get("hash") or f"{int(time.time())}.abcdef12",
        "title": view.get("title"),
        "clear_on_close": view.get("clear_on_close", False),
        "notify_on_close": view.get("notify_on_close", False),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": view.get("previous_view_id"),
        "root_view_id": view.get("root_view_id") or vid,
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": team_id,
        "bot_id": "B0001",
    }
    return _form_payload({
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": full_view,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    })


def block_actions_body(action_id: str, value, *, user_id: str, channel_id: str | None = None,
                       trigger_id: str | None = None, message: dict | None = None, view: dict | None = None,
                       block_id: str = "b", team_id: str = TEAM_ID,
                       response_url: str = DEFAULT_RESPONSE_URL) -> str:
    """``value``: a button's value (str), or a dict of the action's own fields
    (e.g. ``{"type": "static_select", "selected_option": {...}}``)."""
    action = {"action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
    if isinstance(value, dict):
        action.update(value)
    else:
        action.update({"type": "button", "value": value, "text": {"type": "plain_text", "text": str(value)}})
    payload = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        payload["state"] = view.get("state") or {"values": {}}
    else:
        msg = message or {}
        channel = channel_id or msg.get("channel")
        payload["container"] = {"type": "message", "message_ts": msg.get("ts", ""), "channel_id": channel,
                                "is_ephemeral": False}
        if msg.get("thread_ts"):
            payload["container"]["thread_ts"] = msg["thread_ts"]
        payload["channel"] = {"id": channel, "name": "channel"}
        if message is not None:
            payload["message"] = {k: val for k, val in message.items() if k != "channel"}
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url
    return _form_payload(payload)


def event_body(event: dict, *, event_id: str, team_id: str = TEAM_ID, api_app_id: str = APP_ID,
               event_time: int | None = None) -> str:
    return json.dumps({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    })


def url_verification_body(challenge: str) -> str:
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})


def _event_headers(body: str, secret: str, retry_num: int | None, retry_reason: str) -> dict[str, str]:
    headers = sign(body, secret, content_type="application/json")
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def check_ack(fake, body: str) -> None:
    """The ack's body goes to Slack too: its text, blocks and views meet the same limits."""
    from .validation import SlackError, check_blocks, check_text, check_view

    try:
        answer = json.loads(body) if body and body.lstrip().startswith("{") else {}
    except ValueError:
        return
    try:
        check_text(answer.get("text"))
        check_blocks(answer.get("blocks"))
        if answer.get("response_action") in ("update", "push"):
            check_view(answer.get("view"))
    except SlackError as e:
        with fake.lock:
            fake.violations.append(f"ack: {e.error}: {e.detail}")


class BoltCaller:
    """Signed requests dispatched into a Bolt ``App`` (``app.dispatch``).

    With ``fake`` given, missing ``trigger_id``s are issued by the fake (so the bot can
    open modals with them); otherwise a random, fake-unknown one is used.
    """

    def __init__(self, app, secret: str, fake=None):
        self.app, self.secret, self.fake = app, secret, fake

    def _trigger(self, trigger_id, user_id=None, view_id=None):
        if trigger_id:
            return trigger_id
        if self.fake is not None:
            return self.fake.issue_trigger_id(user_id=user_id, view_id=view_id)
        return new_trigger_id()

    def raw(self, body: str, headers: dict):
        from slack_bolt.request import BoltRequest
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if self.fake is not None:
            check_ack(self.fake, response.body)
        return response

    def command(self, text: str, user_id: str, channel_id: str, trigger_id: str | None = None, **kw):
        body = slash_command_body(text, user_id=user_id, channel_id=channel_id,
                                  trigger_id=self._trigger(trigger_id, user_id), **kw)
        return self.raw(body, sign(body, self.secret))

    def submit_view(self, view: dict, values: dict, user_id: str, trigger_id: str | None = None, **kw):
        body = view_submission_body(view, values, user_id=user_id,
                                    trigger_id=self._trigger(trigger_id, user_id, view.get("id")), **kw)
        return self.raw(body, sign(body, self.secret))

    def action(self, action_id: str, value, user_id: str, trigger_id: str | None = None, **kw):
        view_id = (kw.get("view") or {}).get("id")
        body = block_actions_body(action_id, value, user_id=user_id,
                                  trigger_id=self._trigger(trigger_id, user_id, view_id), **kw)
        return self.raw(body, sign(body, self.secret))

    def event(self, event: dict, event_id: str, retry_num: int | None = None,
              retry_reason: str = "http_timeout", **kw):
        body = event_body(event, event_id=event_id, **kw)
        return self.raw(body, _event_headers(body, self.secret, retry_num, retry_reason))


@dataclass
class HttpResult:
    status: int
    headers: dict
    body: str
    elapsed: float

    def json(self):
        return json.loads(self.body)


class HttpCaller(BoltCaller):
    """The same requests over real HTTP to ``<base_url>/slack/events``."""

    def __init__(self, base_url: str, secret: str, fake=None, timeout: float = 10):
        super().__init__(None, secret, fake)
        self.endpoint = base_url.rstrip("/") + "/slack/events"
        self.timeout = timeout

    def raw(self, body: str, headers: dict) -> HttpResult:
        req = Request(self.endpoint, data=body.encode("utf-8"), headers=headers, method="POST")
        start = time.monotonic()
        try:
            with urlopen(req, timeout=self.timeout) as resp:
                status, rheaders, rbody = resp.status, dict(resp.headers), resp.read()
        except HTTPError as e:
            status, rheaders, rbody = e.code, dict(e.headers), e.read()
        result = HttpResult(status, rheaders, rbody.decode("utf-8", "replace"), time.monotonic() - start)
        if self.fake is not None:
            check_ack(self.fake, result.body)
        return result
