"""Messages of incident channels, remembered as they arrive, read from Slack only when unknown.

The bot hears every message, edit and deletion in its channels (Events API); storing them
means a reaction on a message costs no Slack read. A message from before the bot heard
the channel (or from a gap the catch-up did not cover) is read once, with
conversations.replies windowed on its ts and `limit=2`: for a thread reply Slack answers
the parent first and then the reply, so one call finds either kind.
"""

from __future__ import annotations

from typing import Any

from bot.core.timeline import ts_to_datetime
from bot.deps import Deps
from bot.views.slack_text import escape
from bot.slack_edge import SlackFailure
from storage import Session, messages

# Subtypes that are a message someone (a person or an app) posted and that can be reacted to.
STORED_SUBTYPES = (None, "", "thread_broadcast", "file_share", "bot_message", "me_message")
# Of those, a person writing in the channel (what a prefix like `decision:` counts from).
PERSON_SUBTYPES = (None, "", "thread_broadcast", "file_share")


def thread_of(message: dict[str, Any]) -> str | None:
    thread = message.get("thread_ts")
    return thread if thread and thread != message.get("ts") else None


def file_titles(message: dict[str, Any]) -> list[str] | None:
    files = [f.get("title") or f.get("name") or "file" for f in message.get("files") or ()]
    return files or None


def text_with_files(text: str, files: list[Any] | None) -> str:
    """The message's text (Slack markup already) and its files' titles. A title is what a person
    typed, not markup: escaped here, so `<!channel>` or a disguised link in it stays text."""
    shown = ", ".join(escape(str(f)) for f in files or ())
    return (text + (f" [files: {shown}]" if shown else "")).strip() or "(a message without text)"


def message_text(message: dict[str, Any]) -> str:
    """What the timeline shows of a message from Slack: its text, and its files' titles."""
    return text_with_files(message.get("text") or "", file_titles(message))


def is_person(message: dict[str, Any]) -> bool:
    return message.get("subtype") in PERSON_SUBTYPES and not message.get("bot_id") and bool(message.get("user"))


def remember(s: Session, channel: str, message: dict[str, Any]) -> None:
    """Stores (or refreshes) a message as Slack shows it, in the caller's transaction."""
    edited = (message.get("edited") or {}).get("ts")
    messages.remember(
        s, channel_id=channel, ts=message["ts"], thread_ts=thread_of(message), user_id=message.get("user"),
        from_bot=bool(message.get("bot_id")) or message.get("subtype") == "bot_message",
        text=message.get("text") or "", files=file_titles(message), posted_at=ts_to_datetime(message["ts"]),
        edited_at=ts_to_datetime(edited) if edited else None,
    )


def read(deps: Deps, channel: str, ts: str, *, pace: bool = True) -> dict[str, Any]:
    """The message at `ts`, top-level or a thread reply, in one conversations.replies call.
    Raises RateLimited (the caller tries again later) or SlackFailure. `pace=False` for the
    effect worker: it must not sleep in a delivery thread; a 429 releases the thread instead."""
    if pace:
        deps.slack_queue.pace("conversations.replies")
    answer = deps.slack.read("conversations.replies", channel=channel, ts=ts, latest=ts, oldest=ts,
                                 inclusive=True, limit=2)
    for message in answer.get("messages", []):
        if message.get("ts") == ts:
            return message
    raise SlackFailure("conversations.replies", "message_not_found")
