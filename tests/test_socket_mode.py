"""`incident-bot run` (Socket Mode, the default transport) against a local Socket Mode server."""

from __future__ import annotations

from bot.views.ids import Callback
from tests.fakeslack import SocketModeServer
from tests.processes import bot_env, bot_process, wait_for


def _slash_payload(text: str, *, user_id: str, channel_id: str, trigger_id: str) -> dict[str, str]:
    return {
        "token": "legacy", "team_id": "T0001", "team_domain": "example", "channel_id": channel_id,
        "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(), "command": "/incident",
        "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001/1/x", "trigger_id": trigger_id,
    }


def test_run_acks_a_slash_command_envelope_and_does_the_work(slack, tmp_path):
    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test")
        with bot_process("run", env, tmp_path / "run.log"):
            server.wait_for_connection(timeout=20)

            help_id = server.send_envelope("slash_commands", _slash_payload(
                "help", user_id="UALICE", channel_id=slack.general_channel_id, trigger_id=slack.issue_trigger_id()))
            ack = server.wait_for_ack(help_id, timeout=10)
            assert "/incident declare [summary]" in str(ack.get("payload"))

            declare_id = server.send_envelope("slash_commands", _slash_payload(
                "declare Search is down", user_id="UREPORTER", channel_id=slack.general_channel_id,
                trigger_id=slack.issue_trigger_id()))
            server.wait_for_ack(declare_id, timeout=10)
            view = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == Callback.DECLARE],
                            what="the declare modal")[-1]
            assert view["blocks"][0]["element"]["initial_value"] == "Search is down"
            server.stop()
    assert slack.calls_to("apps.connections.open")
