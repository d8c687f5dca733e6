"""The incident timeline, pure: which emoji means which kind, prefixed notes, rendering.

The handbook asks responders to note observations, changes and decisions as they happen;
the postmortem is rebuilt from them. Nothing here calls Slack or the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.views.slack_text import DATE_TOKEN, USER_MENTION, date_token, mention, utc_text

NOTE, OBSERVATION, CHANGE, DECISION, SYSTEM = "note", "observation", "change", "decision", "system"
# The handbook's "Fix" loop: develop theories about what is broken, then prove or disprove them.
THEORY, EXPERIMENT = "theory", "experiment"
# Kinds a person can put on the timeline (by emoji, prefix or /incident note).
PERSON_KINDS = (NOTE, OBSERVATION, CHANGE, DECISION, THEORY, EXPERIMENT)
# Words that, leading a channel message or a note, set its kind without a command.
PREFIX_KINDS = (OBSERVATION, CHANGE, DECISION, THEORY, EXPERIMENT)
# Kinds the status card and a handover show as "current theories and streams of work".
ITERATE_KINDS = (THEORY, EXPERIMENT)

DEFAULT_EMOJI_KINDS: dict[str, str] = {
    "pushpin": NOTE,
    "mag": OBSERVATION,
    "hammer_and_wrench": CHANGE,
    "ballot_box_with_check": DECISION,
    "thought_balloon": THEORY,
    "test_tube": EXPERIMENT,
}
KIND_EMOJI = {kind: emoji for emoji, kind in DEFAULT_EMOJI_KINDS.items()} | {SYSTEM: "robot_face", "update": "mega"}

# Slack: text under 4,000 characters per message; keep room for the part header.
MESSAGE_TEXT_LIMIT = 3800

_PREFIX = re.compile(r"^\s*(" + "|".join(PREFIX_KINDS) + r")\s*:\s*", re.IGNORECASE)


def emoji_kinds(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The defaults with the team's `[timeline_emoji]` on top; an empty kind turns an emoji off.

    >>> emoji_kinds({"eyes": "observation", "pushpin": ""})["eyes"]
    'observation'
    """
    merged = dict(DEFAULT_EMOJI_KINDS)
    for emoji, kind in (overrides or {}).items():
        name = base_emoji(emoji)
        kind = (kind or "").strip().lower()
        if not kind:
            merged.pop(name, None)
        elif kind in PERSON_KINDS:
            merged[name] = kind
        else:
            raise ValueError(f"timeline_emoji: {emoji} = {kind!r}; the kinds are {', '.join(PERSON_KINDS)}")
    return merged


def base_emoji(name: str) -> str:
    """`:thumbsup::skin-tone-2:` and `thumbsup::skin-tone-2` are both `thumbsup`."""
    return name.strip().strip(":").split("::")[0]


def kind_for_reaction(reaction: str, kinds: Mapping[str, str]) -> str | None:
    return kinds.get(base_emoji(reaction))


def people_reacting_as(reactions: Iterable[Mapping[str, object]], kind: str, kinds: Mapping[str, str],
                       *, exclude: str | None) -> set[str]:
    """Who still has a reaction meaning `kind` on a message (reactions.get's `reactions`)."""
    people: set[str] = set()
    for reaction in reactions:
        if kinds.get(base_emoji(str(reaction.get("name", "")))) != kind:
            continue
        people.update(str(u) for u in reaction.get("users") or () if u != exclude)  # type: ignore[union-attr]
    return people


def split_prefix(text: str) -> tuple[str, str] | None:
    """`"Decision: roll back"` -> `("decision", "roll back")`; None when no prefix leads."""
    match = _PREFIX.match(text or "")
    if not match:
        return None
    return match.group(1).lower(), text[match.end():].strip()


def parse_note(text: str) -> tuple[str, str]:
    """`/incident note` input -> (kind, text); a leading observation:/change:/decision:/theory:/experiment:
    sets the kind."""
    text = (text or "").strip()
    prefixed = split_prefix(text)
    kind, body = prefixed if prefixed else (NOTE, text)
    if not body:
        raise ValueError("Write what to note after the verb, like `/incident note decision: roll back deploy 42`.")
    return kind, body


