"""Who may do what: DESIGN.md's table as one pure function.

Every door (slash verbs, modal submissions, buttons in channels, DMs and the Home tab,
shortcuts) asks `may(actor, act, incident, ...)`, when the command runs and again when its
modal is submitted or its button pressed. The answer is a `Decision`: allowed, or a refusal
that names who may. Nothing here knows Slack or the database: membership of the incident
channel comes in with the `Actor`, the postmortem's people in `PostmortemPeople`.

>>> snap = IncidentSnapshot("HOT-1", "x", 2, "Fixing", None, "UREP", roles=(RoleHolder(INCIDENT_MANAGER, "UIM"),))
>>> may(Actor("UBOB", in_channel=True), Act.SEVERITY, snap).reason
'Only the incident manager <@UIM> may change the severity of HOT-1.'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.incident import BACKUP_IM, INCIDENT_MANAGER, IncidentSnapshot, RoleHolder  # noqa: F401 (doctest)
from bot.views.slack_text import mention

COMMUNICATIONS_MANAGER, INTERNAL_COMMS = "communications-manager", "internal-comms"


class Act(StrEnum):
    """The rows of the table, one name per action."""

    # Anyone who can see the channel (private incidents: its members).
    DECLARE = "declare"
    NOTE = "note"
    TIMELINE = "timeline"
    STATUS = "status"
    LIST = "list"
    STATS = "stats"
    HELP = "help"
    TIMELINE_EMOJI = "timeline emoji"
    # Anyone in the incident channel.
    TAKE_ROLE = "take a free role for oneself"
    ADD_ACTION = "add an action"
    # The IM or the backup IM; while no one is IM, anyone in the channel.
    ASSIGN_ROLE = "assign roles to others"
    BACKUP_IM = "backup IM"
    SEVERITY = "severity"
    EDIT = "edit"
    LINK = "link"
    PAGE = "page"
    HANDOVER = "handover"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    # The IM, the backup IM, the communications manager, internal comms; no IM: anyone in it.
    UPDATE = "post an update"
    # A nag's button: only whoever currently holds the role the nag was sent to.
    UPDATE_FROM_NAG = "post an update from a reminder"
    # Postmortems.
    POSTMORTEM_EDIT = "postmortem edit"
    POSTMORTEM_OWNER = "postmortem set owner"
    POSTMORTEM_APPROVERS_ADD = "postmortem add approvers"
    POSTMORTEM_APPROVERS_REMOVE = "postmortem remove approvers"
    POSTMORTEM_REQUEST_APPROVAL = "postmortem request approval"
    POSTMORTEM_REVIEW = "approve or request changes"
    CLOSE_ACTION = "close an action"


SEEING = frozenset({Act.DECLARE, Act.NOTE, Act.TIMELINE, Act.STATUS, Act.LIST, Act.STATS, Act.HELP,
                    Act.TIMELINE_EMOJI})
STEERING = frozenset({Act.ASSIGN_ROLE, Act.BACKUP_IM, Act.SEVERITY, Act.EDIT, Act.LINK, Act.PAGE, Act.HANDOVER,
                      Act.RESOLVE, Act.REOPEN})

# How a refusal names the action: "Only ... may <doing> <key>."
_DOING: dict[Act, str] = {
    Act.NOTE: "add notes to", Act.TIMELINE: "see the timeline of", Act.STATUS: "see the status of",
    Act.TIMELINE_EMOJI: "put messages on the timeline of",
    Act.TAKE_ROLE: "take a role in", Act.ADD_ACTION: "add actions to",
    Act.ASSIGN_ROLE: "assign roles in", Act.BACKUP_IM: "name the backup IM of",
    Act.SEVERITY: "change the severity of", Act.EDIT: "edit", Act.LINK: "set the links of", Act.PAGE: "page for",
    Act.HANDOVER: "hand over", Act.RESOLVE: "resolve", Act.REOPEN: "reopen",
    Act.UPDATE: "post an update for", Act.UPDATE_FROM_NAG: "post an update for",
    Act.POSTMORTEM_EDIT: "edit the postmortem of", Act.POSTMORTEM_OWNER: "change the postmortem owner of",
    Act.POSTMORTEM_APPROVERS_ADD: "add postmortem approvers to",
    Act.POSTMORTEM_APPROVERS_REMOVE: "remove postmortem approvers from",
    Act.POSTMORTEM_REQUEST_APPROVAL: "request approval of the postmortem of",
    Act.POSTMORTEM_REVIEW: "approve the postmortem of", Act.CLOSE_ACTION: "close actions of",
}


@dataclass(frozen=True)
class Actor:
    """Who acts, and whether they are in the incident channel (stored membership, or the
    command was typed there)."""

    user_id: str
    in_channel: bool


@dataclass(frozen=True)
class PostmortemPeople:
    owner_id: str
    approvers: tuple[str, ...] = ()
    # From the team's configuration: they cannot be removed.
    configured_approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # For a refusal: what the person is told, naming who may.
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


class NotAllowed(Exception):
    """A refusal; the message names who may. Raised before anything changed."""


def _people(users: Iterable[str]) -> str:
    names = [mention(u) for u in dict.fromkeys(users)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}" if names else ""


def _or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _refuse(who: list[str], act: Act, incident: IncidentSnapshot, doing: str | None = None) -> Decision:
    return Decision(False, f"Only {_or(who)} may {doing or _DOING[act]} {incident.key}.")


def _member_refusal(act: Act, incident: IncidentSnapshot, doing: str | None = None) -> Decision:
    where = f"<#{incident.channel_id}>" if incident.channel_id else "its channel"
    private = "a private incident: only" if incident.private else ""
    if private:
        return Decision(False, f"{incident.key} is {private} members of {where} may "
                               f"{doing or _DOING[act]} it.")
    return Decision(False, f"Only people in {where} may {doing or _DOING[act]} {incident.key}: join the channel first.")


def _steerers(incident: IncidentSnapshot) -> list[str]:
    who = [f"the incident manager {mention(incident.incident_manager)}"]
    backups = incident.holders(BACKUP_IM)
    if backups:
        who.append(f"the backup IM {_people(backups)}")
    return who


def may(
    actor: Actor, act: Act, incident: IncidentSnapshot | None, *,
    postmortem: PostmortemPeople | None = None, nag_role: str | None = None, action_owner: str | None = None,
    removing: tuple[str, ...] = (), doing: str | None = None,
) -> Decision:
    """The table. `doing` words the refusal when the act needs more detail ("assign the tech
    lead role in"); `nag_role` is the role a reminder was sent to; `action_owner` the owner of
    the action being closed; `removing` the approvers an approver edit would drop."""
    user = actor.user_id
    if incident is None:
        # declare, list, stats, help: no incident to see yet; lists filter what they show.
        return ALLOWED if act in (Act.DECLARE, Act.LIST, Act.STATS, Act.HELP) else Decision(
            False, "That works on an incident: use it in the incident's channel.")
    im = incident.incident_manager
    if act in SEEING:
        if incident.private and not actor.in_channel:
            return _member_refusal(act, incident, doing)
        return ALLOWED
    if act in (Act.TAKE_ROLE, Act.ADD_ACTION):
        return ALLOWED if actor.in_channel else _member_refusal(act, incident, doing)
    if act in STEERING:
        if im is None:
            return ALLOWED if actor.in_channel else _member_refusal(act, incident, doing)
        if user == im or user in incident.holders(BACKUP_IM):
            return ALLOWED
        return _refuse(_steerers(incident), act, incident, doing)
    if act == Act.UPDATE:
        if im is None:
            return ALLOWED if actor.in_channel else _member_refusal(act, incident, doing)
        writers = (im, *incident.holders(BACKUP_IM), *incident.holders(COMMUNICATIONS_MANAGER),
                   *incident.holders(INTERNAL_COMMS))
        if user in writers:
            return ALLOWED
        who = _steerers(incident)
        for role, title in ((COMMUNICATIONS_MANAGER, "the communications manager"),
                            (INTERNAL_COMMS, "the internal communications manager")):
            if incident.holders(role):
                who.append(f"{title} {_people(incident.holders(role))}")
        return _refuse(who, act, incident, doing)
    if act == Act.UPDATE_FROM_NAG:
        return _nag_button(actor, incident, nag_role or INCIDENT_MANAGER)
    if act == Act.CLOSE_ACTION:
        allowed = {action_owner, postmortem.owner_id if postmortem else None, im} - {None}
        if user in allowed:
            return ALLOWED
        who = [f"the action's owner {mention(action_owner)}"] if action_owner else []
        if postmortem:
            who.append(f"the postmortem owner {mention(postmortem.owner_id)}")
        if im:
            who.append(f"the incident manager {mention(im)}")
        return _refuse(who or ["the incident manager"], act, incident, doing)
    return _postmortem(actor, act, incident, postmortem, removing, doing)


def _nag_button(actor: Actor, incident: IncidentSnapshot, role: str) -> Decision:
    holders = incident.holders(role)
    # While nobody is IM, the IM's reminders go to the reporter, who stands in for the role.
    if role == INCIDENT_MANAGER and not holders:
        holders = [incident.reporter_id]
    if actor.user_id in holders:
        return ALLOWED
    title = "incident manager" if role == INCIDENT_MANAGER else role.replace("-", " ")
    return Decision(False, f"This reminder was for the {title} of {incident.key}, which is now "
                           f"{_people(holders)}: the reminder's button works only for them. "
                           "`/incident update` in the incident channel says who may post updates.")


def _postmortem(actor: Actor, act: Act, incident: IncidentSnapshot, postmortem: PostmortemPeople | None,
                removing: tuple[str, ...], doing: str | None) -> Decision:
    if postmortem is None:
        return Decision(False, f"{incident.key} has no postmortem yet: `/incident postmortem` creates it.")
    user, im, owner = actor.user_id, incident.incident_manager, postmortem.owner_id
    approvers = postmortem.approvers
    im_part = [f"the incident manager {mention(im)}"] if im and im != owner else []
    owner_part = f"the postmortem owner {mention(owner)}" + (" (the incident manager)" if im == owner else "")
    if act in (Act.POSTMORTEM_EDIT, Act.POSTMORTEM_OWNER):
        if user in (owner, im) or user in approvers:
            return ALLOWED
        who = [owner_part, *im_part]
        if approvers:
            who.append(f"an approver ({_people(approvers)})")
        return _refuse(who, act, incident, doing)
    if act in (Act.POSTMORTEM_APPROVERS_ADD, Act.POSTMORTEM_APPROVERS_REMOVE, Act.POSTMORTEM_REQUEST_APPROVAL):
        if user not in (owner, im):
            return _refuse([owner_part, *im_part], act, incident, doing)
        fixed = [a for a in removing if a in postmortem.configured_approvers]
        if fixed:
            return Decision(False, f"{_people(fixed)} {'is a' if len(fixed) == 1 else 'are'} configured "
                                   f"approver{'' if len(fixed) == 1 else 's'} of {incident.key}'s postmortem and "
                                   "cannot be removed; the team's configuration names them.")
        return ALLOWED
    if act == Act.POSTMORTEM_REVIEW:
        if user == owner:
            others = [a for a in approvers if a != owner]
            return Decision(False, f"You own the {incident.key} postmortem, so you cannot approve it or request "
                                   "changes yourself: "
                                   + (f"{_people(others)} decide{'s' if len(others) == 1 else ''}." if others else
                                      "name an approver who is not the owner with `/incident postmortem approvers`."))
        if user in approvers:
            return ALLOWED
        return Decision(False, f"Only the named approvers of the {incident.key} postmortem "
                               f"({_people(approvers) or 'none named yet'}) may approve it or request changes.")
    raise ValueError(f"unknown act {act!r}")  # pragma: no cover - every Act is handled above


def require(actor: Actor, act: Act, incident: IncidentSnapshot | None, **kwargs: object) -> None:
    """`may`, raising NotAllowed with the refusal."""
    decision = may(actor, act, incident, **kwargs)  # type: ignore[arg-type]
    if not decision:
        raise NotAllowed(decision.reason)
