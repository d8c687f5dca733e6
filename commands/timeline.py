"""`/incident note` and `/incident timeline` (the entries from Slack events: timeline_events.py).

"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.authority import Act
from bot.core import timeline as core
from bot.deps import Deps
from bot.views import timeline as views
from bot.views.slack_text import USER_MENTION, defuse, inert
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import verb
from storage import incidents, timeline

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
    posted = deps.slack.post(ctx.channel_id, views.note_text(kind, ctx.user_id, text))
    permalink = deps.slack.permalink(ctx.channel_id, posted["ts"])
    with deps.sessions.begin() as s:
        timeline.record_once(
            s, dedupe_key=core.message_key(ctx.channel_id, posted["ts"], kind), incident_id=ctx.incident_id,
            kind=kind, text=text, occurred_at=now, recorded_at=now, source="command", actor_id=ctx.user_id,
            message_ts=posted["ts"], permalink=permalink,
        )


@verb("timeline", usage="timeline", act=Act.TIMELINE)
def show_timeline(ctx: CommandContext) -> None:
    """Shown to the person who asked, as ephemeral messages: a timeline lists every author with
    <@mentions>, which in a channel message would ping them all. Past MAX_TIMELINE_MESSAGES
    it becomes a Markdown file in the incident channel, since an ephemeral cannot carry a file
    and the file is a record the whole team (and the postmortem) can use."""
    deps = ctx.deps
    with deps.sessions() as s:
        incident = incidents.get(s, ctx.incident_id)
        key, summary = incident.key, incident.summary
        entries = list(timeline.entries(s, ctx.incident_id))
        items = [_item(e) for e in entries]
    # The messages are mrkdwn: typed text escaped, quoted Slack messages defused. The Markdown
    # file below is a document, not mrkdwn (Slack pings nobody from a file): it keeps the text raw.
    messages = core.render_messages(key, [_item(e, shown=True) for e in entries])
    if len(messages) <= views.MAX_TIMELINE_MESSAGES:
        for text in messages:
            ctx.reply(text)
        return
    names = _names(deps, items)
    document = core.render_markdown(key, summary, items, names, now=deps.now())
    deps.slack.upload_file(ctx.channel_id, f"{key.lower()}-timeline.md", document.encode("utf-8"),
                               title=f"Timeline of {key}", comment=views.file_comment(key, len(items), ctx.user_id))
    ctx.reply(views.file_told(key, len(items)))


# Entries whose text is a Slack message as Slack sent it (already markup); the rest was typed
# into a command, a modal or a webhook and is raw.
SLACK_MARKUP_SOURCES = ("message", "reaction", "shortcut")


def _item(entry: Any, *, shown: bool = False) -> core.TimelineItem:
    text = entry.text
    if shown:
        text = defuse(text) if entry.source in SLACK_MARKUP_SOURCES else inert(text)
    return core.TimelineItem(occurred_at=entry.occurred_at, kind=entry.kind, text=text,
                             actor_id=entry.actor_id, permalink=entry.permalink, edited=entry.edited_at is not None)


def _names(deps: Deps, items: list[core.TimelineItem]) -> dict[str, str]:
    """Display names for authors and mentions (users.info, cached per process)."""
    ids = {i.actor_id for i in items if i.actor_id} | {m for i in items for m in USER_MENTION.findall(i.text)}
    names = {}
    for user_id in ids:
        user = deps.slack.user(user_id) or {}
        profile = user.get("profile") or {}
        names[user_id] = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    return names
