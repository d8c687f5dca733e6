"""Postmortem actions: the `/incident action ...` grammar, due dates, reminder periods, and
the handbook's advice when an action is not phrased as one.

>>> parse_action_command("priority Add alerting on checkout errors <@U123|alice>")
AddAction(kind='priority', text='Add alerting on checkout errors', owner_id='U123', category=None)
>>> parse_action_command("priority prevent-future Add a pre-submit schema check").category
'prevent-future'
>>> starts_with_verb("Monitoring for this scenario")
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.handbook import ACTION_ADVICE, ACTION_CATEGORIES, ACTION_KINDS, ACTION_QUESTIONS
from bot.views.slack_text import USER_MENTION

PRIORITY, IMPROVEMENT = ACTION_KINDS
ADD_USAGE = "action <priority|improvement> [category] <text> [@owner]"
# Short words people type for the six categories, besides their full command words.
CATEGORY_ALIASES = {"mitigate": "mitigate-incident", "repair": "repair-damage", "detect": "detect-future",
                    "prevent": "prevent-future"}
DONE_USAGE = "action done <id>"
CATEGORY_USAGE = "action category <id> <category>"
LIST_USAGE = "action list"
TEXT_LIMIT = 500
REMINDER_EVERY = timedelta(weeks=1)

# The owner, named last: ` <@U123|name>` (USER_MENTION at the end of the text).
_TRAILING_MENTION = re.compile(r"\s*" + USER_MENTION.pattern + r"\s*$")
_ID = re.compile(r"#?(\d{1,9})")


class ActionInputError(ValueError):
    """The command text is not an action command; the message says what was wrong."""


@dataclass(frozen=True)
class AddAction:
    kind: str
    text: str
    owner_id: str | None
    category: str | None = None


@dataclass(frozen=True)
class CloseAction:
    action_id: int


@dataclass(frozen=True)
class ListActions:
    pass


@dataclass(frozen=True)
class CategorizeAction:
    action_id: int
    category: str


def parse_action_command(args: str) -> AddAction | CloseAction | ListActions | CategorizeAction:
    """`""`/`"list"` -> ListActions; `"done 3"` or `"done #3"` -> CloseAction(3);
    `"<priority|improvement> [category] <text> [<@U..>]"` -> AddAction (owner and category None when
    not named)."""
    words = args.split()
    if not words or (len(words) == 1 and words[0].lower() == "list"):
        return ListActions()
    first = words[0].lower()
    if first in ("done", "close"):
        match = _ID.fullmatch(words[1]) if len(words) == 2 else None
        if not match:
            raise ActionInputError("Say which action to close by its number, as the action list shows it, "
                                   f"e.g. `/incident {DONE_USAGE.replace('<id>', '3')}`.")
        return CloseAction(int(match.group(1)))
    if first == "category":
        match = _ID.fullmatch(words[1]) if len(words) == 3 else None
        category = category_named(words[2]) if match else None
        if not match or category is None:
            raise ActionInputError("Say which action and which of the six categories, e.g. "
                                   f"`/incident action category 3 prevent-future` ({', '.join(ACTION_CATEGORIES)}).")
        return CategorizeAction(int(match.group(1)), category)
    if first not in ACTION_KINDS:
        raise ActionInputError(f"`{words[0]}` is not a kind of action: say `priority` (fixes the root cause) "
                               "or `improvement` (any other action).")
    rest = args.strip()[len(words[0]):].strip()
    category = category_named(rest.split()[0]) if rest.split() else None
    if category:
        rest = rest[len(rest.split()[0]):].strip()
    owner_id = None
    mention = _TRAILING_MENTION.search(rest)
    if mention:
        owner_id = mention.group(1)
        rest = rest[: mention.start()].strip()
    elif rest.split() and rest.split()[-1].startswith("@") and len(rest.split()[-1]) > 1:
        raise ActionInputError(f"I can't tell who {rest.split()[-1]} is: pick the owner from Slack's @ suggestions "
                               "so the name turns into a mention.")
    if not rest:
        raise ActionInputError("Say what the action is, starting with a verb, e.g. "
                               f"`/incident action {first} {ACTION_ADVICE[0].good}`")
    if len(rest) > TEXT_LIMIT:
        raise ActionInputError(f"An action is one specific, bounded step: keep it under {TEXT_LIMIT} characters "
                               f"(this one has {len(rest)}).")
    return AddAction(first, rest, owner_id, category)


def category_named(word: str) -> str | None:
    """`prevent-future`, `Prevent-Future:` or `prevent` -> "prevent-future"; None otherwise."""
    key = word.strip().lower().rstrip(":")
    if key in ACTION_CATEGORIES:
        return key
    return CATEGORY_ALIASES.get(key)


def category_hint(kind: str) -> str:
    """Which of the handbook's six categories an action can be in, with the question each asks."""
    lines = ["Tip: say which of the handbook's six categories the action is in, right after its kind, e.g. "
             f"`/incident action {kind} prevent-future Add automated pre-submit check for schema changes`, "
             "or later with `/incident action category <id> <category>`:"]
    for word, title in ACTION_CATEGORIES.items():
        lines.append(f"• `{word}`: {title}. {ACTION_QUESTIONS[title]}")
    return "\n".join(lines)


