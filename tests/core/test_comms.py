"""The update modal's defaults, its validation and the posted text (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.core import handbook
from bot.core.comms import parse_bullets, render_title, render_update, update_defaults, validate_update

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
INTERVAL = timedelta(minutes=180)
IDS = {"state_and_impact": "b_state", "current_status": "b_status", "next_steps": "b_steps",
       "next_update_at": "b_next", "customer_impact": "b_impact", "customers_affected": "b_affected"}


def valid(**kw: object) -> dict[str, object]:
    values: dict[str, object] = dict(
        state_and_impact="Checkout fails for EU customers. Payments are rejected.",
        customer_impact="EU customers cannot pay.", customers_affected="About 2,000 external, no internal.",
        root_cause="", eta="", next_update_epoch=int((NOW + timedelta(minutes=60)).timestamp()),
        next_update_where="#hot-1 and #incidents", current_status="- rolled back\n- watching errors",
        next_steps="- confirm recovery\n- tell support", now=NOW, update_interval=INTERVAL, block_ids=IDS,
    )
    values.update(kw)
    return values


def test_first_update_defaults_come_from_the_handbook_initial_templates():
    defaults = update_defaults(products=("Jira", "Confluence"), faulty_service="Unknown", impact="Cannot log in",
                               channel_name="hot-1", where="#incidents", now=NOW, update_interval=INTERVAL,
                               previous=None)
    assert defaults.first
    assert defaults.state_and_impact == ("We are investigating an incident affecting Jira and Confluence. "
                                         "We will provide updates via #hot-1 and #incidents shortly.")
    assert defaults.external_draft == handbook.INITIAL_EXTERNAL_TEMPLATE.format(products="Jira and Confluence")
    assert defaults.root_cause == "The root cause is currently unknown."
    assert defaults.eta == "Unknown"
    assert defaults.customer_impact == "Cannot log in"
    assert defaults.next_update_at == NOW + INTERVAL


def test_follow_up_defaults_start_from_the_previous_update():
    previous = {"state_and_impact": "Still broken.", "current_status": ["a", "b"], "next_steps": ["c", "d"],
                "root_cause": "A bad deploy.", "eta": "14:00 UTC", "customers_affected": "All EU"}
    defaults = update_defaults(products=("Unknown",), faulty_service="payments-api", impact="", channel_name="hot-1",
                               where="#incidents", now=NOW, update_interval=INTERVAL, previous=previous)
    assert not defaults.first
    assert defaults.state_and_impact == "Still broken."
    assert defaults.current_status == "- a\n- b"
    assert defaults.root_cause == "A bad deploy."
    assert defaults.external_draft.startswith("We are still working on the issues with payments-api.")


def test_bullets_are_one_per_line_with_marks_dropped():
    assert parse_bullets("- one\n* two\n\n• three\n4. four") == ("one", "two", "three", "four")
    assert parse_bullets(None) == ()


def test_a_valid_update_becomes_a_draft():
    draft, errors = validate_update(**valid())
    assert errors == {} and draft is not None
    assert draft.current_status == ("rolled back", "watching errors")
    assert draft.root_cause == handbook.ROOT_CAUSE_UNKNOWN and draft.eta == "Unknown"
    assert draft.next_update_at == NOW + timedelta(minutes=60)


def test_two_to_four_bullets_each():
    _, errors = validate_update(**valid(current_status="- only one", next_steps="- 1\n- 2\n- 3\n- 4\n- 5"))
    assert "2 to 4 bullets" in errors["b_status"] and "you wrote 1" in errors["b_status"]
    assert "you wrote 5" in errors["b_steps"]


def test_next_update_never_in_the_past_nor_later_than_the_interval():
    past = int((NOW - timedelta(minutes=5)).timestamp())
    late = int((NOW + INTERVAL + timedelta(minutes=5)).timestamp())
    _, errors = validate_update(**valid(next_update_epoch=past))
    assert errors["b_next"] == "The next update cannot be in the past."
    _, errors = validate_update(**valid(next_update_epoch=late))
    assert "at most 3 hours from now" in errors["b_next"] and "15:00 UTC" in errors["b_next"]
    _, errors = validate_update(**valid(next_update_epoch=None))
    assert "when the next update" in errors["b_next"]


def test_missing_state_impact_and_customer_count_are_refused():
    _, errors = validate_update(**valid(state_and_impact="  ", customer_impact="", customers_affected=None))
    assert set(errors) == {"b_state", "b_impact", "b_affected"}


def test_rendered_update_has_the_title_format_checklist_answers_and_next_update_token():
    draft, _ = validate_update(**valid())
    assert render_title("HOT-1", 2, "Checkout fails") == "HOT-1 - Sev 2 - Checkout fails"
    body = render_update(draft)
    assert body.startswith("Checkout fails for EU customers. Payments are rejected.")
    assert "*Customers affected:* About 2,000 external, no internal." in body
    assert "*Root cause:* The root cause is currently unknown." in body
    assert "*Current status*\n• rolled back\n• watching errors" in body
    epoch = int((NOW + timedelta(minutes=60)).timestamp())
    assert f"Next update: <!date^{epoch}^{{date_short_pretty}} at {{time}}|2024-05-01 13:00 UTC> in #hot-1" in body
