"""The one `/incident` listener: parse, validate, ack within Slack's 3 seconds, then work."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.slack_edge import SlackFailure
from bot.views.help import help_text
from bot.errors import CommandError, Refusal
from commands import authority
from commands.context import CommandContext
from commands.registry import VERBS, Reply
from storage import incidents, members

log = logging.getLogger(__name__)

# Slack sends a command's text with `&`, `<` and `>` escaped (the `&` inside a link too); its
# own markup (`<@U1|name>`, `<https://...>`) stays markup. One pass undoes exactly that, so
# `&amp;lt;` (a person typing `&lt;`) becomes `&lt;`, not `<`.
_ESCAPED = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}


def unescape(text: str) -> str:
    """The command text as the person typed it (Slack's markup for mentions and links kept)."""
    # A NUL cannot be stored (PostgreSQL refuses it in text) and means nothing to a person.
    return _ESCAPED.sub(lambda m: _UNESCAPED[m.group(1)], text).replace("\x00", "")


def register(app: App, deps: Deps) -> None:
    @app.command("/incident")
    def incident_command(ack: Ack, body: dict[str, Any]) -> None:
        handle(ack, body, deps)


def handle(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    # The only place command text is unescaped: everything after this sees what was typed.
    text = " ".join(unescape(body.get("text") or "").split())
    word, _, args = text.partition(" ")
    word = word.lower()
    if word in ("", "help"):
        ack(text=help_text(extra_roles=tuple(deps.team.extra_roles)))
        return
    entry = VERBS.get(word)
    if entry is None:
        ack(text=help_text(f"`{word}` is not an /incident verb.", extra_roles=tuple(deps.team.extra_roles)))
        return
    try:
        parsed = entry.parse(args) if entry.parse else args
    except CommandError as exc:
        ack(text=f"{exc}\nUsage: `/incident {entry.usage}`")
        return
    ctx = CommandContext(
        deps=deps, user_id=body["user_id"], channel_id=body["channel_id"], args=args, parsed=parsed,
        trigger_id=body.get("trigger_id", ""), body=body,
    )
    if entry.in_incident:
        refusal = None
        with deps.sessions.begin() as s:
            incident = incidents.get_by_channel(s, ctx.channel_id)
            ctx.incident_id = incident.id if incident else None
            if incident is not None and not members.is_member(s, channel_id=ctx.channel_id, user_id=ctx.user_id):
                # Typing in the channel proves membership; a join event lost or not yet seen is healed here.
                members.add(s, channel_id=ctx.channel_id, user_ids=[ctx.user_id], now=deps.now())
            if incident is not None and entry.act is not None:
                decision = authority.decide(s, ctx.user_id, entry.act, incidents.snapshot(incident),
                                            typed_in=ctx.channel_id)
                refusal = None if decision else decision.reason
        if refusal:
            # Refused in the ack: nothing ran, nothing changed.
            ack(text=refusal)
            return
        if ctx.incident_id is None:
            ack(text=f"`/incident {entry.name}` works in an incident channel (like #{deps.settings.channel_prefix}-1). "
                     "`/incident list` shows the open incidents.")
            return
    if entry.answers_in_ack:
        try:
            reply: Reply = entry.run(ctx)
        except CommandError as exc:
            ack(text=str(exc))
            return
        ack(text=reply.text, blocks=reply.blocks)
        return
    ack()
    try:
        entry.run(ctx)
    except Refusal as exc:
        ctx.reply(str(exc))
    except CommandError as exc:
        ctx.reply(f"{exc}\nUsage: `/incident {entry.usage}`")
    except SlackFailure as exc:
        if exc.error == "ratelimited":
            log.warning("/incident %s by %s: Slack answered 429 to %s", entry.name, ctx.user_id, exc.method)
            ctx.reply(f"Slack is busy right now and did not let me finish `/incident {entry.name}`; "
                      "nothing was lost. Run it again in a minute.")
            return
        log.error("/incident %s by %s failed: %s", entry.name, ctx.user_id, exc)
        ctx.reply(f"Slack refused part of `/incident {entry.name}`: {exc}. What was saved is kept; try again, "
                  "or ask your Slack admin if it says a scope is missing.")
