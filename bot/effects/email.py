"""Internal comms by email: one effect per mail, delivered over SMTP_URL to INTERNAL_COMMS_EMAIL.

A mail server that is down or busy delays the mails only (their own ordering key); the
Slack posts of the same update went out on theirs. Each mail has a Message-ID made from the
effect id, so a resend after a lost answer is recognisably the same mail to the receiver.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.comms_email import CommsEmail
from bot.effects.errors import Skip, VendorError
from bot.effects.registry import deliverer
from bot.vendors import email
from bot.views.slack_text import escape
from storage import Session, comms_email, effects, incidents, timeline
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


@deliverer(comms_email.KIND)
def send(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    settings = deps.settings
    if not settings.email_enabled:
        raise Skip("email is not configured any more")
    with deps.sessions.begin() as s:
        if effect.incident_id is None or incidents.get(s, effect.incident_id).private:
            raise Skip("private incident")  # never, not even if a row slipped in
    mail = CommsEmail.from_payload(effect.payload)
    recipients = settings.internal_comms_recipients
    message = email.compose(mail, sender=settings.email_sender, recipients=recipients, number=effect.id,
                            date=deps.now())
    try:
        refused = email.send(settings.smtp_url, message, ssl_context=deps.smtp_ssl_context)
    except VendorError as exc:
        now = deps.now()
        with deps.sessions.begin() as s:
            if exc.permanent:  # the worker stops it and tells the author; the timeline keeps why
                timeline.record_system(
                    s, effect.incident_id, f"The {mail.kind} comms email was not delivered: {exc.error}", now=now,
                    data={"event": "comms_email_failed", "effect_id": effect.id, "error": exc.error},
                )
            elif effect.tell:  # down or busy: the author hears it once, the mail waits
                effects.enqueue(s, kind="slack.dm", incident_id=effect.incident_id, now=now, recipient_id=effect.tell,
                                dedupe_key=f"email.delayed:{effect.id}",
                                payload={"text": f":hourglass: The {mail.kind} comms email for {mail.key} has not "
                                                 f"reached the mail server yet ({escape(exc.error)}). Slack has the "
                                                 "update; the bot keeps trying the email."})
        raise
    return {"to": [r for r in recipients if r not in refused], "refused": sorted(refused),
            "message_id": message["Message-ID"]}


@send.recorder
def _sent(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    refused = f" ({', '.join(result['refused'])} refused by the mail server)" if result.get("refused") else ""
    timeline.record_system(
        s, effect.incident_id or 0,
        f"Emailed the {effect.payload['kind']} comms to {', '.join(result['to'])}{refused}", now=now,
        data={"event": "comms_emailed", "effect_id": effect.id, "comms": effect.payload["kind"],
              "to": result["to"], "refused": result.get("refused") or [],
              "message_id": result.get("message_id")},
    )
