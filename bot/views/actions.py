"""What people see of postmortem actions: the note in the channel, the list, the reminder DM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.actions import ActionItem
from bot.core.durations import format_duration
from bot.core.handbook import ACTION_CATEGORIES, ACTION_KIND_MEANING
from bot.views.blocks import context, header, section
from bot.views.slack_text import DATE_ONLY, date_token, inert, mention

LIST_LIMIT = 40  # an ephemeral message holds 50 blocks; the rest is counted, not shown


def local_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    return date_token(moment, DATE_ONLY)


def owner_text(owner_id: str | None) -> str:
    return mention(owner_id) if owner_id else "no owner"


def kind_title(kind: str) -> str:
    return f"{kind.capitalize()} action"


def category_text(item: ActionItem) -> str:
    """` · Prevent future incidents`, or "" for an action added without a category."""
    title = ACTION_CATEGORIES.get(item.category or "")
    return f" · {title}" if title else ""


def action_line(item: ActionItem, now: datetime) -> str:
    """`*#3* :red_circle: overdue · Priority action · Add alerting ... · owner <@U1> · due <date>`"""
    state = item.state(now)
    if state == "done":
        status = f":white_check_mark: done {local_date(item.done_at)}" if item.done_at else ":white_check_mark: done"
    elif state == "overdue":
        status = f":red_circle: overdue by {format_duration(now - item.due_at)}"
    else:
        status = ":large_blue_circle: open"
    return (f"*#{item.id}* {status} · {kind_title(item.kind)}{category_text(item)} · {inert(item.text)}\n"
            f"owner {owner_text(item.owner_id)} · due {local_date(item.due_at)}")


def added_message(item: ActionItem, *, added_by: str) -> str:
    return (f":memo: {mention(added_by)} added {kind_title(item.kind).lower()} *#{item.id}*{category_text(item)} to "
            f"{item.incident_key}: "
            f"{inert(item.text)}\nOwner {owner_text(item.owner_id)}, due {local_date(item.due_at)}. "
            f"Close it with `/incident action done {item.id}`.")


def categorized_message(item: ActionItem, *, by: str) -> str:
    return (f":label: {mention(by)} put action *#{item.id}* in{category_text(item).replace(' ·', '', 1)}: "
            f"{inert(item.text)}")


def closed_message(item: ActionItem, *, closed_by: str) -> str:
    return f":white_check_mark: {mention(closed_by)} closed action *#{item.id}*: {inert(item.text)}"


def already_closed(item: ActionItem) -> str:
    by = f" by {mention(item.done_by)}" if item.done_by else ""
    when = f" on {local_date(item.done_at)}" if item.done_at else ""
    return f"Action #{item.id} is already closed{by}{when}; nothing to do. `/incident action list` shows the rest."


def owner_told(item: ActionItem, *, added_by: str) -> str:
    return (f"{mention(added_by)} made you the owner of {kind_title(item.kind).lower()} #{item.id} of "
            f"{item.incident_key}: {inert(item.text)}\nIt is due {local_date(item.due_at)}. "
            f"{ACTION_KIND_MEANING[item.kind]} When it is done, say `/incident action done {item.id}`"
            + (f" in <#{item.channel_id}>." if item.channel_id else "."))


def action_list(key: str, items: list[ActionItem], now: datetime) -> tuple[str, list[dict[str, Any]]]:
    if not items:
        text = (f"{key} has no actions yet. Add one with `/incident action priority <text> [@owner]` "
                "(fixes the root cause) or `/incident action improvement <text> [@owner]`.")
        return text, [section(text)]
    open_count = sum(1 for i in items if i.done_at is None)
    overdue = sum(1 for i in items if i.state(now) == "overdue")
    summary = f"{open_count} open ({overdue} overdue), {len(items) - open_count} done"
    blocks = [header(f"{key} actions"), context(summary)]
    blocks += [section(action_line(item, now)) for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        blocks.append(context(f"and {len(items) - LIST_LIMIT} more"))
    lines = [f"{key} actions: {summary}"] + [action_line(i, now) for i in items[:LIST_LIMIT]]
    return "\n".join(lines)[:3000], blocks


def private_owner_told(item: ActionItem) -> str:
    return (f"You own action #{item.id} of private incident {item.incident_key}. Its details stay in the "
            "incident's channel: ask a member to add you.")


def private_reminder(item: ActionItem) -> str:
    """An overdue action of a private incident, to an owner outside its channel: no details."""
    return (f":alarm_clock: An action of private incident {item.incident_key} you own is overdue. Its details "
            f"stay in the incident's channel: ask a member to add you, then `/incident action list` shows it.")


def reminder(item: ActionItem, now: datetime, *, late: bool) -> str:
    where = f" in <#{item.channel_id}>" if item.channel_id else ""
    late_note = " (sent late: the bot was not running when this reminder fell due)" if late else ""
    return (f":alarm_clock: {kind_title(item.kind)} #{item.id} of {item.incident_key} is overdue by "
            f"{format_duration(now - item.due_at)}{late_note}: {inert(item.text)}\n"
            f"It was due {local_date(item.due_at)}. When it is done, say `/incident action done {item.id}`{where}. "
            "You will get a reminder each week while it stays open.")
