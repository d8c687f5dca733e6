"""Internal comms by email: each mail is an effect, written with the post it copies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.comms_email import CommsEmail
from storage import effects

KIND = "email.internal_comms"


def enqueue(s: Session, *, incident_id: int, mail: CommsEmail, now: datetime, tell: str | None) -> int | None:
    """Mails go out in the order they were written (initial before follow-ups before final),
    on their own ordering key: a mail server that is down holds up only the mails."""
    return effects.enqueue(s, kind=KIND, incident_id=incident_id, now=now, ordering_key=f"email:{incident_id}",
                           tell=tell,
                           payload=mail.as_payload() | {"what": f"The {mail.kind} comms email for {mail.key}"})
