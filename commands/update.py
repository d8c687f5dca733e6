"""`/incident update`: the comms modal, its submission, and the nag DM's "Post an update" button.

The submission is validated first (inline errors, nothing saved), then saved with the new
deadline and its posts (effects) in one transaction, and acked: once the person sees the
modal close, the update exists, will be posted, and the nags for the old deadline will not
be sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.core.authority import Act
from bot.core import deadlines
from bot.core.comms import CommsUpdateDraft, render_title, update_defaults, validate_update
from bot.core.external_comms import ExternalDraft
from bot.core.incident import INCIDENT_MANAGER, RESOLVED
from bot.scheduler.nags import policy
from bot.deps import Deps
from bot.views.blocks import input_value
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import inert, mention
from bot.views.update import FIELD_BLOCKS, posted_update, private_update_notice, update_modal
from bot.errors import CommandError
from commands import authority
from bot.flows import external_comms
from commands.context import CommandContext
from commands.registry import verb
from storage import effects, incidents, nags, timeline, updates

log = logging.getLogger(__name__)

def _no_args(args: str) -> None:
    if args.strip():
        raise CommandError("`update` takes no arguments: it opens a form for the update.")


@verb("update", usage="update", parse=_no_args, act=Act.UPDATE)
def update(ctx: CommandContext) -> None:
    open_modal(ctx.deps, ctx.incident_id or 0, ctx.trigger_id, user_id=ctx.user_id, typed_in=ctx.channel_id)


def _authorize(s: Any, incident: Any, user_id: str, *, nag_role: str | None, typed_in: str | None = None) -> None:
    """The command and the modal: who may post updates; a nag's button: who holds its role now."""
    snap = incidents.snapshot(incident)
    if nag_role:
        authority.check(s, user_id, Act.UPDATE_FROM_NAG, snap, nag_role=nag_role)
    else:
        authority.check(s, user_id, Act.UPDATE, snap, typed_in=typed_in)


