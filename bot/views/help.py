"""The `/incident help` text: the command grammar, with an example of each verb."""

from __future__ import annotations

GRAMMAR = (
    ("declare [summary]", "declare an incident (opens a form)"),
    ("role <role> <@user|me|none>", "assign a role, e.g. `/incident role im me`"),
    ("severity <1|2|3>", "change the severity"),
    ("edit", "change the summary, impact, faulty service or affected products (opens a form)"),
    ("update", "post a comms update (opens a form)"),
    ("note <text>", "add a note to the timeline; start with observation:, change:, decision:, theory: or experiment:"),
    ("timeline", "show the incident timeline"),
    ("link <video|doc|issue> <url>", "add a link, e.g. `/incident link video https://meet.example.com/hot-1`"),
    ("handover <@user>", "hand the incident manager role to someone"),
    ("resolve", "resolve the incident (opens a form)"),
    ("reopen", "reopen a resolved incident"),
    ("page <service> [message]", "page a configured service's on-call through PagerDuty"),
    ("status", "show the incident's status card"),
    ("cheatsheet", "the handbook's incident manager cheat sheet"),
    ("list", "list open incidents"),
    ("postmortem", "show or edit the postmortem; `postmortem meeting`: the meeting invitation and agenda"),
    ("action <priority|improvement> [category] <text> [@owner]",
     "add a postmortem action; category: investigate, mitigate-incident, repair-damage, detect-future, "
     "mitigate-future or prevent-future"),
    ("action category <id> <category>", "put an action in one of the six categories"),
    ("action done <id>", "close an action; `/incident action list` shows them with state, owner and due date"),
    ("stats [days]", "incident numbers for the last 30 (or N) days"),
    ("help", "show this list"),
)

ROLES_LINE = ("Roles: incident-manager (im), tech-lead (tl), communications-manager (comms), internal-comms, "
              "external-comms, customer-support-lead, social-media-lead, backup-im")


def help_text(problem: str | None = None, extra_roles: tuple[str, ...] = ()) -> str:
    """The grammar; `extra_roles` are the roles the team configured in its TOML file."""
    lines = [problem, ""] if problem else []
    lines.append("*Usage:* `/incident <verb> ...`")
    lines.extend(f"• `/incident {form}`: {what}" for form, what in GRAMMAR)
    lines.append(ROLES_LINE + "".join(f", {role}" for role in extra_roles))
    lines.append("Verbs other than declare, list, stats, cheatsheet and help work in an incident channel.")
    return "\n".join(lines)
