"""Slack's text rules in one place: what the bot writes into `text` and mrkdwn.

Slack reads `<...>` as a control sequence (`<!channel>`, `<!subteam^S1>`, `<@U1>`,
`<https://x|label>`) and `&` as the start of an entity. Text people typed is escaped here,
once, where it becomes Slack markup, so it can never ping the company or disguise a link;
the database and the core keep it raw.

It is also the one place for Slack's other text tokens: a user mention (`mention`,
`USER_MENTION`), a date each reader sees in their own zone (`date_token`, `DATE_TOKEN`) and the
UTC text that is its fallback (`utc_text`). A pure leaf (standard library only), so the core's
topic, timeline and postmortem rendering use it too (tests/core/test_purity.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.incident import IncidentSnapshot

# A user mention as Slack sends it in text: `<@U123>` or `<@U123|alice>` (slash commands escape
# mentions so, manifest `should_escape`). Group 1 is the user ID.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
# A date token `<!date^1714564980^{date_short_pretty}|2024-05-01 12:03 UTC>`; group 1 is the fallback.
DATE_TOKEN = re.compile(r"<!date\^[^|>]*\|([^>]*)>")

# Formats for date_token: Slack fills them in, in each reader's own time zone.
DATE_TIME = "{date_short_pretty} {time}"
DATE_AT_TIME = "{date_short_pretty} at {time}"
DATE_ONLY = "{date_short_pretty}"


def mention(user_id: str) -> str:
    """`U1` -> `<@U1>`: Slack shows the person's name and links to them."""
    return f"<@{user_id}>"


def utc_text(moment: datetime) -> str:
    """`2024-05-01 12:03 UTC`: a time readable anywhere (exports, email, date-token fallbacks)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def utc_time_text(moment: datetime) -> str:
    """`12:03 UTC`: the time of day alone, where the date goes without saying (the next update)."""
    return moment.astimezone(timezone.utc).strftime("%H:%M UTC")


def date_token(moment: datetime, fmt: str = DATE_TIME) -> str:
    """A date Slack shows in each reader's own time zone; where it cannot, the UTC text.

    >>> from datetime import datetime, timezone
    >>> date_token(datetime(2024, 5, 1, 12, 3, tzinfo=timezone.utc), DATE_ONLY)
    '<!date^1714564980^{date_short_pretty}|2024-05-01 UTC>'
    """
    fallback = utc_text(moment) if "{time}" in fmt else moment.astimezone(timezone.utc).strftime("%Y-%m-%d UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def escape(text: str) -> str:
    """`&`, `<` and `>` as entities: the whole rule (Slack's "Escaping text" guide).

    >>> escape("<!channel> R&D <b>")
    '&lt;!channel&gt; R&amp;D &lt;b&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inert(text: str | None) -> str:
    """Text a person typed, made safe for mrkdwn: escaped, except that a user mention stays a
    mention of that one person. `<!channel>`, `<!subteam^S1>` and `<http://x|y>` become text.

    >>> inert("ask <@U1|alice> not <!here> or <https://evil|docs>")
    'ask <@U1> not &lt;!here&gt; or &lt;https://evil|docs&gt;'
    """
    if not text:
        return ""
    parts, last = [], 0
    for match in USER_MENTION.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(mention(match.group(1)))
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def chunks(text: str, limit: int = 3000) -> list[str]:
    """Splits mrkdwn into pieces of at most `limit` characters (a section's text limit), at
    line breaks where it can, so a long update reaches Slack whole instead of clipped.

    >>> chunks("a\\nbb\\ncc", limit=4)
    ['a\\nbb', 'cc']
    """
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            # Never cut inside an entity like &amp;: step back to before its `&`.
            amp = line.rfind("&", max(0, cut - 5), cut)
            if amp > 0 and ";" not in line[amp:cut]:
                cut = amp
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def link(url: str, label: str) -> str:
    """`<url|label>` with a typed URL that cannot close the link early or swap its label.

    >>> link("https://x.example/a|<!here>", "Video")
    '<https://x.example/a%7C&lt;!here&gt;|Video>'
    """
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def inert_incident(incident: IncidentSnapshot) -> IncidentSnapshot:
    """The snapshot with what people typed (summary, impact, service, products) escaped, for
    views that put it into mrkdwn. Plain-text fields (headers, options) take the raw one."""
    return replace(incident, summary=inert(incident.summary), impact=inert(incident.impact),
                   faulty_service=inert(incident.faulty_service),
                   affected_products=tuple(inert(p) for p in incident.affected_products))


# Broadcasts and user groups: `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^S1|@team>`.
_BROADCAST = re.compile(r"<(!(?:channel|here|everyone|subteam\^)[^<>]*)>")


def defuse(markup: str) -> str:
    """Text that is already Slack markup (a message a person posted, quoted again by the bot):
    keeps its mentions and links but no broadcast or user-group ping goes out a second time.

    >>> defuse("<!here> see <@U1> <https://x.example|x>")
    '&lt;!here&gt; see <@U1> <https://x.example|x>'
    """
    return _BROADCAST.sub(lambda m: f"&lt;{m.group(1)}&gt;", markup)
