"""The edge of the one authority rule: who the actor is (membership from the database, never
a Slack call) and a refusal turned into the CommandError the person is told.

Slash verbs, modal submissions and buttons all come through `check`, so a button pressed
or a modal submitted after the state changed is judged on the state of that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.authority import Act, Actor, Decision, PostmortemPeople, may
from bot.core.incident import IncidentSnapshot
from bot.deps import Deps
from bot.errors import Refusal
from storage import Session, members


def actor(s: Session, user_id: str, incident: IncidentSnapshot, *, typed_in: str | None = None) -> Actor:
    """Typing a command in the incident channel proves membership (Slack lets only members
    post there); anything else (a button in a DM, a modal) asks the stored membership."""
    if typed_in and typed_in == incident.channel_id:
        return Actor(user_id, in_channel=True)
    return Actor(user_id, in_channel=members.is_member(s, channel_id=incident.channel_id, user_id=user_id))


def decide(s: Session, user_id: str, act: Act, incident: IncidentSnapshot, *, typed_in: str | None = None,
           **details: Any) -> Decision:
    return may(actor(s, user_id, incident, typed_in=typed_in), act, incident, **details)


def check(s: Session, user_id: str, act: Act, incident: IncidentSnapshot, *, typed_in: str | None = None,
          **details: Any) -> None:
    """Raises Refusal (a CommandError) naming who may; call it before changing anything."""
    decision = decide(s, user_id, act, incident, typed_in=typed_in, **details)
    if not decision:
        raise Refusal(decision.reason)


class HasPostmortemPeople(Protocol):
    """A postmortem as storage returns it: who owns it and who was asked to approve it."""

    owner_id: str
    approvers: Sequence[str] | None


def people(deps: Deps, found: HasPostmortemPeople, incident: IncidentSnapshot) -> PostmortemPeople:
    """The postmortem's owner and approvers as the authority rule sees them. Configured ones
    (the team's list, and the faulty service's mandatory approvers) cannot be removed."""
    configured = (*deps.team.postmortem_approvers, *deps.team.required_approvers(incident.faulty_service))
    return PostmortemPeople(owner_id=found.owner_id, approvers=tuple(found.approvers or ()),
                            configured_approvers=tuple(dict.fromkeys(configured)))