def action_due(kind: str, created_at: datetime, *, priority_weeks: int, improvement_weeks: int) -> datetime:
    """Priority actions get the priority SLO (the handbook: 4 or 8 weeks), improvements their own."""
    weeks = priority_weeks if kind == PRIORITY else improvement_weeks
    return created_at + timedelta(weeks=weeks)


def is_overdue(due_at: datetime, done_at: datetime | None, now: datetime) -> bool:
    return done_at is None and due_at <= now


def reminder_due(due_at: datetime, now: datetime, every: timedelta = REMINDER_EVERY) -> datetime | None:
    """The start of the overdue period `now` falls in: the due time itself, then each week after.
    One reminder per period; a bot that was down for weeks sends one, not one per missed week.

    None while the action is not yet due."""
    if now < due_at:
        return None
    periods = (now - due_at) // every
    return due_at + periods * every


# Words that start an action well ("Add alerting ...", "Fix ..."). Not exhaustive: an
# unknown first word gets the hint, which is gentle and never refuses the action.
_VERBS = frozenset("""
add adjust align allow alert archive audit automate backfill block build bump cache cap change check clean
clarify close configure consolidate create decommission define delete deploy deprecate design detect disable
document drop enable enforce ensure escalate establish expand extend extract fix gate grant handle harden hire
implement improve increase instrument introduce isolate label limit lock lower make mark measure merge migrate
monitor move notify page patch pin prevent provision publish rate-limit raise reduce refactor regenerate reject
release remove rename replace require reroute restrict restore retire retry return revert review rewrite roll
rotate run scale schedule separate set ship shorten simplify split stop store switch tag teach test throttle
train tune turn update upgrade use validate verify version warn watch write
""".split())
# Verbs that start a process rather than an outcome: the handbook's bad example is "Investigate monitoring".
_PROCESS_VERBS = frozenset("investigate explore consider discuss research evaluate think look".split())


def starts_with_verb(text: str) -> bool:
    """A heuristic: True when the first word is a known imperative verb ("Add", "Fix")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", USER_MENTION.sub("", text))
    if not words:
        return False
    return words[0].lower() in _VERBS


def phrasing_hint(text: str) -> str | None:
    """The handbook's actionable/specific/bounded advice when the action does not start with a
    verb, or starts with one that describes a process ("Investigate ..."); None when it reads well."""
    first = (re.findall(r"[A-Za-z][A-Za-z'-]*", USER_MENTION.sub("", text)) or [""])[0].lower()
    if first in _PROCESS_VERBS:
        opening = f"Tip: \"{first.capitalize()} ...\" describes a process; an action should end in a useful outcome."
    elif not starts_with_verb(text):
        opening = "Tip: the handbook phrases each action as a sentence starting with a verb."
    else:
        return None
    lines = [opening]
    for advice in ACTION_ADVICE:
        lines.append(f"• *{advice.quality}*: {advice.advice} Not \"{advice.bad}\" but \"{advice.good}\"")
    lines.append("The action is saved as you wrote it; close it and add a reworded one if you like.")
    return "\n".join(lines)


@dataclass(frozen=True)
class ActionItem:
    """An action as the list, the Home tab and the reminders show it."""

    id: int
    incident_id: int
    incident_key: str
    kind: str
    text: str
    owner_id: str | None
    due_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    channel_id: str | None = None
    private: bool = False
    category: str | None = None

    def state(self, now: datetime) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.due_at <= now else "open"
