"""Test helpers for the ways in beyond slash commands: webhook requests into the bot's WSGI
app (in-process, as waitress would hand them over) and Slack message-shortcut payloads."""

from __future__ import annotations

import io
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bot.server import inbound_app
from tests.fakeslack.signed import VERIFICATION_TOKEN, new_trigger_id, sign
from tests.fakeslack.state import APP_ID, TEAM_DOMAIN, TEAM_ID


@dataclass
class WebhookReply:
    status: int
    text: str


def post(deps: Any, path: str, body: bytes, headers: dict[str, str]) -> WebhookReply:
    """POSTs `body` to the bot's inbound WSGI app (`/healthz`, `/webhooks/*`)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "test", "SERVER_PORT": "80",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen: dict[str, str] = {}

    def start_response(status: str, _headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    chunks = inbound_app(deps)(environ, start_response)
    return WebhookReply(int(seen["status"].split()[0]), b"".join(chunks).decode("utf-8"))


def message_shortcut(bot: Any, callback_id: str, *, user: str, channel: str, message: dict[str, Any]) -> Any:
    """A signed `message_action`, shaped like Slack's MessageShortcutPayload."""
    from urllib.parse import urlencode

    payload = {
        "type": "message_action", "callback_id": callback_id, "trigger_id": bot.fake.issue_trigger_id(user_id=user),
        "message_ts": message["ts"], "response_url": "https://hooks.slack.com/app/T0001/1/shortcut",
        "message": {"type": "message", "user": message.get("user"), "text": message.get("text", ""),
                    "ts": message["ts"], **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {})},
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN}, "user": {"id": user, "name": user.lower(), "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "channel"}, "token": VERIFICATION_TOKEN, "action_ts": f"{time.time():.6f}",
        "is_enterprise_install": False, "api_app_id": APP_ID,
    }
    body = urlencode({"payload": json.dumps(payload)})
    response = bot.caller.raw(body, sign(body, bot.caller.secret))
    bot.drain()
    return response


def unused_trigger() -> str:
    return new_trigger_id() + uuid.uuid4().hex[:4]
