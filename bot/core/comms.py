"""Comms updates: the modal's defaults from the handbook, validation, and the posted text.

Pure: the caller passes `now` and the settings it needs; nothing here talks to Slack.

>>> render_title("HOT-3", 2, "Checkout fails")
'HOT-3 - Sev 2 - Checkout fails'
>>> parse_bullets("- one\\n* two\\n\\n• three")
('one', 'two', 'three')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core import handbook
from bot.views.slack_text import DATE_AT_TIME, date_token, utc_time_text

MIN_BULLETS, MAX_BULLETS = 2, 4
STATE_MAX = 1000
FIELD_MAX = 1000
ETA_UNKNOWN = "Unknown"
# A datetimepicker has minute precision: a time in the current minute is not "in the past".
PICKER_SLACK = timedelta(minutes=1)
_BULLET_MARK = re.compile(r"^\s*(?:[-*•‣◦]|\d+[.)])\s*")
UNKNOWN_PRODUCT = "Unknown"


@dataclass(frozen=True)
class UpdateDefaults:
    """What the update modal shows when it opens."""

    state_and_impact: str
    customer_impact: str
    customers_affected: str
    root_cause: str
    eta: str
    next_update_at: datetime
    next_update_where: str
    current_status: str
    next_steps: str
    external_draft: str
    first: bool
    support_cases: str = ""


@dataclass(frozen=True)
class CommsUpdateDraft:
    """A validated update, ready to save and post."""

    state_and_impact: str
    customer_impact: str
    customers_affected: str
    root_cause: str
    eta: str
    next_update_at: datetime
    next_update_where: str
    current_status: tuple[str, ...]
    next_steps: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)
    # "How many support cases have customers opened?" (an assess question); None: not given.
    support_cases: int | None = None
    first: bool = False

    def as_fields(self) -> dict[str, object]:
        """The JSON kept in comms_updates.fields (and used to prefill the next update)."""
        return {
            "state_and_impact": self.state_and_impact,
            "customer_impact": self.customer_impact,
            "customers_affected": self.customers_affected,
            "root_cause": self.root_cause,
            "eta": self.eta,
            "next_update_at": self.next_update_at.isoformat(),
            "next_update_where": self.next_update_where,
            "current_status": list(self.current_status),
            "next_steps": list(self.next_steps),
            "support_cases": self.support_cases,
        }


def products_text(products: tuple[str, ...], faulty_service: str = UNKNOWN_PRODUCT) -> str:
    """`("Jira", "Confluence")` -> "Jira and Confluence"; nothing known -> "some of our services"."""
    known = [p for p in products if p and p != UNKNOWN_PRODUCT]
    if not known and faulty_service and faulty_service != UNKNOWN_PRODUCT:
        known = [faulty_service]
    if not known:
        return "some of our services"
    return known[0] if len(known) == 1 else ", ".join(known[:-1]) + " and " + known[-1]


def update_defaults(
    *, products: tuple[str, ...], faulty_service: str, impact: str, channel_name: str | None, where: str,
    now: datetime, update_interval: timedelta, previous: dict[str, object] | None,
) -> UpdateDefaults:
    """The first update starts from the handbook's initial templates; a follow-up starts
    from the previous update so the IM only edits what changed."""
    affected = products_text(products, faulty_service)
    where_text = f"#{channel_name} and {where}" if channel_name else where
    next_at = now + update_interval
    if previous is None:
        return UpdateDefaults(
            state_and_impact=handbook.INITIAL_INTERNAL_TEMPLATE.format(products=affected, where=where_text),
            customer_impact=impact, customers_affected="", root_cause=handbook.ROOT_CAUSE_UNKNOWN, eta=ETA_UNKNOWN,
            next_update_at=next_at, next_update_where=where_text, current_status="", next_steps="",
            external_draft=handbook.INITIAL_EXTERNAL_TEMPLATE.format(products=affected), first=True,
        )

    def text(key: str, default: str = "") -> str:
        value = previous.get(key)
        if isinstance(value, list):
            return "\n".join(f"- {item}" for item in value)
        return str(value) if value else default

    return UpdateDefaults(
        state_and_impact=text("state_and_impact"), customer_impact=text("customer_impact", impact),
        customers_affected=text("customers_affected"), root_cause=text("root_cause", handbook.ROOT_CAUSE_UNKNOWN),
        eta=text("eta", ETA_UNKNOWN), next_update_at=next_at, next_update_where=text("next_update_where", where_text),
        current_status=text("current_status"), next_steps=text("next_steps"),
        external_draft=external_followup(affected, text("eta", ETA_UNKNOWN), next_at), first=False,
        support_cases="" if previous.get("support_cases") is None else str(previous["support_cases"]),
    )


def external_followup(products: str, eta: str, next_update_at: datetime) -> str:
    eta_sentence = "" if eta.strip().lower() in ("", "unknown") else f"We expect service to be restored by {eta}."
    return " ".join(handbook.FOLLOWUP_EXTERNAL_TEMPLATE.format(
        products=products, eta=eta_sentence, next_update=utc_time_text(next_update_at)).split())


def parse_bullets(text: str | None) -> tuple[str, ...]:
    """One bullet per non-empty line; leading `-`, `*`, `•` or `1.` marks are dropped."""
    lines = (_BULLET_MARK.sub("", line).strip() for line in (text or "").splitlines())
    return tuple(line for line in lines if line)


def parse_support_cases(text: str | int | None) -> tuple[int | None, str | None]:
    """`(count, error)`: empty is None (not known), else a whole number of at least 0.

    >>> parse_support_cases(" 12 ")
    (12, None)
    """
    raw = str(text if text is not None else "").strip()
    if not raw:
        return None, None
    if not raw.isdigit():
        return None, "Give the number of support cases as a whole number (0 or more), or leave it empty."
    return int(raw), None


def validate_update(
    *, state_and_impact: str | None, customer_impact: str | None, customers_affected: str | None,
    root_cause: str | None, eta: str | None, next_update_epoch: int | str | None, next_update_where: str | None,
    current_status: str | None, next_steps: str | None, now: datetime, update_interval: timedelta,
    block_ids: dict[str, str], support_cases: str | int | None = None, first: bool = False,
) -> tuple[CommsUpdateDraft | None, dict[str, str]]:
    """The draft, or inline errors keyed by the modal's block IDs (`block_ids` maps field
    names to them, so the core stays free of view details).

    The first update is the handbook's short initial message (what is known, the impact,
    when the next update comes): its bullets are optional. Follow-ups need 2-4 of each."""
    errors: dict[str, str] = {}
    state = " ".join((state_and_impact or "").split())
    if not state:
        errors["state_and_impact"] = "Write one or two sentences on the current state and the impact."
    elif len(state) > STATE_MAX:
        errors["state_and_impact"] = f"Keep it to one or two sentences (under {STATE_MAX} characters)."
    if not (customer_impact or "").strip():
        errors["customer_impact"] = "Describe the actual impact on customers."
    if not (customers_affected or "").strip():
        errors["customers_affected"] = ("Say how many internal and external customers are affected "
                                        "(or that it is not known yet).")
    bullets: dict[str, tuple[str, ...]] = {}
    for name, raw in (("current_status", current_status), ("next_steps", next_steps)):
        items = parse_bullets(raw)
        title = "Current status" if name == "current_status" else "Next steps"
        if first and len(items) > MAX_BULLETS:
            errors[name] = f"Keep the initial message short: at most {MAX_BULLETS} bullets (you wrote {len(items)})."
        elif not first and not MIN_BULLETS <= len(items) <= MAX_BULLETS:
            errors[name] = (f"{title} needs {MIN_BULLETS} to {MAX_BULLETS} bullets, one per line "
                            f"(you wrote {len(items)}).")
        bullets[name] = items
    next_at, time_error = _next_update_time(next_update_epoch, now, update_interval)
    if time_error:
        errors["next_update_at"] = time_error
    cases, cases_error = parse_support_cases(support_cases)
    if cases_error:
        errors["support_cases"] = cases_error
    if errors:
        return None, {block_ids.get(k, k): v for k, v in errors.items()}
    if next_at is None:  # unreachable: a missing time is an error above
        raise ValueError("next update time missing")
    return CommsUpdateDraft(
        state_and_impact=state,
        customer_impact=(customer_impact or "").strip(),
        customers_affected=(customers_affected or "").strip(),
        root_cause=(root_cause or "").strip() or handbook.ROOT_CAUSE_UNKNOWN,
        eta=(eta or "").strip() or ETA_UNKNOWN,
        next_update_at=next_at,
        next_update_where=(next_update_where or "").strip(),
        current_status=bullets["current_status"],
        next_steps=bullets["next_steps"],
        support_cases=cases,
        first=first,
    ), {}


def _next_update_time(epoch: int | str | None, now: datetime, interval: timedelta) -> tuple[datetime | None, str]:
    if epoch in (None, ""):
        return None, "Say when the next update will be."
    try:
        moment = datetime.fromtimestamp(int(epoch), tz=now.tzinfo)
    except (TypeError, ValueError, OverflowError):
        return None, "That is not a time; pick a date and a time."
    if moment < now - PICKER_SLACK:
        return None, "The next update cannot be in the past."
    latest = now + interval
    if moment > latest + PICKER_SLACK:
        hours = interval.total_seconds() / 3600
        return None, (f"The next update is due at most {hours:g} hours from now (the handbook's maximum "
                      f"interval): pick {utc_time_text(latest)} or earlier.")
    return min(moment, latest), ""


def render_title(key: str, severity: int, summary: str) -> str:
    return handbook.INTERNAL_NAME_TEMPLATE.format(key=key, severity=severity, summary=summary)


def render_update(draft: CommsUpdateDraft) -> str:
    """The update's body (mrkdwn): the first one in the handbook's short initial shape (what is
    known, the impact, when the next update comes), follow-ups in its follow-up shape; both
    with the checklist answers."""
    def bullets(items: tuple[str, ...]) -> str:
        return "\n".join(f"• {item}" for item in items)

    lines = [
        draft.state_and_impact,
        "",
        f"*Impact on customers:* {draft.customer_impact}",
        f"*Customers affected:* {draft.customers_affected}",
        f"*Root cause:* {draft.root_cause}",
        f"*ETA for restoration:* {draft.eta}",
    ]
    if draft.support_cases is not None:
        lines.append(f"*Support cases raised:* {draft.support_cases}")
    state = "\n".join(lines)
    where = f" in {draft.next_update_where}" if draft.next_update_where else ""
    if draft.first:
        parts = [state]
        if draft.current_status:
            parts.append(f"*Current status*\n{bullets(draft.current_status)}")
        if draft.next_steps:
            parts.append(f"*Next steps*\n{bullets(draft.next_steps)}")
        parts.append(f"Next update: {date_token(draft.next_update_at, DATE_AT_TIME)}{where}")
        return "\n\n".join(parts)
    return handbook.FOLLOWUP_INTERNAL_TEMPLATE.format(
        state_and_impact=state, current_status=bullets(draft.current_status),
        next_steps=bullets(draft.next_steps), next_update=f"{date_token(draft.next_update_at, DATE_AT_TIME)}{where}",
    )
