"""Roles: who is named in a command, which role is meant, and who may change what.

Pure: the handbook's roles plus the team's configured ones come in as arguments, and
every decision returns a value (a plan, or a refusal that says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core import handbook
from bot.core.handbook import Role
from bot.core.authority import Act, Actor, may
from bot.core.incident import BACKUP_IM, INCIDENT_MANAGER, IncidentSnapshot, status_after_role_change
from bot.views.slack_text import USER_MENTION, mention

ME, NONE = "me", "none"


class RoleError(ValueError):
    """Refused input or action; the message says what was wrong and what is valid."""


@dataclass(frozen=True)
class Person:
    """Who a command names: a user ID, or nobody (`none` clears a role)."""

    user_id: str | None

    @property
    def is_nobody(self) -> bool:
        return self.user_id is None


def parse_person(text: str, caller: str, *, allow_none: bool = False) -> Person:
    """`<@U1|alice>` -> U1, `<@U1>` -> U1, `me` -> the caller, `none` -> nobody (when allowed).

    >>> parse_person("<@U42|alice>", "U1").user_id
    'U42'
    """
    word = text.strip()
    if word.lower() == ME:
        return Person(caller)
    if allow_none and word.lower() == NONE:
        return Person(None)
    match = USER_MENTION.fullmatch(word)
    if match:
        return Person(match.group(1))
    forms = "@someone, `me` or `none`" if allow_none else "@someone or `me`"
    raise RoleError(f"`{word}` is not a person I can find: mention them as {forms}.")


def check_person(user_id: str, record: Mapping[str, object] | None) -> None:
    """Refuses people Slack does not know, bots and deactivated accounts (`users.info` record)."""
    if record is None:
        raise RoleError(f"Slack does not know the user `{user_id}`: mention a person of this workspace.")
    if record.get("is_bot") or record.get("is_app_user"):
        raise RoleError(f"{mention(user_id)} is a bot: incident roles are for people.")
    if record.get("deleted"):
        raise RoleError(f"{mention(user_id)} is deactivated: pick someone who can respond.")


def _slug(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").split())


def team_roles(extra_roles: Mapping[str, str]) -> dict[str, Role]:
    """The configured extra roles (`{name: description}` from the TOML file) as Roles."""
    roles: dict[str, Role] = {}
    for name, description in extra_roles.items():
        slug = _slug(name)
        if slug and slug not in handbook.ROLES:
            roles[slug] = Role(name=slug, title=slug.replace("-", " ").capitalize(), description=str(description))
    return roles


def all_roles(extra_roles: Mapping[str, str]) -> dict[str, Role]:
    return {**handbook.ROLES, **team_roles(extra_roles)}


def valid_roles_text(extra_roles: Mapping[str, str]) -> str:
    """`incident-manager (im), tech-lead (tl), ...`: what the person may type."""
    parts = []
    for role in all_roles(extra_roles).values():
        parts.append(f"`{role.name}`" + (f" ({', '.join(f'`{a}`' for a in role.aliases)})" if role.aliases else ""))
    return ", ".join(parts)


def resolve_role(text: str, extra_roles: Mapping[str, str]) -> Role:
    role = handbook.role_named(text, team_roles(extra_roles))
    if role is None:
        raise RoleError(f"`{text}` is not an incident role. The roles are: {valid_roles_text(extra_roles)}.")
    return role


def title(role_name: str, extra_roles: Mapping[str, str] | None = None) -> str:
    """`tech-lead` -> `tech lead`: how a sentence names the role."""
    role = all_roles(extra_roles or {}).get(role_name)
    return role.title.lower() if role else role_name.replace("-", " ")


# --- Decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoleChange:
    """What a role command does: who takes the role, who leaves it, the status after."""

    role: str
    assign: str | None
    relieve: tuple[str, ...]
    status_before: str
    status_after: str
    # Nothing to do (e.g. the person already holds the role): `note` says so politely.
    note: str | None = None

    @property
    def changes_anything(self) -> bool:
        return self.note is None


def plan_role_change(incident: IncidentSnapshot, role: Role, person: Person, *, actor: Actor) -> RoleChange:
    """Decides a `/incident role` command, or raises RoleError saying why it is refused.

    The IM (and one holder of each single role) at a time: a new holder relieves the old.
    Who may is the authority table's: anyone in the channel takes a free role (not backup
    IM) for themselves or leaves their own; everything else is steering.
    """
    holders = incident.holders(role.name)
    user_id = actor.user_id
    status = incident.status
    steering = Act.BACKUP_IM if role.name == BACKUP_IM else Act.ASSIGN_ROLE
    if person.is_nobody:
        if not holders:
            return RoleChange(role.name, None, (), status, status, note=f"Nobody holds the {role.title.lower()} role.")
        if role.name == INCIDENT_MANAGER and incident.is_open:
            raise RoleError(f"{incident.key} needs an incident manager while it is open: hand the role over "
                            "with `/incident handover @someone` instead.")
        steer = may(actor, steering, incident, doing=f"clear the {role.title.lower()} role in")
        if not steer and user_id in holders:
            own = may(actor, Act.TAKE_ROLE, incident)
            if not own:
                raise RoleError(own.reason)
            return RoleChange(role.name, None, (user_id,), status, status)
        if not steer:
            raise RoleError(steer.reason)
        return RoleChange(role.name, None, tuple(holders), status, status)
    user = person.user_id or ""
    if user in holders:
        who = "You are" if user == user_id else f"{mention(user)} is"
        return RoleChange(role.name, None, (), status, status, note=f"{who} already the {role.title.lower()}.")
    if role.name == BACKUP_IM and user == incident.incident_manager:
        raise RoleError("The backup IM is a second person who checks the IM: pick someone other than the IM.")
    free = role.multiple or not holders
    act = Act.TAKE_ROLE if free and user == user_id and role.name != BACKUP_IM else steering
    decision = may(actor, act, incident, doing=f"assign the {role.title.lower()} role in")
    if not decision:
        raise RoleError(decision.reason)
    relieve = () if role.multiple else tuple(holders)
    return RoleChange(role.name, user, relieve, status, status_after_role_change(status, role.name))


def plan_handover(incident: IncidentSnapshot, person: Person, *, actor: Actor) -> RoleChange:
    """`/incident handover @someone`: the IM role moves from the current IM to them."""
    im = incident.incident_manager
    if im is None:
        raise RoleError(f"Nobody holds the incident manager role of {incident.key}, so there is nothing to hand "
                        "over: take it with `/incident role incident-manager @someone`.")
    user = person.user_id or ""
    if user == im:
        who = "You are" if user == actor.user_id else f"{mention(user)} is"
        raise RoleError(f"{who} already the incident manager: hand over to someone else.")
    decision = may(actor, Act.HANDOVER, incident)
    if not decision:
        raise RoleError(decision.reason)
    return RoleChange(INCIDENT_MANAGER, user, (im,), incident.status, incident.status)
