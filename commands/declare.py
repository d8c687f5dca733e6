"""`/incident declare [summary]`: the modal, then its submission (the work: bot/flows/declare.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.core.declaration import validate_declaration
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.declare import declare_modal
from bot.views.ids import Block, Callback
from bot.flows import declare as declare_flow
from bot.flows import declare_sources
from commands.context import CommandContext
from commands.registry import verb

log = logging.getLogger(__name__)


@verb("declare", usage="declare [summary]", in_incident=False)
def declare(ctx: CommandContext) -> None:
    team = ctx.deps.team
    view = declare_modal(
        summary=ctx.args,
        services=tuple(s.name for s in team.services),
        products=team.products,
        origin_channel=ctx.channel_id,
    )
    ctx.deps.slack.open_view(ctx.trigger_id, view)


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.DECLARE)
    def declare_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submit(ack, body, deps)


def submit(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    values = body["view"]["state"]["values"]
    team = deps.team
    declaration, errors = validate_declaration(
        summary=input_value(values, Block.SUMMARY),
        impact=input_value(values, Block.IMPACT),
        severity=input_value(values, Block.SEVERITY),
        faulty_service=input_value(values, Block.FAULTY_SERVICE),
        affected_products=input_value(values, Block.AFFECTED_PRODUCTS),
        private="private" in (input_value(values, Block.PRIVATE) or []),
        services=tuple(s.name for s in team.services),
        products=team.products,
    )
    if declaration is None:
        ack(response_action="errors", errors=errors)
        return
    reporter = body["user"]["id"]
    source = declare_sources.read(body["view"].get("private_metadata"))
    taken = declare_sources.taken_by(deps, source)
    if taken:
        ack(response_action="errors", errors={Block.SUMMARY: taken})
        return
    permalink = declare_sources.permalink_of(deps, source)
    # The row is written before the modal closes: once the reporter sees it accepted, it exists.
    declare_flow.declare(deps, declaration, reporter=reporter, source=source, permalink=permalink)
    ack()
