"""`/incident severity <1|2|3>`: the topic, the channel, the incidents channel and the timeline.

The handbook: Sev 1 and 2 are major incidents (24/7 response, postmortem required), so
raising to one of them says so.
"""

from __future__ import annotations

from bot.core.authority import Act
from bot.core import handbook
from bot.effects import outbox
from bot.views.status import severity_note, severity_announcement
from bot.views.slack_text import mention
from bot.errors import CommandError
from commands import authority
from bot.flows import external_comms
from commands.context import CommandContext
from commands.registry import verb
from storage import incidents, pages, timeline

USAGE = "severity <1|2|3>"


def parse(args: str) -> int:
    """`2`, `sev2`, `Sev 2` -> 2."""
    word = "".join(args.lower().split()).removeprefix("sev")
    if not word.isdigit() or int(word) not in handbook.SEVERITIES:
        levels = "; ".join(f"{s.level} = {s.label}" for s in handbook.SEVERITIES.values())
        shown = f"`{args}` is not a severity" if args.strip() else "Say which severity"
        raise CommandError(f"{shown}: give 1, 2 or 3 ({levels}).")
    return int(word)


@verb("severity", usage=USAGE, parse=parse, act=Act.SEVERITY)
def severity(ctx: CommandContext) -> None:
    deps, new, actor = ctx.deps, ctx.parsed, ctx.user_id
    now = deps.now()
    answer: str | None = None
    with deps.sessions.begin() as s:
        incident = incidents.get(s, ctx.incident_id or 0, for_update=True)
        snap = incidents.snapshot(incident)
        old = incident.severity
        decision = authority.decide(s, actor, Act.SEVERITY, snap, typed_in=ctx.channel_id)
        if not decision:
            answer = decision.reason
        elif old == new:
            answer = f"{snap.key} is already Sev {new}; nothing changed."
        else:
            incidents.set_severity(incident, new)
            timeline.record_system(
                s, incident.id, f"Severity changed from {old} to {new} by {mention(actor)}", now=now, actor_id=actor,
                data={"event": "severity", "from": old, "to": new, "by": actor},
            )
            # Raised into a paged severity: the faulty service's on-call is paged.
            pages.page_faulty_service(s, incident=incident, team=deps.team, settings=deps.settings,
                                      old_severity=old, by=actor, now=now)
            snap = incidents.snapshot(incident)
            # The status page's components follow the severity (once the incident is published).
            external_comms.severity_changed(deps, s, incident.id)
            # Each destination its own effect: an archived incident channel does not hold up
            # the incidents channel; what fails for good is told to whoever changed it.
            what = f"The severity change of {snap.key}"
            outbox.sync_channel(s, incident.id, now=now)
            outbox.in_channel(s, incident.id, severity_note(snap, old, by=actor), now=now, tell=actor, what=what)
            if deps.settings.incidents_channel:
                outbox.in_incidents_channel(s, incident.id, severity_announcement(snap, old, by=actor), now=now,
                                            tell=actor, what=what)
    if answer:
        ctx.reply(answer)
