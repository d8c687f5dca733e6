"""`/incident note` and `/incident timeline` (the entries from Slack events: timeline_events.py).

"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.authority import Act
from bot.core import timeline as core
from bot.effects import outbox
from bot.views import timeline as views
from bot.views.slack_text import defuse, inert
from bot.errors import CommandError
from commands.context import CommandContext
from commands.registry import verb
from storage import effects, incidents, timeline

log = logging.getLogger(__name__)



def _parse_note(args: str) -> tuple[str, str]:
    try:
        return core.parse_note(args)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


@verb("note", usage="note <text>", parse=_parse_note, act=Act.NOTE)
def note(ctx: CommandContext) -> None:
    """Posts the note in the channel (everyone sees it) and records it now, by its author."""
    kind, text = ctx.parsed
    deps = ctx.deps
    now = deps.now()
    with deps.sessions.begin() as s:
        entry_id = timeline.record(
            s, incident_id=ctx.incident_id, kind=kind, text=text, occurred_at=now, recorded_at=now, source="command",
            actor_id=ctx.user_id,
        ).id
        # Shown in the channel right after the commit; the message is attached to the entry then.
        effects.enqueue(s, kind="timeline.note", incident_id=ctx.incident_id, now=now, tell=ctx.user_id,
                        ordering_key=effects.channel_key(ctx.incident_id),
                        payload={"text": views.note_text(kind, ctx.user_id, text), "entry_id": entry_id, "kind": kind,
                                 "what": "Your note"})


@verb("timeline", usage="timeline", act=Act.TIMELINE)
def show_timeline(ctx: CommandContext) -> None:
    """Shown to the person who asked, as ephemeral messages: a timeline lists every author with
    <@mentions>, which in a channel message would ping them all. Past MAX_TIMELINE_MESSAGES
    it becomes a Markdown file in the incident channel, since an ephemeral cannot carry a file
    and the file is a record the whole team (and the postmortem) can use."""
    deps = ctx.deps
    with deps.sessions() as s:
        incident = incidents.get(s, ctx.incident_id)
        key = incident.key
        entries = list(timeline.entries(s, ctx.incident_id))
    # The messages are mrkdwn: typed text escaped, quoted Slack messages defused. The Markdown
    # file (bot/effects/uploads.py) is a document, not mrkdwn: it keeps the text raw.
    messages = core.render_messages(key, [_item(e, shown=True) for e in entries])
    if len(messages) <= views.MAX_TIMELINE_MESSAGES:
        for text in messages:
            ctx.reply(text)
        return
    # Rendered from the database when it is delivered (bot/effects/uploads.py), right after this commit.
    with deps.sessions.begin() as s:
        outbox.upload(s, ctx.incident_id, render="timeline", filename=f"{key.lower()}-timeline.md",
                      title=f"Timeline of {key}", args={"asked_by": ctx.user_id}, now=deps.now(),
                      tell=ctx.user_id, what=f"The timeline file of {key}")
    ctx.reply(views.file_told(key, len(entries)))


# Entries whose text is a Slack message as Slack sent it (already markup); the rest was typed
# into a command, a modal or a webhook and is raw.
SLACK_MARKUP_SOURCES = ("message", "reaction", "shortcut")


def _item(entry: Any, *, shown: bool = False) -> core.TimelineItem:
    text = entry.text
    if shown:
        text = defuse(text) if entry.source in SLACK_MARKUP_SOURCES else inert(text)
    return core.TimelineItem(occurred_at=entry.occurred_at, kind=entry.kind, text=text,
                             actor_id=entry.actor_id, permalink=entry.permalink, edited=entry.edited_at is not None)
