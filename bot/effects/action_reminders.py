"""Deliverer of the overdue-action reminders ("action_overdue:<action id>"): a DM to the
action's owner, unless the action was closed meanwhile. A person who cannot be reached
stops the reminder with the reason recorded (errors.CANNOT_REACH are permanent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.effects.errors import Skip
from bot.effects.registry import deliverer
from bot.effects.slack_messages import post_once
from bot.views.actions import private_reminder, reminder
from storage import actions, members
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps


@deliverer(actions.REMINDER_KIND, reminder=True)
def deliver(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    action_id = effect.payload.get("action_id")
    with deps.sessions.begin() as s:
        item = actions.items(s, [action_id]).get(action_id) if action_id else None
        outsider = bool(item and item.private and effect.recipient_id
                        and not members.is_member(s, channel_id=item.channel_id, user_id=effect.recipient_id))
    if item is None or item.done_at is not None or not effect.recipient_id:
        raise Skip("action closed")
    # A private incident's action text stays in its channel: a non-member owner hears only the key.
    text = private_reminder(item) if outsider else reminder(item, deps.now(), late=effect.late)
    return post_once(deps, effect, effect.recipient_id, text, dm=True)
