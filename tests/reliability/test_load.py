"""200 concurrent signed slash commands against one `incident-bot serve`: all answered, none lost.
(Latency figures come from bench/ack_latency.py, not from a timed assertion.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, wait_for, wait_healthy
from tests.support import SECRET


def test_200_concurrent_commands_are_all_answered_and_none_is_lost(slack, tmp_path):
    # This measures the bot's capacity, not Slack's limits: 200 forms in a second is twice
    # views.open's Tier 4 budget (tests/commands/test_declare.py covers a 429 there).
    slack.enforce_tiers(enabled=False)
    env = bot_env(slack, tmp_path)
    port = int(env["PORT"])
    with bot_process("serve", env, tmp_path / "serve.log"):
        wait_healthy(port)
        caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack, timeout=30)
        # trigger_ids expire 3 s after issue, like Slack's: issue each one as its request is sent.
        def declare(n: int):
            return caller.command(f"declare load {n}", user_id="UREPORTER", channel_id=slack.general_channel_id)

        with ThreadPoolExecutor(max_workers=50) as pool:
            replies = list(pool.map(declare, range(200)))

        assert [r.status for r in replies] == [200] * 200
        opened = wait_for(lambda: (lambda v: v if len(v) == 200 else None)(
            [v for v in slack.views_opened if v.get("callback_id") == "incident_declare"]), timeout=60,
            what="200 modals")
        summaries = sorted(v["blocks"][0]["element"]["initial_value"] for v in opened)
        assert summaries == sorted(f"load {n}" for n in range(200))
        print(f"\n200 concurrent commands: slowest ack {max(r.elapsed for r in replies):.3f}s, "
              f"median {sorted(r.elapsed for r in replies)[100]:.3f}s")
