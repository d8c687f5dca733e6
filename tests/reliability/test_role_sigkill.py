"""SIGKILL a real `incident-bot serve` just after Slack carried out a role change's channel post
(or the new holder's DM) and before the bot heard back; restart it: the post, the new holder's
DM and the old holder's DM are there once each. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.views.ids import Callback
from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, wait_for, wait_healthy
from tests.support import SECRET, declare_values

REPORTER, OLD, HOLDER, BACKUP = "UREPORTER", "UALICE", "UBOB", "UCAROL"
LINE = "<@UBOB> is now the incident manager"
STEPS = {
    "the channel post": lambda args: LINE in str(args.get("text")),
    "the holder's DM": lambda args: args.get("channel") == HOLDER,
}


def _posted(fake, channel_id):  # type: ignore[no-untyped-def]
    return [m for m in fake.messages_in(channel_id) if LINE in m.get("text", "")]


def _welcomed(fake):  # type: ignore[no-untyped-def]
    return [m for m in fake.dm_messages(HOLDER) if "You are now the *incident manager*" in m["text"]]


def _relieved(fake):  # type: ignore[no-untyped-def]
    return [m for m in fake.dm_messages(OLD) if "You are no longer the incident manager" in m["text"]]


@pytest.mark.parametrize("step", list(STEPS))
def test_sigkill_after_a_role_change_reached_slack_then_restart_posts_it_once(slack, tmp_path, database_url, step):
    env = bot_env(slack, tmp_path, DATABASE_URL=database_url, EFFECT_STALE_CLAIM="1")
    port = int(env["PORT"])
    with bot_process("serve", env, tmp_path / "first.log") as first:
        wait_healthy(port)
        caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)
        caller.command("declare Payments down", user_id=REPORTER, channel_id=slack.general_channel_id)
        view = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == Callback.DECLARE],
                        what="the declare modal")[-1]
        assert caller.submit_view(view, declare_values("Payments down", severity=1), user_id=REPORTER).status == 200
        channel = wait_for(lambda: slack.channel_by_name("hot-1") if slack.channel_by_name("hot-1")
                           and slack.channel_by_name("hot-1").pins else None, what="the declaration")
        caller.command("role im me", user_id=OLD, channel_id=channel.id)
        caller.command(f"role backup-im <@{BACKUP}>", user_id=OLD, channel_id=channel.id)
        wait_for(lambda: "Backup IM: <@UCAROL>" in channel.topic, what="Alice IM, Carol her backup")
        # The backup IM hands the role to Bob: the channel, Bob and Alice are told.
        hold = slack.hold_answer("chat.postMessage", STEPS[step])
        caller.command(f"role im <@{HOLDER}>", user_id=BACKUP, channel_id=channel.id)
        assert hold.reached.wait(20), f"the role change never got to {step}"
        first.kill()  # SIGKILL: Slack did it, the bot never heard back
        first.wait(10)
    hold.release()

    with bot_process("serve", env, tmp_path / "restarted.log"):
        wait_healthy(port)
        wait_for(lambda: _posted(slack, channel.id) and _welcomed(slack) and _relieved(slack)
                 and "IM: <@UBOB>" in channel.topic, timeout=30, what=f"the role change finished after a kill at {step}")

    assert len(_posted(slack, channel.id)) == 1 and len(_welcomed(slack)) == 1 and len(_relieved(slack)) == 1
    assert HOLDER in channel.members
    assert slack.violations == []
