"""What the person who acted reads when Slack would not let someone into an incident channel.

Guests, Slack Connect users and people of another workspace of an Enterprise organisation
can be refused by `conversations.invite`; everyone else was invited. Said once, in plain
words, naming who stayed out and what can be done.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.views.slack_text import mention

# Slack's error (methods/conversations.invite.json) -> why, in the words of a person.
REASONS = {
    "user_is_restricted": "is a guest account, and guests may only join the channels a workspace admin "
                          "gives them",
    "ura_max_channels": "is a single-channel guest who is already in their one channel",
    "invitee_cant_see_channel": "belongs to another workspace of your organisation that this channel is "
                                "not shared with",
    "org_user_not_in_team": "belongs to your organisation but not to this workspace",
    "no_permission": "is an external (Slack Connect) user, and this channel is not shared with their "
                     "organisation",
    "no_external_invite_permission": "is an external (Slack Connect) user the bot may not invite",
    "user_not_found": "is not a Slack user of this workspace",
    "user_is_deactivated": "has a deactivated account",
    "cant_invite": "cannot be invited to this channel",
}

REMEDY = ("A workspace admin can add a guest to the channel (or share it with the other workspace); "
          "otherwise keep them informed another way.")


def reason(error: str) -> str:
    return REASONS.get(error, f"was refused by Slack ({error})")


def refused_invites(key: str, channel_id: str | None, refused: Mapping[str, str], *, why: str) -> str:
    """`why`: what they were being invited for ("you declared it", "you named them incident manager")."""
    where = f"<#{channel_id}>" if channel_id else "the incident channel"
    lines = [f":warning: {key}: Slack would not let me invite these people into {where} ({why}):"]
    lines += [f"• {mention(user_id)} {reason(error)}." for user_id, error in refused.items()]
    lines.append(REMEDY)
    return "\n".join(lines)
