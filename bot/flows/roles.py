"""Role application: `/incident role` and `/incident handover`.

The decision is the core's (`bot.core.roles.plan_role_change` / `plan_handover`); `apply` runs
it on the locked incident row and writes, in one transaction, the change, its timeline entries
and every outside effect it causes: the holder's invitation, the channel's topic and pinned
message, the channel post and the DMs to the holder and to whoever left. Each is delivered
right after the commit, once; the channel's effects in order (the invitation before the post),
the DMs independently, so an archived channel does not keep anyone from being told. A DM that
cannot be delivered (a deactivated account) is recorded and told to the person who acted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import handbook
from bot.core.cleanup import role_nudge_wanted
from bot.core.handbook import Role
from bot.core.incident import INCIDENT_MANAGER, IncidentSnapshot
from bot.core.roles import RoleChange
from bot.effects import outbox
from bot.deps import Deps
from bot.views import roles as views
from bot.views.slack_text import mention
from storage import Session, cleanup, incidents, timeline
from storage import roles as role_store


@dataclass(frozen=True)
class Applied:
    change: RoleChange
    before: IncidentSnapshot
    after: IncidentSnapshot
    incident_id: int


# fn(session, applied, now): enqueues what the change tells whom, in the change's transaction.
Announce = Callable[[Session, Applied, datetime], None]


def apply(deps: Deps, incident_id: int, *, actor: str,
          decide: Callable[[Session, IncidentSnapshot], RoleChange], announce: Announce,
          event: str = "role") -> Applied:
    """Decides on the locked row (`decide(session, snapshot)`: the listener asks the authority
    edge who is acting there); writes the change, its timeline entries and its effects in one
    transaction. A RoleError from `decide` rolls back: nothing changed, nothing is sent."""
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        before = incidents.snapshot(incident)
        change = decide(s, before)
        if not change.changes_anything:
            return Applied(change, before, before, incident_id)
        title = views.role_title(change.role, deps.team.extra_roles).lower()
        for relieved in role_store.relieve(s, incident, role=change.role, user_ids=change.relieve, by=actor, now=now):
            timeline.record_system(
                s, incident.id, f"{mention(relieved.user_id)} left the {title} role (by {mention(actor)})", now=now,
                actor_id=actor,
                data={"event": event, "action": "relieved", "role": change.role, "user": relieved.user_id, "by": actor},
            )
        if change.assign:
            held = role_store.assign(s, incident, role=change.role, user_id=change.assign, by=actor, now=now)
            if role_nudge_wanted(change.role):
                # The handbook's fatigue check, for every role: asked once after HANDOVER_NUDGE_AFTER.
                cleanup.schedule_role_nudge(s, incident_id=incident.id, assignment=held,
                                            due_at=now + deps.settings.handover_nudge_after, now=now)
            what = (f"{mention(actor)} took the {title} role" if change.assign == actor
                    else f"{mention(actor)} gave {mention(change.assign)} the {title} role")
            timeline.record_system(
                s, incident.id, what, now=now, actor_id=actor,
                data={"event": event, "action": "assigned", "role": change.role, "user": change.assign, "by": actor},
            )
        if change.status_after != change.status_before:
            incidents.set_status(incident, change.status_after)
            timeline.record_system(
                s, incident.id,
                f"Status {change.status_before} → {change.status_after}: {mention(change.assign)} is the {title}",
                now=now, actor_id=actor,
                data={"event": "status", "from": change.status_before, "to": change.status_after, "by": actor},
            )
        applied = Applied(change, before, incidents.snapshot(incident), incident_id)
        announce(s, applied, now)
    return applied


def announce_role(deps: Deps, role: Role, *, actor: str) -> Announce:
    """A role change: the holder invited, the topic and pin, the channel told, the holder
    welcomed and whoever left told."""
    def announce(s: Session, applied: Applied, now: datetime) -> None:
        change, snap, incident_id = applied.change, applied.after, applied.incident_id
        what = f"The {role.title.lower()} change in {snap.key}"
        if change.assign:
            outbox.invite(s, incident_id, [change.assign], now=now, tell=actor,
                          why=f"you named them {views.role_title(change.role, deps.team.extra_roles).lower()}")
        # The topic and pinned message: the one place everyone looks.
        outbox.sync_channel(s, incident_id, now=now)
        if change.assign:
            outbox.in_channel(s, incident_id, views.assigned_in_channel(
                role, change.assign, by=actor, relieved=change.relieve, status_before=change.status_before,
                status_after=change.status_after), now=now, tell=actor, what=what)
            outbox.to_person(s, incident_id, change.assign,
                             views.welcome(snap, role, by=actor, user_id=change.assign), now=now, tell=actor,
                             what=f"The {role.title.lower()} welcome to {mention(change.assign)}")
        else:
            outbox.in_channel(s, incident_id, views.cleared_in_channel(role, change.relieve, by=actor), now=now,
                              tell=actor, what=what)
        for user_id in change.relieve:
            if user_id != actor:
                outbox.to_person(s, incident_id, user_id,
                                 views.relieved_notice(snap, role, by=actor, successor=change.assign), now=now,
                                 tell=actor, what=f"The notice to {mention(user_id)} that they left the "
                                      f"{role.title.lower()} role")
    return announce


def announce_handover(deps: Deps, *, actor: str) -> Announce:
    """A handover: the incoming IM invited, the topic and pin, the handbook's handover
    checklist in the channel, both people told."""
    def announce(s: Session, applied: Applied, now: datetime) -> None:
        change, snap, incident_id = applied.change, applied.after, applied.incident_id
        incoming, outgoing = change.assign or "", change.relieve[0]
        role = handbook.ROLES[INCIDENT_MANAGER]
        outbox.invite(s, incident_id, [incoming], now=now, tell=actor,
                      why="you handed the incident manager role over to them")
        outbox.sync_channel(s, incident_id, now=now)
        text, blocks = views.handover_message(
            snap, outgoing=outgoing, incoming=incoming, by=actor,
            next_handover_at=now + deps.settings.handover_nudge_after,
            extra_roles=deps.team.extra_roles)
        outbox.in_channel(s, incident_id, text, blocks, now=now, tell=actor, what=f"The handover of {snap.key}")
        outbox.to_person(s, incident_id, incoming, views.incoming_notice(snap, role, outgoing=outgoing), now=now,
                         tell=actor, what=f"The handover notice to {mention(incoming)}")
        outbox.to_person(s, incident_id, outgoing, views.outgoing_notice(snap, incoming=incoming), now=now,
                         tell=actor, what=f"The handover notice to {mention(outgoing)}")
    return announce
