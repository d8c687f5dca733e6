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
        log = tmp_path / "run.log"
        with bot_process("run", env, log):
            server.wait_for_connection(timeout=20)
            wait_for(lambda: "Connected to Slack in Socket Mode" in log.read_text(), what="'Connected' in the log")
            started = log.read_text()
            # said once the socket is open, not before; and none of the libraries' start-up chatter
            assert started.index("Slack accepted the bot token") < started.index("Connected to Slack")
            assert "running in Socket Mode" not in started
            assert "alembic" not in started and "will be unused" not in started and "apscheduler" not in started

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


def test_a_socket_mode_redelivery_of_a_reaction_is_recorded_once(slack, tmp_path):
    from sqlalchemy import create_engine, text

    from tests.support import declare_values

    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        env = bot_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-test")
        with bot_process("run", env, tmp_path / "run.log"):
            server.wait_for_connection(timeout=20)
            server.wait_for_ack(server.send_envelope("slash_commands", _slash_payload(
                "declare Search is down", user_id="UREPORTER", channel_id=slack.general_channel_id,
                trigger_id=slack.issue_trigger_id())), timeout=10)
            view = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == Callback.DECLARE],
                            what="the declare modal")[-1]
            submission = {
                "type": "view_submission", "team": {"id": "T0001", "domain": "example"},
                "user": {"id": "UREPORTER", "username": "reporter", "name": "reporter", "team_id": "T0001"},
                "api_app_id": "A0001", "token": "legacy", "trigger_id": slack.issue_trigger_id(),
                "view": {**view, "state": {"values": declare_values("Search is down", severity=1)}},
                "response_urls": [], "is_enterprise_install": False,
            }
            server.wait_for_ack(server.send_envelope("interactive", submission), timeout=10)
            channel = wait_for(lambda: slack.channel_by_name("hot-1"), what="#hot-1")
            message = slack.post_user_message(channel.id, "UREPORTER", "CPU on search-7 is pegged")
            event = {
                "token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
                "event_id": "EvSocket0001", "event_time": 1700000000,
                "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
                "event": {"type": "reaction_added", "user": "UALICE", "reaction": "mag", "item_user": "UREPORTER",
                          "item": {"type": "message", "channel": channel.id, "ts": message["ts"]},
                          "event_ts": "1700000000.000100"},
            }
            server.wait_for_ack(server.send_envelope("events_api", event), timeout=10)
            server.wait_for_ack(server.send_envelope("events_api", event, retry_attempt=1,
                                                     retry_reason="timeout"), timeout=10)
            engine = create_engine(env["DATABASE_URL"])
            count = "SELECT count(*) FROM timeline_entries WHERE kind = 'observation'"
            with engine.connect() as conn:
                wait_for(lambda: conn.execute(text(count)).scalar_one() >= 1, what="the observation")
            import time

            time.sleep(1)  # give a wrongly doubled redelivery the time to land before counting
            with engine.connect() as conn:
                assert conn.execute(text(count)).scalar_one() == 1
            engine.dispose()
            server.stop()
