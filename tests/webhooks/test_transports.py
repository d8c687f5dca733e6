"""Both transports serve the webhooks: `serve` beside /slack/events, and `run` (Socket Mode)
on $PORT for /healthz and /webhooks/* only, when a webhook secret or token is set."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.fakealertmanager import sender
from tests.fakeslack import SocketModeServer
from tests.processes import bot_env, bot_process, wait_for, wait_healthy

TOKEN = "am-token-run"


def _post(port, path, body, headers):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _alert():
    return sender.notification(labels={"alertname": "DiskFull", "severity": "error"},
                               annotations={"summary": "Disk full on db-1"})


def test_run_listens_for_webhooks_when_a_token_is_set(slack, tmp_path):
    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test", ALERTMANAGER_WEBHOOK_TOKEN=TOKEN)
        port = int(env["PORT"])
        with bot_process("run", env, tmp_path / "run.log"):
            wait_healthy(port)
            assert _post(port, "/webhooks/alertmanager", *sender.request(_alert(), "wrong")) == 401
            assert _post(port, "/webhooks/alertmanager", *sender.request(_alert(), TOKEN)) == 200
            wait_for(lambda: [m for m in slack.messages_in(slack.incidents_channel_id) if "Disk full" in m["text"]],
                     what="the alert card")
            # Slack's requests come over the socket: no /slack/events here.
            assert _post(port, "/slack/events", b"{}", {"Content-Type": "application/json"}) == 404
            server.stop()


def test_serve_takes_webhooks_beside_slack(slack, tmp_path):
    env = bot_env(slack, tmp_path, ALERTMANAGER_WEBHOOK_TOKEN=TOKEN)
    port = int(env["PORT"])
    with bot_process("serve", env, tmp_path / "serve.log"):
        wait_healthy(port)
        assert _post(port, "/webhooks/alertmanager", *sender.request(_alert(), None)) == 401
        assert _post(port, "/webhooks/alertmanager", *sender.request(_alert(), TOKEN)) == 200
        wait_for(lambda: [m for m in slack.messages_in(slack.incidents_channel_id) if "Disk full" in m["text"]],
                 what="the alert card")