def message_key(channel_id: str, ts: str, kind: str) -> str:
    """One entry per message and kind, whether it came by emoji, prefix or command."""
    return f"message:{channel_id}:{ts}:{kind}"


def ts_to_datetime(ts: str) -> datetime:
    """Slack's message ts (`"1714564980.000100"`) -> aware UTC datetime (the message's own time)."""
    seconds, _, fraction = str(ts).partition(".")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).replace(microsecond=micros)


@dataclass(frozen=True)
class TimelineItem:
    """One entry as rendering needs it."""

    occurred_at: datetime
    kind: str
    text: str
    actor_id: str | None = None
    permalink: str | None = None
    edited: bool = False


def kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def render_line(item: TimelineItem) -> str:
    """`• 2024-05-01 12:03 UTC (<!date^…>) :mag: *Observation* <@U1>: text (edited) <link|message>`"""
    emoji = KIND_EMOJI.get(item.kind, "small_blue_diamond")
    parts = [f"• {utc_text(item.occurred_at)} ({date_token(item.occurred_at)}) :{emoji}: *{kind_label(item.kind)}*"]
    parts.append(f"{mention(item.actor_id)}: {item.text}" if item.actor_id else item.text)
    if item.edited:
        parts.append("_(edited)_")
    if item.permalink:
        parts.append(f"<{item.permalink}|message>")
    return " ".join(parts)


def split_messages(lines: Iterable[str], *, limit: int = MESSAGE_TEXT_LIMIT) -> list[str]:
    """Lines packed into as few messages as fit `limit` characters each; a line longer than
    the limit is itself split, never cut off."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _pieces(line, limit):
            added = len(piece) + (1 if current else 0)
            if current and size + added > limit:
                chunks.append("\n".join(current))
                current, size = [], 0
                added = len(piece)
            current.append(piece)
            size += added
    if current:
        chunks.append("\n".join(current))
    return chunks


def _pieces(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    pieces = []
    while len(line) > limit:
        # Prefer a space as the cut so words and Slack tokens (<@U…>) stay whole.
        cut = line.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(line[:cut])
        line = "  " + line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def render_messages(key: str, items: Iterable[TimelineItem], *, limit: int = MESSAGE_TEXT_LIMIT) -> list[str]:
    """The whole timeline as Slack message texts in order, each headed `Timeline of KEY (n/m)`."""
    lines = [render_line(item) for item in items] or ["_Nothing on the timeline yet._"]
    bodies = split_messages(lines, limit=limit)
    total = len(bodies)
    return [f"*Timeline of {key}*" + (f" ({n}/{total})" if total > 1 else "") + f"\n{body}"
            for n, body in enumerate(bodies, start=1)]


_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)>")


def slack_to_markdown(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn tokens -> plain Markdown: `<@U1>` -> `@alice`, `<url|label>` -> `[label](url)`."""
    text = USER_MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})" if m.group(2) else m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = DATE_TOKEN.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_markdown(key: str, summary: str, items: Iterable[TimelineItem], names: Mapping[str, str],
                    *, now: datetime) -> str:
    """The whole timeline as a Markdown document (times in UTC), for a file upload."""
    out = [f"# Timeline of {key}: {slack_to_markdown(summary, names)}", "",
           f"Exported {utc_text(now)}. Times are UTC.", ""]
    for item in items:
        who = f" @{names.get(item.actor_id, item.actor_id)}:" if item.actor_id else ""
        text = slack_to_markdown(item.text, names).replace("\n", "\n  ")
        line = f"- **{item.occurred_at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}** {kind_label(item.kind)}{who} {text}"
        if item.edited:
            line += " *(edited)*"
        if item.permalink:
            line += f" ([message]({item.permalink}))"
        out.append(line)
    return "\n".join(out) + "\n"
