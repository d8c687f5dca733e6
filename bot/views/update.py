"""The update modal (the handbook's five-point checklist) and the posted update."""

from __future__ import annotations

import json
from dataclasses import replace

from typing import Any

from bot.core import handbook
from bot.core.comms import MAX_BULLETS, MIN_BULLETS, CommsUpdateDraft, UpdateDefaults, render_title, render_update
from bot.views.blocks import context, header, modal, plain, section, support_cases_input, text_input
from bot.views.ids import Action, Block, Callback
from bot.views.slack_text import chunks, inert, mention

# The core's field names -> the modal's block IDs (inline errors land on the right field).
FIELD_BLOCKS: dict[str, str] = {
    "state_and_impact": Block.UPDATE_STATE,
    "customer_impact": Block.UPDATE_CUSTOMER_IMPACT,
    "customers_affected": Block.UPDATE_CUSTOMERS_AFFECTED,
    "root_cause": Block.UPDATE_ROOT_CAUSE,
    "eta": Block.UPDATE_ETA,
    "next_update_at": Block.UPDATE_NEXT_AT,
    "next_update_where": Block.UPDATE_NEXT_WHERE,
    "current_status": Block.UPDATE_CURRENT_STATUS,
    "next_steps": Block.UPDATE_NEXT_STEPS,
    "support_cases": Block.SUPPORT_CASES,
}
BULLETS_HINT = f"{MIN_BULLETS} to {MAX_BULLETS} bullets, one per line."
# The handbook's initial message is short: bullets are for follow-ups.
INITIAL_BULLETS_HINT = f"Optional in the initial message (at most {MAX_BULLETS}); follow-ups need {MIN_BULLETS} to {MAX_BULLETS}."
EXTERNAL_REMINDER = (
    "This first update posted internally meets the {minutes}-minute initial-comms deadline. "
    "Don't forget the external part: tell customers too (the draft below is the handbook's initial external message)."
)


def update_modal(*, incident_id: int, key: str, defaults: UpdateDefaults,
                 initial_comms_minutes: int = handbook.INITIAL_COMMS_MINUTES,
                 nag_role: str | None = None,
                 external: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`external`: the status page part (bot/views/external.py) when it is offered; otherwise
    the handbook's external draft is shown, ready to copy."""
    checklist = "\n".join(f"• {question}" for question in handbook.UPDATE_CHECKLIST)
    first = defaults.first
    bullets_hint = INITIAL_BULLETS_HINT if first else BULLETS_HINT
    blocks: list[dict[str, Any]] = [
        section(f"*{'Initial communications' if first else 'Update'} for {key}.* "
                + ("Keep it short: what is known, the impact, and when the next update comes. " if first else "")
                + f"Check it against the handbook's checklist:\n{checklist}"),
        text_input(Block.UPDATE_STATE, "Summary of the current state and impact", initial=defaults.state_and_impact,
                   multiline=True, max_length=1000, hint="One or two sentences."),
        text_input(Block.UPDATE_CUSTOMER_IMPACT, "Impact on customers", initial=defaults.customer_impact,
                   multiline=True, max_length=1000, hint=handbook.UPDATE_CHECKLIST[0]),
        text_input(Block.UPDATE_CUSTOMERS_AFFECTED, "How many internal and external customers are affected?",
                   initial=defaults.customers_affected, max_length=500),
        text_input(Block.UPDATE_ROOT_CAUSE, "Root cause", initial=defaults.root_cause, multiline=True,
                   max_length=1000, hint=handbook.UPDATE_CHECKLIST[2]),
        text_input(Block.UPDATE_ETA, "ETA for restoration", initial=defaults.eta, max_length=200,
                   hint="A time, or Unknown."),
        {
            "type": "input", "block_id": Block.UPDATE_NEXT_AT, "label": plain("When will the next update be?"),
            "hint": plain("At most the update interval from now; the bot nags the incident manager before it.",
                          limit=2000),
            "element": {"type": "datetimepicker", "action_id": Action.VALUE,
                        "initial_date_time": int(defaults.next_update_at.timestamp())},
        },
        text_input(Block.UPDATE_NEXT_WHERE, "Where will the next update be?", initial=defaults.next_update_where,
                   max_length=200),
        support_cases_input(defaults.support_cases),
        text_input(Block.UPDATE_CURRENT_STATUS, "Current status", initial=defaults.current_status, multiline=True,
                   max_length=2000, hint=bullets_hint, placeholder="- What we know\n- What is being done",
                   optional=first),
        text_input(Block.UPDATE_NEXT_STEPS, "Next steps", initial=defaults.next_steps, multiline=True,
                   max_length=2000, hint=bullets_hint, placeholder="- What happens next\n- Who does it",
                   optional=first),
        *([context(":warning: " + EXTERNAL_REMINDER.format(minutes=initial_comms_minutes))] if first else []),
        *(external or [section(f"*External (Statuspage) draft, ready to copy:*\n```{defaults.external_draft}```")]),
        context("The update is posted in the incident channel and the incidents channel."),
    ]
    # Which incident, and the reminder's role when opened from a nag: checked again on submit.
    metadata = json.dumps({"incident_id": incident_id, "nag_role": nag_role})
    return modal(Callback.UPDATE, "Post an update", blocks, submit="Post update", private_metadata=metadata)


def posted_update(*, key: str, severity: int, summary: str, draft: CommsUpdateDraft,
                  author_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The update as posted: titled `<key> - Sev <n> - <summary>`."""
    title = render_title(key, severity, summary)
    body = render_update(inert_draft(draft))
    # Each field reaches Slack whole: a long update takes as many sections as it needs.
    blocks = [header(title), *[section(piece) for piece in chunks(body)],
              context(f"Posted by {mention(author_id)} with `/incident update`.")]
    return f"{render_title(key, severity, inert(summary))}\n{body}", blocks


def inert_draft(draft: CommsUpdateDraft) -> CommsUpdateDraft:
    """The draft with everything the person typed escaped for mrkdwn."""
    return replace(
        draft, state_and_impact=inert(draft.state_and_impact), customer_impact=inert(draft.customer_impact),
        customers_affected=inert(draft.customers_affected), root_cause=inert(draft.root_cause), eta=inert(draft.eta),
        next_update_where=inert(draft.next_update_where),
        current_status=tuple(inert(item) for item in draft.current_status),
        next_steps=tuple(inert(item) for item in draft.next_steps),
        extra={name: inert(value) for name, value in draft.extra.items()})


def private_update_notice(key: str) -> tuple[str, list[dict[str, Any]]]:
    """What the incidents channel hears of a private incident's update: nothing more."""
    text = f":lock: An update was posted for private incident {key}."
    return text, [section(text)]
