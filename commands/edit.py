"""`/incident edit`: correct what was declared (summary, impact, faulty service, affected
products). The topic, the pinned message and the timeline follow; the incidents channel
hears of a public incident's new summary, since it was announced under the old one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core.edit import FieldChange, change_sentence, changes, validate_edit
from bot.core.authority import Act
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.edit import edit_modal, edited_in_channel, summary_change_announcement
from bot.views.ids import Block, Callback
from bot.errors import CommandError
from commands import authority
from bot.effects import outbox
from commands.context import CommandContext
from commands.registry import verb
from storage import incidents, timeline

def _no_args(args: str) -> None:
    if args.strip():
        raise CommandError("`edit` takes no arguments: it opens a form with the summary, impact, faulty service "
                           "and affected products.")


@verb("edit", usage="edit", parse=_no_args, act=Act.EDIT)
def edit(ctx: CommandContext) -> None:
    deps = ctx.deps
    with deps.sessions.begin() as s:
        snap = incidents.snapshot(incidents.get(s, ctx.incident_id or 0))
        authority.check(s, ctx.user_id, Act.EDIT, snap, typed_in=ctx.channel_id)
    team = deps.team
    deps.slack.open_view(ctx.trigger_id, edit_modal(
        snap, incident_id=ctx.incident_id or 0, services=tuple(s.name for s in team.services), products=team.products))


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.EDIT)
    def edit_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submit(ack, body, deps)


def submit(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    values = body["view"]["state"]["values"]
    actor = body["user"]["id"]
    incident_id = int(body["view"]["private_metadata"])
    team = deps.team
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        before = incidents.snapshot(incident)
        # Asked again at submit: the IM may have changed while the form was open.
        decision = authority.decide(s, actor, Act.EDIT, before)
        if not decision:
            ack(response_action="errors", errors={Block.SUMMARY: decision.reason})
            return
        edited, errors = validate_edit(
            summary=input_value(values, Block.SUMMARY), impact=input_value(values, Block.IMPACT),
            faulty_service=input_value(values, Block.FAULTY_SERVICE),
            affected_products=input_value(values, Block.AFFECTED_PRODUCTS),
            services=tuple(svc.name for svc in team.services), products=team.products, current=before,
        )
        if edited is None:
            ack(response_action="errors", errors=errors)
            return
        found = changes(before, edited)
        for change in found:
            _apply(incident, change)
            timeline.record_system(
                s, incident.id, change_sentence(change, actor=actor), now=now, actor_id=actor,
                data={"event": "edit", "field": change.field, "from": _plain(change.old), "to": _plain(change.new),
                      "by": actor},
            )
        after = incidents.snapshot(incident)
        if found:
            what = f"The edit of {after.key}"
            outbox.sync_channel(s, incident_id, now=now)
            outbox.in_channel(s, incident_id, edited_in_channel(after, found, actor=actor), now=now, tell=actor,
                              what=what)
            summary_change = next((c for c in found if c.field == "summary"), None)
            if deps.settings.incidents_channel and summary_change and not after.private:
                outbox.in_incidents_channel(
                    s, incident_id, summary_change_announcement(after, str(summary_change.old), actor=actor),
                    now=now, tell=actor, what=what)
    ack()
    if not found:
        deps.slack.ephemeral(after.channel_id or actor, actor, f"Nothing changed in {after.key}.")


def _apply(incident: Any, change: FieldChange) -> None:
    value = list(change.new) if isinstance(change.new, tuple) else change.new
    setattr(incident, change.field, value)


def _plain(value: str | tuple[str, ...]) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value
