"""The incident timeline from Slack: emoji reactions, prefixed messages, edits and deletions,
`/incident note` and `/incident timeline`.

Exactly once: every entry from a message has a unique key (message, kind) and is inserted
with ON CONFLICT DO NOTHING; an event's id is stored with its effect, so a redelivery
after the effect costs one query and no Slack call.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App

from bot.core import timeline as core
from bot.services import Services
from bot.slack_edge import SlackFailure
from bot.views import timeline as views
from commands.context import CommandContext
from commands.errors import CommandError
from commands.registry import verb
from storage import events, incidents, timeline

log = logging.getLogger(__name__)

# What Slack answers when the bot may not read a message; anything else is a real failure.
UNREADABLE = ("message_not_found", "thread_not_found", "channel_not_found", "missing_scope", "not_in_channel")
# Message subtypes that are a person writing in the channel (None: a plain message).
PLAIN_SUBTYPES = (None, "", "thread_broadcast")
# Entries whose text is the message minus its observation:/change:/decision: prefix.
PREFIXED_SOURCES = ("message",)


def _parse_note(args: str) -> tuple[str, str]:
    try:
        return core.parse_note(args)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


@verb("note", usage="note <text>", parse=_parse_note)
def note(ctx: CommandContext) -> None:
    """Posts the note in the channel (everyone sees it) and records it now, by its author."""
    kind, text = ctx.parsed
    services = ctx.services
    now = services.now()
    posted = services.slack.post(ctx.channel_id, views.note_text(kind, ctx.user_id, text))
    permalink = services.slack.permalink(ctx.channel_id, posted["ts"])
    with services.sessions.begin() as s:
        timeline.record_once(
            s, dedupe_key=core.message_key(ctx.channel_id, posted["ts"], kind), incident_id=ctx.incident_id,
            kind=kind, text=text, occurred_at=now, recorded_at=now, source="command", actor_id=ctx.user_id,
            message_ts=posted["ts"], permalink=permalink,
        )


@verb("timeline", usage="timeline")
def show_timeline(ctx: CommandContext) -> None:
    """Shown to the person who asked, as ephemeral messages: a timeline lists every author with
    <@mentions>, which in a channel message would ping them all. Past MAX_TIMELINE_MESSAGES
    it becomes a Markdown file in the incident channel, since an ephemeral cannot carry a file
    and the file is a record the whole team (and the postmortem) can use."""
    services = ctx.services
    with services.sessions() as s:
        incident = incidents.get(s, ctx.incident_id)
        key, summary = incident.key, incident.summary
        items = [_item(e) for e in timeline.entries(s, ctx.incident_id)]
    messages = core.render_messages(key, items)
    if len(messages) <= views.MAX_TIMELINE_MESSAGES:
        for text in messages:
            ctx.reply(text)
        return
    names = _names(services, items)
    document = core.render_markdown(key, summary, items, names, now=services.now())
    services.slack.upload_file(ctx.channel_id, f"{key.lower()}-timeline.md", document.encode("utf-8"),
                               title=f"Timeline of {key}", comment=views.file_comment(key, len(items), ctx.user_id))
    ctx.reply(views.file_told(key, len(items)))


def _item(entry: Any) -> core.TimelineItem:
    return core.TimelineItem(occurred_at=entry.occurred_at, kind=entry.kind, text=entry.text,
                             actor_id=entry.actor_id, permalink=entry.permalink, edited=entry.edited_at is not None)


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")


def _names(services: Services, items: list[core.TimelineItem]) -> dict[str, str]:
    """Display names for authors and mentions (users.info, cached per process)."""
    ids = {i.actor_id for i in items if i.actor_id} | {m for i in items for m in _MENTION.findall(i.text)}
    names = {}
    for user_id in ids:
        user = services.slack.user(user_id) or {}
        profile = user.get("profile") or {}
        names[user_id] = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    return names


# -- events ---------------------------------------------------------------------------------
def register(app: App, services: Services) -> None:
    @app.event("reaction_added")
    def on_reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction_added(services, event, event_id=body.get("event_id", ""), bot_user=_bot_user(body))

    @app.event("reaction_removed")
    def on_reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction_removed(services, event, bot_user=_bot_user(body))

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message_changed(services, event)
        elif subtype == "message_deleted":
            message_deleted(services, event)
        elif subtype in PLAIN_SUBTYPES and not event.get("bot_id"):
            message_posted(services, event)


def _bot_user(body: dict[str, Any]) -> str | None:
    """The bot's own user ID from the envelope, so no auth.test is needed to skip its reactions."""
    for auth in body.get("authorizations") or ():
        if auth.get("is_bot"):
            return auth.get("user_id")
    return None


