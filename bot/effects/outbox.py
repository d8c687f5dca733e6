"""What a change sends to Slack, written as effects in the change's own transaction.

Listeners and flows call these with the Session that writes the change; the worker delivers
each right after the commit (bot/effects/worker.py), exactly once (message metadata + a look
in history on retry), and a permanent failure is recorded and told to `tell` (the person who
acted). Destinations are independent: the incident channel's effects share its ordering key
(one at a time, in order: an invitation before the post that greets the newcomer), while the
incidents channel and DMs have none, so an archived incident channel holds up neither.

Answers to the person acting (ephemeral messages, the ack, views.open) are not effects: they
answer a request and a trigger_id dies in 3 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.views.slack_text import mention
from storage import Session, effects

POST, DM = "slack.post", "slack.dm"
INVITE, BOOKMARK, UPDATE = "slack.invite", "slack.bookmark", "slack.update"
REACT, UNREACT = "slack.react", "slack.unreact"
UPLOAD = "slack.upload"
TOPIC, INFO_EDIT = "slack.topic", "slack.info_message"


def topic_key(incident_id: int) -> str:
    """Topic edits of one incident go out in order (each shows the state of its delivery)."""
    return f"topic:{incident_id}"


def info_key(incident_id: int) -> str:
    return f"info:{incident_id}"


def bookmarks_key(incident_id: int) -> str:
    """Bookmarks of one incident one at a time: two never both add the same link."""
    return f"bookmarks:{incident_id}"


def message_key(channel: str, ts: str) -> str:
    """Edits of one message in order: the last edit wins."""
    return f"message:{channel}:{ts}"


def _payload(text: str, blocks: list[dict[str, Any]] | None, what: str | None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text, **{k: v for k, v in extra.items() if v is not None}}
    if blocks:
        payload["blocks"] = blocks
    if what:
        payload["what"] = what
    return payload


def in_channel(s: Session, incident_id: int, text: str, blocks: list[dict[str, Any]] | None = None, *,
               now: datetime, tell: str | None = None, what: str | None = None,
               thread_ts: str | None = None) -> int | None:
    """A message in the incident's channel (read at delivery), in order with its other effects."""
    return effects.enqueue(s, kind=POST, incident_id=incident_id, now=now, tell=tell,
                           ordering_key=effects.channel_key(incident_id),
                           payload=_payload(text, blocks, what, channel="incident", thread_ts=thread_ts))


def in_incidents_channel(s: Session, incident_id: int | None, text: str, blocks: list[dict[str, Any]] | None = None,
                         *, now: datetime, tell: str | None = None, what: str | None = None) -> int | None:
    """A message in INCIDENTS_CHANNEL (skipped when it is not set); held up by no incident channel."""
    return effects.enqueue(s, kind=POST, incident_id=incident_id, now=now, tell=tell,
                           payload=_payload(text, blocks, what, channel="incidents"))


def to_person(s: Session, incident_id: int | None, user_id: str, text: str,
              blocks: list[dict[str, Any]] | None = None, *, now: datetime, tell: str | None = None,
              what: str | None = None) -> int | None:
    """A DM. `tell` hears of it when it cannot be delivered (never the recipient themselves)."""
    return effects.enqueue(s, kind=DM, incident_id=incident_id, now=now, recipient_id=user_id,
                           tell=tell if tell != user_id else None,
                           payload=_payload(text, blocks, what or f"The message to {mention(user_id)}"))


def invite(s: Session, incident_id: int, user_ids: Sequence[str], *, now: datetime,
           tell: str | None = None, why: str = "") -> int | None:
    """Invites them into the incident's channel (before what is posted there after it). Who
    Slack refuses (a guest...) is told to `tell`, with `why` ("you named them tech lead")."""
    return effects.enqueue(s, kind=INVITE, incident_id=incident_id, now=now, tell=tell,
                           ordering_key=effects.channel_key(incident_id),
                           payload={"users": list(dict.fromkeys(user_ids)), "why": why,
                                    "what": "The invitation of " + ", ".join(mention(u) for u in user_ids)})


def sync_channel(s: Session, incident_id: int, *, now: datetime) -> None:
    """The topic and the pinned info message follow the change (rendered at delivery)."""
    effects.enqueue(s, kind=TOPIC, incident_id=incident_id, now=now, ordering_key=topic_key(incident_id))
    effects.enqueue(s, kind=INFO_EDIT, incident_id=incident_id, now=now, ordering_key=info_key(incident_id))


def bookmark(s: Session, incident_id: int, link: str, *, now: datetime, tell: str | None = None) -> int | None:
    """The channel's bookmark of `link` (video, doc, issue) follows the database."""
    return effects.enqueue(s, kind=BOOKMARK, incident_id=incident_id, now=now, tell=tell,
                           ordering_key=bookmarks_key(incident_id), payload={"link": link})


def update_message(s: Session, incident_id: int | None, channel: str, ts: str, text: str,
                   blocks: list[dict[str, Any]] | None = None, *, now: datetime, tell: str | None = None,
                   what: str | None = None) -> int | None:
    return effects.enqueue(s, kind=UPDATE, incident_id=incident_id, now=now, tell=tell,
                           ordering_key=message_key(channel, ts),
                           payload=_payload(text, blocks, what, channel=channel, ts=ts))


def react(s: Session, incident_id: int, channel: str, ts: str, emoji: str, *, now: datetime,
          withdraw: bool = False) -> int | None:
    """The bot's own reaction on a message (`withdraw`: taken off again), in order per message."""
    return effects.enqueue(s, kind=UNREACT if withdraw else REACT, incident_id=incident_id, now=now,
                           ordering_key=f"reaction:{channel}:{ts}", payload={"channel": channel, "ts": ts, "emoji": emoji})


def upload(s: Session, incident_id: int, *, render: str, filename: str, title: str, now: datetime,
           comment: str | None = None, args: dict[str, Any] | None = None, tell: str | None = None,
           what: str | None = None) -> int | None:
    """A file in the incident's channel. Its content is rendered from the database when it is
    delivered (bot/effects/uploads.py `renderer(render)`), so no file is kept in the row."""
    return effects.enqueue(s, kind=UPLOAD, incident_id=incident_id, now=now, tell=tell,
                           ordering_key=effects.channel_key(incident_id),
                           payload={"render": render, "args": args or {}, "filename": filename, "title": title,
                                    "comment": comment, "what": what or f"The file {filename}"})
