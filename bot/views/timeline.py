"""What the timeline shows in Slack: a note as posted in the channel, notices, the export."""

from __future__ import annotations

from bot.core.timeline import KIND_EMOJI, kind_label
from bot.views.slack_text import inert, mention

# More chunks than this and `/incident timeline` uploads a Markdown file instead: five
# screens of ephemeral text is the most anyone scrolls, and a file can be downloaded.
MAX_TIMELINE_MESSAGES = 5

SCOPE_HINT = "channels:history (groups:history for a private incident)"


def note_text(kind: str, author_id: str, text: str) -> str:
    """The note as everyone in the channel sees it."""
    return f":{KIND_EMOJI.get(kind, 'pushpin')}: *{kind_label(kind)}* from {mention(author_id)}: {inert(text)}"


def unreadable_notice(error: str, emoji: str) -> str:
    """Why a reacted message did not go on the timeline, and what to do about it."""
    if error in ("message_not_found", "thread_not_found"):
        why = "it was deleted, or is not in this channel"
        todo = "Add the note with `/incident note <text>` instead."
    elif error == "missing_scope":
        why = f"the app lacks the scope {SCOPE_HINT}"
        todo = "Ask your Slack admin to add it (manifest.yml) and reinstall the app; until then use `/incident note`."
    else:  # channel_not_found, not_in_channel
        why = "the bot is not in this channel"
        todo = "Invite the bot (`/invite @incident-bot`), then react again."
    return f":warning: The :{emoji}: message is not on the timeline: I could not read it ({why}; Slack said `{error}`). {todo}"


def file_comment(key: str, entries: int, user_id: str) -> str:
    return f"Timeline of {key}: {entries} entries, as Markdown (asked for by {mention(user_id)})."


def file_told(key: str, entries: int) -> str:
    return (f"The timeline of {key} has {entries} entries, too long to show here: "
            "I shared it in this channel as a Markdown file.")