def reaction_added(services: Services, event: dict[str, Any], *, event_id: str, bot_user: str | None) -> None:
    item = event.get("item") or {}
    kinds = core.emoji_kinds(services.team.timeline_emoji)
    kind = core.kind_for_reaction(event.get("reaction", ""), kinds)
    if item.get("type") != "message" or kind is None or event.get("user") == bot_user:
        return
    channel, ts, reactor = item["channel"], item["ts"], event.get("user")
    key = core.message_key(channel, ts, kind)
    event_key = f"event:{event_id}"
    with services.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        if incident_id is None:
            return
        # Another person's same emoji, or a redelivery after the effect: nothing to fetch.
        if timeline.get_by_key(s, key) is not None or events.is_processed(s, event_key):
            return
    try:
        message = fetch_message(services, channel, ts)
    except SlackFailure as exc:
        if exc.error not in UNREADABLE:
            raise
        log.warning("timeline: cannot read message %s in %s reacted :%s: by %s: %s", ts, channel,
                    event.get("reaction"), reactor, exc)
        if reactor:
            services.slack.ephemeral(channel, reactor, views.unreadable_notice(exc.error, event.get("reaction", "")))
        with services.sessions.begin() as s:
            events.seen(s, event_key, services.now())
        return
    permalink = services.slack.permalink(channel, ts, _thread_of(message))
    with services.sessions.begin() as s:
        inserted = timeline.record_once(
            s, dedupe_key=key, incident_id=incident_id, kind=kind, text=message_text(message),
            occurred_at=core.ts_to_datetime(ts), recorded_at=services.now(), source="reaction",
            actor_id=message.get("user"), message_ts=ts, thread_ts=_thread_of(message), permalink=permalink,
            data={"reacted_by": reactor, "emoji": core.base_emoji(event.get("reaction", ""))},
        )
        events.seen(s, event_key, services.now())
    if inserted:
        acknowledge(services, channel, ts)


def reaction_removed(services: Services, event: dict[str, Any], *, bot_user: str | None) -> None:
    """Removing the last reaction of a kind removes that entry (never a prefix's or a note's)."""
    item = event.get("item") or {}
    kinds = core.emoji_kinds(services.team.timeline_emoji)
    kind = core.kind_for_reaction(event.get("reaction", ""), kinds)
    if item.get("type") != "message" or kind is None or event.get("user") == bot_user:
        return
    channel, ts = item["channel"], item["ts"]
    key = core.message_key(channel, ts, kind)
    with services.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        entry = timeline.get_by_key(s, key) if incident_id is not None else None
        if entry is None or entry.source != "reaction":
            return
    try:
        reactions = services.slack.call("reactions.get", channel=channel, timestamp=ts, full=True)["message"]
        remaining = core.people_reacting_as(reactions.get("reactions") or (), kind, kinds, exclude=bot_user)
    except SlackFailure as exc:
        if exc.error != "message_not_found":
            raise
        remaining = set()  # the message is gone: nobody reacts to it any more
    if remaining:
        return
    with services.sessions.begin() as s:
        timeline.remove_by_key(s, key, source="reaction")
        left = timeline.for_message(s, incident_id, ts)  # type: ignore[arg-type]
    if not left:
        withdraw_acknowledgement(services, channel, ts)


def message_posted(services: Services, event: dict[str, Any]) -> None:
    """`observation: ...`, `change: ...`, `decision: ...` in the channel go on the timeline."""
    prefixed = core.split_prefix(event.get("text") or "")
    if prefixed is None or not prefixed[1] or not event.get("user"):
        return  # most messages: no database, no Slack
    kind, text = prefixed
    channel, ts = event["channel"], event["ts"]
    with services.sessions() as s:
        incident_id = timeline.incident_for_channel(s, channel)
    if incident_id is None:
        return
    record_prefixed(services, incident_id, channel, event, kind, text)