def open_modal(deps: Deps, incident_id: int, trigger_id: str, *, user_id: str, nag_role: str | None = None,
               typed_in: str | None = None) -> None:
    settings = deps.settings
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        _authorize(s, incident, user_id, nag_role=nag_role, typed_in=typed_in)
        if incident.status == RESOLVED:
            raise CommandError(f"{incident.key} is resolved: its final communications are part of the resolve. "
                               "`/incident reopen` first if the impact is back.")
        previous = updates.latest_fields(s, incident_id)
        where = settings.incidents_channel if settings.incidents_channel.startswith("#") else "the incidents channel"
        defaults = update_defaults(
            products=tuple(incident.affected_products or ()), faulty_service=incident.faulty_service,
            impact=incident.impact, channel_name=incident.channel_name, where=where, now=deps.now(),
            update_interval=settings.update_interval, previous=previous,
        )
        key = incident.key
        external = external_comms.update_part(deps, s, incident.id, defaults.external_draft)
    minutes = int(settings.initial_comms_deadline.total_seconds() // 60)
    deps.slack.open_view(trigger_id, update_modal(incident_id=incident_id, key=key, defaults=defaults,
                                                      initial_comms_minutes=minutes, nag_role=nag_role,
                                                      external=external))


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.UPDATE)
    def update_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submit(ack, body, deps)

    @app.action(Action.OPEN_UPDATE)
    def open_from_nag(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        try:
            # `<incident id>:<role>`; buttons from before roles were named were sent to the IM.
            value, _, role = str(body["actions"][0]["value"]).partition(":")
            incident_id = int(value)
            open_modal(deps, incident_id, body["trigger_id"], user_id=user, nag_role=role or INCIDENT_MANAGER)
        except CommandError as exc:
            deps.slack.dm(user, str(exc))
        except (ValueError, LookupError):
            log.warning("open-update button with a bad value: %r", body.get("actions"))
            deps.slack.dm(user, "That button no longer points at an incident; use `/incident update` in "
                              "the incident channel.")


class _Refused(Exception):
    pass

def submit(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    values = body["view"]["state"]["values"]
    settings = deps.settings
    now = deps.now()
    author = body["user"]["id"]
    incident_id, nag_role = _metadata(body["view"].get("private_metadata") or "")
    with deps.sessions.begin() as s:
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
    external, external_errors = external_comms.read_part(values)
    if draft is None or external_errors:
        ack(response_action="errors", errors=errors | external_errors)
        return
    try:
        _save(deps, incident_id, draft, author, nag_role=nag_role, external=external)
    except _Refused as exc:
        ack(response_action="errors", errors={Block.UPDATE_STATE: str(exc)})
        return
    ack()


def _metadata(text: str) -> tuple[int, str | None]:
    """The modal's incident and nag role; a bare number is a modal opened before roles were named."""
    if text.strip().isdigit():
        return int(text), None
    meta = json.loads(text)
    return int(meta["incident_id"]), meta.get("nag_role") or None


def _save(deps: Deps, incident_id: int, draft: CommsUpdateDraft, author: str, *,
          nag_role: str | None = None, external: ExternalDraft | None = None) -> int:
    """The update, the new deadline, the timeline entry and the posts (effects), in one
    transaction: once the modal closes, the update exists and will be posted."""
    settings = deps.settings
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        try:
            # Checked again on submit: the role may have moved since the modal opened.
            _authorize(s, incident, author, nag_role=nag_role)
        except CommandError as exc:
            raise _Refused(str(exc)) from None
        if incident.status == RESOLVED:
            raise _Refused(f"{incident.key} was resolved meanwhile; this update was not posted.")
        first = incident.last_update_at is None
        update_id = updates.add(s, incident_id=incident_id, author_id=author, posted_at=now,
                                next_update_at=draft.next_update_at, fields=draft.as_fields())
        if draft.support_cases is not None:
            incidents.set_support_cases(incident, draft.support_cases)
        nags.record_comms_update(
            incident, at=now,
            next_update_due=deadlines.next_update_due(now, draft.next_update_at, settings.update_interval),
            rules=policy(settings))
        # Reminders for the deadline this update met are stale now.
        nags.skip_unsent(s, incident_id=incident_id, kinds=deadlines.COMMS_KINDS, now=now, reason="update posted")
        timeline.record(
            s, incident_id=incident_id, kind="update", source="command", actor_id=author, occurred_at=now,
            recorded_at=now,
            text=f"{'Initial communications' if first else 'Update'} posted by {mention(author)}: "
                 f"{draft.state_and_impact}",
            data={"event": "update", "comms_update_id": update_id, "first": first,
                  "next_update_due": incident.next_update_due.isoformat()},
        )
        text, blocks = posted_update(key=incident.key, severity=incident.severity, summary=incident.summary,
                                     draft=draft, author_id=author)
        what = f"Your update for {render_title(incident.key, incident.severity, inert(incident.summary))}"
        # The incident channel and the incidents channel are two destinations: one refusing
        # (an archived channel) does not hold up the other.
        effects.enqueue(s, kind="slack.post", incident_id=incident_id, now=now, tell=author,
                        ordering_key=effects.channel_key(incident_id),
                        payload={"channel": "incident", "text": text, "blocks": blocks, "what": what,
                                 "record": {"as": "comms_update", "id": update_id, "field": "channel_ts"}})
        if settings.incidents_channel:
            notice, notice_blocks = private_update_notice(incident.key) if incident.private else (text, blocks)
            effects.enqueue(s, kind="slack.post", incident_id=incident_id, now=now, tell=author,
                            payload={"channel": "incidents", "text": notice, "blocks": notice_blocks, "what": what,
                                     "record": {"as": "comms_update", "id": update_id, "field": "announcement_ts"}})
        # Customers (the status page) and the internal list (email), public incidents only.
        external_comms.publish(deps, s, incident.id, external, author=author)
        external_comms.email_update(deps, s, incident.id, draft.as_fields(), first=first, author=author)
        return update_id
