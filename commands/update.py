"""`/incident update`: the comms modal, its submission, and the nag DM's "Post an update" button.

The submission is validated first (inline errors, nothing saved), then saved with the new
deadline in one transaction, acked, and only then posted: once the person sees the modal
close, the update exists and the nags for the old deadline will not be sent.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.core import deadlines
from bot.core.comms import CommsUpdateDraft, render_title, update_defaults, validate_update
from bot.core.incident import RESOLVED
from bot.scheduler.nags import nag_state, policy
from bot.services import Services
from bot.slack_edge import SlackFailure
from bot.views.blocks import input_value
from bot.views.ids import Action, Block, Callback
from bot.views.update import FIELD_BLOCKS, posted_update, private_update_notice, update_modal
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import verb
from storage import incidents, nags, timeline
from storage.models import CommsUpdate

log = logging.getLogger(__name__)


def _no_args(args: str) -> None:
    if args.strip():
        raise CommandError("`update` takes no arguments: it opens a form for the update.")


@verb("update", usage="update", parse=_no_args)
def update(ctx: CommandContext) -> None:
    open_modal(ctx.services, ctx.incident_id or 0, ctx.trigger_id)


def open_modal(services: Services, incident_id: int, trigger_id: str) -> None:
    settings = services.settings
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        if incident.status == RESOLVED:
            raise CommandError(f"{incident.key} is resolved: its final communications are part of the resolve. "
                               "`/incident reopen` first if the impact is back.")
        previous = s.scalars(select(CommsUpdate.fields).where(CommsUpdate.incident_id == incident_id)
                             .order_by(CommsUpdate.posted_at.desc(), CommsUpdate.id.desc()).limit(1)).first()
        where = settings.incidents_channel if settings.incidents_channel.startswith("#") else "the incidents channel"
        defaults = update_defaults(
            products=tuple(incident.affected_products or ()), faulty_service=incident.faulty_service,
            impact=incident.impact, channel_name=incident.channel_name, where=where, now=services.now(),
            update_interval=settings.update_interval, previous=previous,
        )
        key = incident.key
    minutes = int(settings.initial_comms_deadline.total_seconds() // 60)
    services.slack.open_view(trigger_id, update_modal(incident_id=incident_id, key=key, defaults=defaults,
                                                      initial_comms_minutes=minutes))


def register(app: App, services: Services) -> None:
    @app.view(Callback.UPDATE)
    def update_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submit(ack, body, services)

    @app.action(Action.OPEN_UPDATE)
    def open_from_nag(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        try:
            incident_id = int(body["actions"][0]["value"])
            open_modal(services, incident_id, body["trigger_id"])
        except CommandError as exc:
            services.slack.dm(user, str(exc))
        except (ValueError, LookupError):
            log.warning("open-update button with a bad value: %r", body.get("actions"))
            services.slack.dm(user, "That button no longer points at an incident; use `/incident update` in "
                              "the incident channel.")


class _Refused(Exception):
    pass


def submit(ack: Ack, body: dict[str, Any], services: Services) -> None:
    values = body["view"]["state"]["values"]
    settings = services.settings
    now = services.now()
    author = body["user"]["id"]
    incident_id = int(body["view"]["private_metadata"])
    with services.sessions.begin() as s:
        # The first update is the short initial message; the 2-4 bullet rule is for follow-ups.
        first = incidents.get(s, incident_id).last_update_at is None
    draft, errors = validate_update(
        state_and_impact=input_value(values, Block.UPDATE_STATE),
        customer_impact=input_value(values, Block.UPDATE_CUSTOMER_IMPACT),
        customers_affected=input_value(values, Block.UPDATE_CUSTOMERS_AFFECTED),
        root_cause=input_value(values, Block.UPDATE_ROOT_CAUSE),
        eta=input_value(values, Block.UPDATE_ETA),
        next_update_epoch=input_value(values, Block.UPDATE_NEXT_AT),
        next_update_where=input_value(values, Block.UPDATE_NEXT_WHERE),
        current_status=input_value(values, Block.UPDATE_CURRENT_STATUS),
        next_steps=input_value(values, Block.UPDATE_NEXT_STEPS),
        support_cases=input_value(values, Block.SUPPORT_CASES), first=first,
        now=now, update_interval=settings.update_interval, block_ids=FIELD_BLOCKS,
    )
    if draft is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        update_id = _save(services, incident_id, draft, author)
    except _Refused as exc:
        ack(response_action="errors", errors={Block.UPDATE_STATE: str(exc)})
        return
    ack()
    _post(services, incident_id, update_id, draft, author)


def _save(services: Services, incident_id: int, draft: CommsUpdateDraft, author: str) -> int:
    """The update, the new deadline and the timeline entry, in one transaction."""
    settings = services.settings
    now = services.now()
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        if incident.status == RESOLVED:
            raise _Refused(f"{incident.key} was resolved meanwhile; this update was not posted.")
        first = incident.last_update_at is None
        update = CommsUpdate(incident_id=incident_id, author_id=author, posted_at=now,
                             next_update_at=draft.next_update_at, fields=draft.as_fields())
        s.add(update)
        s.flush()
        incident.last_update_at = now
        if draft.support_cases is not None:
            incident.support_cases = draft.support_cases
        incident.next_update_due = deadlines.next_update_due(now, draft.next_update_at, settings.update_interval)
        incident.next_nag_at = deadlines.next_nag_at(nag_state(incident), now, policy(settings))
        # Reminders for the deadline this update met are stale now.
        nags.skip_unsent(s, incident_id=incident_id, kinds=deadlines.COMMS_KINDS, now=now, reason="update posted")
        timeline.record(
            s, incident_id=incident_id, kind="update", source="command", actor_id=author, occurred_at=now,
            recorded_at=now,
            text=f"{'Initial communications' if first else 'Update'} posted by <@{author}>: {draft.state_and_impact}",
            data={"event": "update", "comms_update_id": update.id, "first": first,
                  "next_update_due": incident.next_update_due.isoformat()},
        )
        return update.id


def _post(services: Services, incident_id: int, update_id: int, draft: CommsUpdateDraft, author: str) -> None:
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        key, severity, summary = incident.key, incident.severity, incident.summary
        channel_id, private = incident.channel_id, incident.private
    text, blocks = posted_update(key=key, severity=severity, summary=summary, draft=draft, author_id=author)
    channel_ts = announcement_ts = None
    failures: list[str] = []
    if channel_id:
        try:
            channel_ts = services.slack.post(channel_id, text, blocks=blocks)["ts"]
        except SlackFailure as exc:
            log.error("%s: update %s not posted in the incident channel: %s", key, update_id, exc)
            failures.append(f"the incident channel ({exc.error})")
    target = services.settings.incidents_channel
    if target:
        notice, notice_blocks = private_update_notice(key) if private else (text, blocks)
        try:
            announcement_ts = services.slack.post(services.slack.resolve_channel(target), notice,
                                                  blocks=notice_blocks)["ts"]
        except SlackFailure as exc:
            log.error("%s: update %s not posted in the incidents channel: %s", key, update_id, exc)
            failures.append(f"the incidents channel ({exc.error})")
    with services.sessions.begin() as s:
        saved = s.get(CommsUpdate, update_id)
        if saved is not None:
            saved.channel_ts, saved.announcement_ts = channel_ts, announcement_ts
    if failures:
        services.slack.dm(author, f"Your update for {render_title(key, severity, summary)} is saved and the "
                          f"deadline moved, but Slack refused to post it in {' and '.join(failures)}. "
                          "Copy it from here if needed:\n" + text)
