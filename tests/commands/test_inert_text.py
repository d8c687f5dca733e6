"""Text people type is inert: `<!channel>`, `<!here>`, `<!everyone>`, user groups and disguised
links typed into any free-text field never become live in anything the bot posts, DMs, puts in
a topic or the Home tab. A user mention typed in a slash command stays that one mention."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.views.ids import Action, Block, Callback
from commands.home import publish_home
from tests.commands.test_edit import edit_values
from tests.commands.test_postmortem import field_values
from tests.commands.test_resolve import MONDAY_NOON, resolve_values
from tests.commands.test_update import update_values
from tests.support import deliver_due

PING = "<!channel> <!here> <!everyone> <!subteam^S0PS|@oncall> <https://evil.example|docs>"
# What must never reach Slack from typed text: a live broadcast, user group or disguised link.
LIVE = re.compile(r"<!(channel|here|everyone|subteam)|<https://evil\.example")


def mrkdwn_in(node: object) -> list[str]:
    """The mrkdwn texts of blocks (plain_text is never parsed by Slack, so it cannot ping)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [str(node.get("text") or "")]
        return [text for value in node.values() for text in mrkdwn_in(value)]
    if isinstance(node, list):
        return [text for value in node for text in mrkdwn_in(value)]
    return []


def everything_slack_got(slack) -> list[str]:
    """Every mrkdwn text the bot put in front of people: messages (channels and DMs),
    ephemerals, topics, the Home tab."""
    out = []
    for channel in slack.channels.values():
        out.append(channel.topic or "")
        for message in channel.messages:
            if message.get("user") == "UBOT":
                out += [message.get("text") or "", *mrkdwn_in(message.get("blocks") or [])]
    for ephemeral in slack.ephemerals:
        out += [ephemeral.get("text") or "", *mrkdwn_in(ephemeral.get("blocks") or [])]
    for view in slack.home_views.values():
        out += mrkdwn_in(view)
    return out


def test_a_broadcast_typed_into_every_field_stays_text(bot, slack, deps):
    bot.clock.set(MONDAY_NOON)
    channel = bot.declare(f"Checkout {PING}", impact=f"EU customers {PING}")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.join(channel.id, "UBOB")
    # Slack sends typed `<` as `&lt;`, but @channel and a picked mention as markup.
    bot.command(f"note ask <@UBOB|bob> about it {PING}", user="UALICE", channel=channel.id)
    bot.command(f"action priority prevent-future Fix the pool {PING} <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("update", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.UPDATE), update_values(
        bot.clock() + timedelta(hours=1), state=f"Failing {PING}", status=f"- rolled back {PING}\n- watching",
        steps=f"- confirm {PING}\n- tell support", affected=f"2,000 {PING}", root_cause=f"Pool {PING}"), user="UALICE")
    bot.command("edit", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.EDIT), edit_values(summary=f"Checkout down {PING}", impact=f"All {PING}"),
               user="UALICE")
    bot.command("status", user="UALICE", channel=channel.id)
    bot.command("timeline", user="UALICE", channel=channel.id)
    bot.command("list", user="UALICE", channel=slack.general_channel_id)
    bot.clock.advance(minutes=60)
    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE), resolve_values(
        ("2024-05-06", "07:50"), ("2024-05-06", "08:00"), ("2024-05-06", "08:55"), summary=f"Rolled back {PING}"),
        user="UALICE")
    bot.command("postmortem edit summary", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    section_keys = [b["block_id"].removeprefix(Block.POSTMORTEM_FIELD_PREFIX) for b in view["blocks"]
                    if b.get("block_id", "").startswith(Block.POSTMORTEM_FIELD_PREFIX)]
    bot.submit(view, field_values("summary", {key: f"Typed {PING}" for key in section_keys}), user="UALICE")
    bot.command("postmortem", user="UALICE", channel=channel.id)
    bot.command("postmortem approvers <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    request = slack.dm_messages("UBOB")[-1]
    pm_id = next(e["value"] for b in request["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.action(Action.POSTMORTEM_REQUEST_CHANGES, pm_id, user="UBOB", message=request)
    bot.submit(bot.last_view(Callback.POSTMORTEM_CHANGES),
               {Block.REVIEW_COMMENT: {Action.VALUE: {"type": "plain_text_input", "value": f"Redo {PING}"}}},
               user="UBOB")
    deliver_due(deps)
    publish_home(deps, "UALICE")

    seen = everything_slack_got(slack)
    live = [text for text in seen if LIVE.search(text)]
    assert live == []
    joined = "\n".join(seen)
    # Every field reached Slack, escaped.
    for typed in ("Checkout down", "All ", "Failing", "rolled back", "confirm", "2,000", "Pool", "Rolled back",
                  "Fix the pool", "Typed", "Redo", "ask "):
        assert re.search(re.escape(typed) + r"[^\n]*&lt;!channel&gt;", joined), typed
    # The mention typed in the note is still a mention of Bob, and only of him.
    note = next(m["text"] for m in slack.messages_in(channel.id) if "ask " in (m.get("text") or ""))
    assert "<@UBOB>" in note and "&lt;!here&gt;" in note
