"""`/incident link <video|doc|issue> <url>`: a channel bookmark (edited when set again),
the pinned info message, and the topic when it fits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.authority import Act
from bot.core.incident import LINK_KINDS
from bot.effects import outbox
from bot.views.declare import LINK_TITLES
from bot.views.slack_text import mention
from bot.errors import CommandError
from commands import authority
from commands.context import CommandContext
from commands.registry import verb
from storage import incidents, timeline

USAGE = "link <video|doc|issue> <url>"
EXAMPLE = "`/incident link video https://meet.example.com/hot-1`"
URL_COLUMNS = {"video": "video_url", "doc": "doc_url", "issue": "issue_url"}


@dataclass(frozen=True)
class LinkArgs:
    kind: str
    url: str


def web_url(text: str) -> str | None:
    """An http(s) URL with a host, or None. Slack escapes links in commands: `<https://x|x>`.

    >>> web_url("<https://meet.example.com/hot-1|meet.example.com/hot-1>")
    'https://meet.example.com/hot-1'
    """
    raw = text.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1].split("|", 1)[0]
    try:
        parts = urlsplit(raw)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in raw):
        return None
    return raw


def parse(args: str) -> LinkArgs:
    words = args.split()
    if not words or words[0].lower() not in LINK_KINDS:
        raise CommandError(f"Say which link: {', '.join(LINK_KINDS)}, then the URL, e.g. {EXAMPLE}.")
    if len(words) != 2:
        raise CommandError(f"Give one http(s) URL after `{words[0]}`, e.g. {EXAMPLE}.")
    url = web_url(words[1])
    if url is None:
        raise CommandError(f"`{words[1]}` is not an http(s) URL. A good one looks like {EXAMPLE}.")
    return LinkArgs(words[0].lower(), url)


@verb("link", usage=USAGE, parse=parse, act=Act.LINK)
def link(ctx: CommandContext) -> None:
    deps, kind, url = ctx.deps, ctx.parsed.kind, ctx.parsed.url
    incident_id = ctx.incident_id or 0
    now = deps.now()
    with deps.sessions.begin() as s:
        incident = incidents.get(s, incident_id, for_update=True)
        authority.check(s, ctx.user_id, Act.LINK, incidents.snapshot(incident), typed_in=ctx.channel_id)
        unchanged = getattr(incident, URL_COLUMNS[kind]) == url
        if not unchanged:
            setattr(incident, URL_COLUMNS[kind], url)
            timeline.record_system(
                s, incident.id, f"{mention(ctx.user_id)} set the {LINK_TITLES[kind].lower()} link: {url}", now=now,
                actor_id=ctx.user_id, data={"event": "link", "kind": kind, "url": url, "by": ctx.user_id},
            )
        bookmark_id = (incident.bookmark_ids or {}).get(kind)
        if not (unchanged and bookmark_id):
            # The bookmark follows the database at delivery; then the topic, pin and channel line.
            outbox.bookmark(s, incident.id, kind, now=now, tell=ctx.user_id)
            outbox.sync_channel(s, incident.id, now=now)
            outbox.in_channel(s, incident.id,
                              f":link: {mention(ctx.user_id)} set the {LINK_TITLES[kind].lower()} link: {url}",
                              now=now, tell=ctx.user_id, what=f"The {LINK_TITLES[kind].lower()} link of {incident.key}")
    if unchanged and bookmark_id:
        ctx.reply(f"The {LINK_TITLES[kind].lower()} link is already {url}; nothing changed.")
