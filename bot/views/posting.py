"""What the person who acted reads when Slack would not let the bot post in a channel an
admin has restricted (chat.postMessage: restricted_action*): which channel, why, what to change."""

from __future__ import annotations

# chat.postMessage's errors (methods/chat.postMessage.json), in plain words.
RESTRICTED = {
    "restricted_action": "a workspace setting keeps the bot from posting there",
    "restricted_action_read_only_channel": "it is read-only (only admins may post)",
    "restricted_action_thread_only_channel": "it takes replies in threads only",
    "restricted_action_non_threadable_channel": "it takes no replies in threads",
}

SETTING = "INCIDENTS_CHANNEL"


def is_restricted(error: str) -> bool:
    return error in RESTRICTED


def refused_post(what: str, error: str, *, incidents_channel: bool, channel: str | None = None) -> str:
    """`channel`: the incidents channel as configured (`#incidents` or an ID), when known."""
    reason = RESTRICTED.get(error, f"Slack said {error}")
    if incidents_channel:
        named = (f"<#{channel}>" if channel and not channel.startswith("#") else channel) or "the incidents channel"
        return (f":warning: {what} did not reach the incidents channel {named}: {reason}. A workspace admin "
                f"must let the bot post there (the channel's posting permissions), or set {SETTING} to another "
                "channel. The rest of the change did not wait for it.")
    return (f":warning: {what} did not reach the incident channel: {reason}. A workspace admin must let the "
            "bot post there (the channel's posting permissions). The rest of the change did not wait for it.")
