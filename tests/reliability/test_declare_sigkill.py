"""SIGKILL a real `incident-bot serve` at each step of a declaration, just after Slack carried
the step out and before the bot heard back; restart it: one channel, one announcement, one
pinned info message, one DM to the reporter. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.views.ids import Callback
from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, wait_for, wait_healthy
from tests.support import SECRET, declare_values

REPORTER = "UREPORTER"


def _steps(fake):  # type: ignore[no-untyped-def]
    incidents = fake.incidents_channel_id

    def in_incident_channel(args):  # type: ignore[no-untyped-def]
        return args.get("channel") not in (incidents, REPORTER)

    return {
        "create the channel": ("conversations.create", None),
        "invite": ("conversations.invite", None),
        "set the topic": ("conversations.setTopic", None),
        "post the info message": ("chat.postMessage", in_incident_channel),
        "pin it": ("pins.add", None),
        "announce": ("chat.postMessage", lambda args: args.get("channel") == incidents),
        "tell the reporter": ("chat.postMessage", lambda args: args.get("channel") == REPORTER),
    }


STEPS = list(_steps(type("F", (), {"incidents_channel_id": "C"})()))


def _announcements(fake):  # type: ignore[no-untyped-def]
    return [m for m in fake.messages_in(fake.incidents_channel_id) if "HOT-1" in m["text"]]


def _told(fake):  # type: ignore[no-untyped-def]
    return [m for m in fake.dm_messages(REPORTER) if "You declared" in m["text"]]


def _finished(fake):  # type: ignore[no-untyped-def]
    channel = fake.channel_by_name("hot-1")
    return channel and channel.topic and channel.pins and _announcements(fake) and _told(fake)


@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_declaration_step_then_restart_leaves_one_of_each(slack, tmp_path, database_url, step):
    method, when = _steps(slack)[step]
    # The restarted process takes over the dead one's claims after a second, not 5 minutes.
    env = bot_env(slack, tmp_path, DATABASE_URL=database_url, EFFECT_STALE_CLAIM="1")
    port = int(env["PORT"])
    hold = slack.hold_answer(method, when)
    with bot_process("serve", env, tmp_path / "first.log") as first:
        wait_healthy(port)
        caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)
        caller.command("declare Payments down", user_id=REPORTER, channel_id=slack.general_channel_id)
        view = wait_for(lambda: [v for v in slack.views_opened if v.get("callback_id") == Callback.DECLARE],
                        what="the declare modal")[-1]
        assert caller.submit_view(view, declare_values("Payments down", severity=1), user_id=REPORTER).status == 200
        assert hold.reached.wait(20), f"the declaration never got to {step}"
        first.kill()  # SIGKILL: Slack did the step, the bot never heard back
        first.wait(10)
    hold.release()

    with bot_process("serve", env, tmp_path / "restarted.log"):
        wait_healthy(port)
        wait_for(lambda: _finished(slack), timeout=30, what=f"the declaration finished after a kill at {step}")

    assert [c.name for c in slack.channels.values() if c.name.startswith("hot-")] == ["hot-1"]
    channel = slack.channel_by_name("hot-1")
    assert channel.topic == "HOT-1 | Sev 1 | Pending | IM: unassigned | Payments down"
    assert len(channel.pins) == 1
    infos = [m for m in slack.messages_in(channel.id) if "/incident role incident-manager me" in str(m.get("blocks"))]
    assert [m["ts"] for m in infos] == channel.pins
    assert len(_announcements(slack)) == 1 and len(_told(slack)) == 1
    assert REPORTER in channel.members
    assert slack.violations == []
