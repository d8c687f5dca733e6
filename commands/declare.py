"""`/incident declare [summary]`: the modal, then the incident row, then the Slack set-up."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.core.declaration import validate_declaration
from bot.core.incident import channel_name
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.declare import declare_modal
from bot.views.ids import Block, Callback
from bot.effects import declaration as declaration_effects
from bot.flows import declare_sources
from bot.views.slack_text import mention
from commands.context import CommandContext
from commands.registry import verb
from storage import db, incidents, pages, timeline

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
    settings = deps.settings
    source = declare_sources.read(body["view"].get("private_metadata"))
    taken = declare_sources.taken_by(deps, source)
    if taken:
        ack(response_action="errors", errors={Block.SUMMARY: taken})
        return
    permalink = declare_sources.permalink_of(deps, source)
    now = deps.now()
    # The row is written before the modal closes: once the reporter sees it accepted, it exists.
    # before_ack: this transaction goes ahead of set-up steps queued for SQLite's writer.
    with db.before_ack(), deps.sessions.begin() as s:
        incident = incidents.create(
            s, declaration=declaration, prefix=settings.incident_key_prefix, reporter_id=reporter,
            origin_channel_id=source.origin_channel_id, now=now,
            initial_comms_due=now + settings.initial_comms_deadline,
        )
        if settings.video_url_template:
            incidents.set_video_url(incident, settings.video_url_template.format(
                channel=channel_name(settings.incident_key_prefix, incident.number), key=incident.key))
        timeline.record_system(
            s, incident.id,
            f"{incident.key} declared by {mention(reporter)} as Sev "
            f"{incident.severity}: {incident.summary}",
            now=now, actor_id=reporter, data={"event": "declared"},
        )
        declare_sources.attach(s, incident.id, source, permalink=permalink, now=now)
        # The Slack side (channel, invite, topic, pin, announcement, the alert card...) leaves
        # as effects, delivered right after this commit.
        declaration_effects.plan(s, incident_id=incident.id, reporter_id=reporter, now=now,
                                 then=declare_sources.after_channel(source))
        # A paged severity with a faulty service that has a routing key pages its on-call (queued after
        # the channel, so the page can link to it).
        pages.page_faulty_service(s, incident=incident, team=team, settings=settings, old_severity=None,
                                  by=reporter, now=now)
    ack()