def record_prefixed(services: Services, incident_id: int, channel: str, message: dict[str, Any], kind: str,
                    text: str) -> None:
    ts = message["ts"]
    permalink = services.slack.permalink(channel, ts, _thread_of(message))
    with services.sessions.begin() as s:
        inserted = timeline.record_once(
            s, dedupe_key=core.message_key(channel, ts, kind), incident_id=incident_id, kind=kind, text=text,
            occurred_at=core.ts_to_datetime(ts), recorded_at=services.now(), source="message",
            actor_id=message.get("user"), message_ts=ts, thread_ts=_thread_of(message), permalink=permalink,
        )
    if inserted:
        acknowledge(services, channel, ts)


def message_changed(services: Services, event: dict[str, Any]) -> None:
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    channel, ts = event.get("channel", ""), message.get("ts", "")
    if message.get("subtype") == "tombstone":  # a thread parent deleted while it has replies
        message_deleted(services, {"channel": channel, "deleted_ts": ts})
        return
    text = message.get("text") or ""
    if text == (previous.get("text") or "") or message.get("bot_id"):
        return  # a reply count, an unfurl or the bot's own edit: not an edit of the words
    with services.sessions() as s:
        incident_id = timeline.incident_for_channel(s, channel)
    if incident_id is None:
        return
    edited = (message.get("edited") or {}).get("ts")
    edited_at = core.ts_to_datetime(edited) if edited else services.now()
    prefixed = core.split_prefix(text)
    with services.sessions.begin() as s:
        existing = timeline.for_message(s, incident_id, ts)
        timeline.mark_edited(s, incident_id, ts, text=text, edited_at=edited_at, sources=("reaction",))
        if prefixed and prefixed[1]:
            timeline.mark_edited(s, incident_id, ts, text=prefixed[1], edited_at=edited_at, sources=PREFIXED_SOURCES)
    if prefixed and prefixed[1] and not any(e.source in PREFIXED_SOURCES for e in existing):
        # Edited to start with observation:/change:/decision: counts as writing it so.
        record_prefixed(services, incident_id, channel, message, *prefixed)


def message_deleted(services: Services, event: dict[str, Any]) -> None:
    channel, ts = event.get("channel", ""), event.get("deleted_ts", "")
    with services.sessions.begin() as s:
        incident_id = timeline.incident_for_channel(s, channel)
        if incident_id is not None:
            timeline.mark_deleted(s, incident_id, ts, deleted_at=services.now())


# -- Slack reads and the bot's own reaction -------------------------------------------------
def fetch_message(services: Services, channel: str, ts: str) -> dict[str, Any]:
    """The message at `ts`, top-level or a thread reply: conversations.history never returns
    replies, conversations.replies windowed on `ts` returns either."""
    args = dict(channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True)
    for limit in (1, 1000):  # should the first answer start with the thread's parent, look further
        for message in services.slack.call("conversations.replies", **args, limit=limit).get("messages", []):
            if message.get("ts") == ts:
                return message
    raise SlackFailure("conversations.replies", "message_not_found")


def message_text(message: dict[str, Any]) -> str:
    text = message.get("text") or ""
    files = ", ".join(f.get("title") or f.get("name") or "file" for f in message.get("files") or ())
    return (text + (f" [files: {files}]" if files else "")).strip() or "(a message without text)"


def _thread_of(message: dict[str, Any]) -> str | None:
    thread = message.get("thread_ts")
    return thread if thread and thread != message.get("ts") else None


def acknowledge(services: Services, channel: str, ts: str) -> None:
    """The bot's own reaction tells people the message is on the timeline (best effort)."""
    emoji = services.settings.timeline_ack_reaction.strip(":")
    if not emoji:
        return
    try:
        services.slack.add_reaction(channel, ts, emoji)
    except SlackFailure as exc:
        log.warning("timeline: could not acknowledge %s in %s with :%s:: %s", ts, channel, emoji, exc)


def withdraw_acknowledgement(services: Services, channel: str, ts: str) -> None:
    emoji = services.settings.timeline_ack_reaction.strip(":")
    if not emoji:
        return
    try:
        services.slack.call("reactions.remove", channel=channel, timestamp=ts, name=emoji)
    except SlackFailure as exc:
        if exc.error not in ("no_reaction", "message_not_found"):
            log.warning("timeline: could not withdraw :%s: from %s in %s: %s", emoji, ts, channel, exc)
