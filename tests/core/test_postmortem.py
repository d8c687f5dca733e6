"""The pure postmortem rules: business-day due dates, reminders, the workflow, the document."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core import handbook
from bot.core.incident import IncidentSnapshot
from bot.core.actions import ActionItem
from bot.core.postmortem import (
    APPROVE,
    APPROVED,
    DRAFT,
    DUE_SOON,
    IN_REVIEW,
    OVERDUE,
    REQUEST_APPROVAL,
    REQUEST_CHANGES,
    SECTIONS,
    PostmortemDocument,
    PostmortemError,
    PostmortemRecord,
    TimelineItem,
    business_days_after,
    missing_fields,
    prefilled_summary,
    reminder_due,
    reminders_due,
    status_after,
)
from bot.core.postmortem_text import plain_mentions, render_markdown


def utc(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)  # 2024-05-06 is a Monday


@pytest.mark.parametrize(("start", "days", "due"), [
    (utc(6), 5, utc(13)),  # Monday -> next Monday
    (utc(8), 5, utc(15)),  # Wednesday -> next Wednesday
    (utc(10), 1, utc(13)),  # Friday + 1 -> Monday
    (utc(11), 5, utc(17)),  # Saturday -> Friday (the weekend counts for nothing)
    (utc(12), 1, utc(13)),  # Sunday + 1 -> Monday
    (utc(6), 0, utc(6)),
])
def test_due_date_counts_business_days_skipping_weekends(start, days, due):
    assert business_days_after(start, days) == due


def test_due_soon_is_one_business_day_before():
    assert reminder_due(utc(13)) == utc(10)  # Monday -> the Friday before
    assert reminder_due(utc(15)) == utc(14)


def test_reminders_due_over_time_and_none_once_approved():
    due = utc(13, 13)
    assert reminders_due(status=DRAFT, due_at=due, now=utc(10, 12)) == []
    assert reminders_due(status=DRAFT, due_at=due, now=utc(10, 13)) == [(DUE_SOON, utc(10, 13))]
    assert reminders_due(status=IN_REVIEW, due_at=due, now=due) == [(DUE_SOON, utc(10, 13)), (OVERDUE, due)]
    assert reminders_due(status=APPROVED, due_at=due, now=due + timedelta(days=9)) == []


def test_workflow_draft_in_review_approved_and_changes_back_to_draft():
    assert status_after(DRAFT, REQUEST_APPROVAL, approvers=("U1",)) == IN_REVIEW
    assert status_after(IN_REVIEW, APPROVE) == APPROVED
    assert status_after(IN_REVIEW, REQUEST_CHANGES) == DRAFT


@pytest.mark.parametrize(("status", "event", "says"), [
    (DRAFT, REQUEST_APPROVAL, "Name the approvers first"),
    (IN_REVIEW, REQUEST_APPROVAL, "already in review"),
    (APPROVED, REQUEST_APPROVAL, "already approved"),
    (DRAFT, APPROVE, "is a draft"),
    (DRAFT, REQUEST_CHANGES, "is a draft"),
    (APPROVED, APPROVE, "already approved"),
])
def test_workflow_refusals_say_why(status, event, says):
    with pytest.raises(PostmortemError, match=says):
        status_after(status, event)


def test_sections_hold_every_handbook_field_once_and_the_cause_category():
    keys = [key for section in SECTIONS for key in section.keys]
    assert sorted(keys) == sorted([f.key for f in handbook.POSTMORTEM_FIELDS] + ["cause_category", "external_dependency"])
    assert max(len(section.keys) for section in SECTIONS) <= 10  # well within a modal's 100 blocks


def incident(**kw) -> IncidentSnapshot:
    base = dict(key="HOT-3", summary="Checkout fails", severity=1, status="Resolved", declared_at=utc(6, 14),
                reporter_id="U1", impact_started_at=utc(6, 13, 50), detected_at=utc(6, 14, 5),
                impact_ended_at=utc(6, 14, 55))
    return IncidentSnapshot(**{**base, **kw})


def document(fields=None, cause=None, **kw) -> PostmortemDocument:
    record = PostmortemRecord(owner_id="UOWN", status=DRAFT, created_at=utc(6, 15), due_at=utc(13, 15),
                              cause_category=cause, fields=fields or {}, approvers=("UAPP",))
    timeline = (TimelineItem(utc(6, 14), "system", "HOT-3 declared by <@U1> as Sev 1: Checkout fails"),
                TimelineItem(utc(6, 14, 20), "change", "Rolled back the deploy <@UOWN|owner>"))
    actions = (ActionItem(id=4, incident_id=3, incident_key="HOT-3", kind="priority", text="Add alerting on checkout errors",
                          owner_id="UOWN", due_at=utc(6, 15) + timedelta(weeks=8)),)
    return PostmortemDocument(incident(**kw), record, "Rolled back the 13:45 deploy", timeline, actions)


def test_summary_is_prefilled_from_the_handbook_template_with_known_times():
    summary = prefilled_summary(incident(), "Rolled back the 13:45 deploy")
    assert summary.startswith("Between 2024-05-06 13:50 UTC and 2024-05-06 14:55 UTC (1h 5m), <number of> customers")
    assert "We mitigated the event as follows: rolled back the 13:45 deploy." in summary
    assert summary.endswith("<Number of support tickets> were raised in relation to this incident.")
    assert "This Sev 1 incident" in summary
    unresolved = prefilled_summary(incident(impact_started_at=None, impact_ended_at=None))
    assert "Between <start of impact> and <end of impact> (<duration>)" in unresolved


def test_markdown_has_every_field_in_order_the_timeline_and_actions():
    markdown = render_markdown(document({"root_cause": "Pool leak"}, cause="bug"), names={"U1": "reporter"})

    titles = [f"## {f.title}\n" for f in handbook.POSTMORTEM_FIELDS]
    positions = [markdown.index(title) for title in titles]
    assert positions == sorted(positions)
    assert markdown.index("## Root cause") < markdown.index("## Cause category") < markdown.index("## Backlog check")
    assert "Bug: " + handbook.CAUSE_CATEGORY_MEANING["bug"] in markdown
    assert "- 2024-05-06 14:00 UTC: HOT-3 declared by @reporter as Sev 1" in markdown
    assert "- 2024-05-06 14:20 UTC: Rolled back the deploy @UOWN" in markdown
    assert "#4 [priority] Add alerting on checkout errors (<@UOWN>" not in markdown
    assert "#4 [priority] Add alerting on checkout errors (@UOWN, due 2024-07-01)" in markdown
    assert "Time to detect (TTD): 15m" in markdown and "Time to recovery (TTR): 1h 5m" in markdown
    assert "_Not written yet. " + handbook.POSTMORTEM_FIELDS[1].prompt in markdown  # leadup is empty


def test_missing_fields_lists_what_the_owner_has_not_written():
    missing = missing_fields(document({"leadup": "A config change", "root_cause": "x"}, cause="change"))
    assert "Leadup" not in missing and "Root cause" not in missing and "Cause category" not in missing
    assert "Fault" in missing and "Timeline" not in missing and "Incident summary" not in missing


def test_mentions_become_names_or_ids():
    assert plain_mentions("by <@U1> and <@U2|bob>", {"U1": "alice"}) == "by @alice and @U2"


def test_an_owner_who_is_a_mandatory_approver_is_replaced_by_the_services_other_approvers():
    from bot.core.postmortem import approval_blocker, approval_complete, owner_blocks_approval, required_approvals

    required = ("UALICE", "UBOB")
    assert required_approvals(required, "UALICE") == ("UBOB",)
    assert required_approvals(required, "UCAROL") == required
    assert approval_complete({"UBOB"}, required_approvals(required, "UALICE"))
    assert not approval_complete({"UBOB"}, required_approvals(required, "UCAROL"))
    assert owner_blocks_approval("UALICE", required, "payments-api") is None
    assert approval_blocker("UALICE", ("UALICE", "UBOB"), required, "payments-api") is None


def test_the_only_mandatory_approver_cannot_own_and_the_refusal_says_who_else_to_name():
    from bot.core.postmortem import approval_blocker, owner_blocks_approval

    said = owner_blocks_approval("UALICE", ("UALICE",), "payments-api", incident_manager="UBOB")
    assert said.startswith("<@UALICE> is the only postmortem approver payments-api requires")
    assert "the incident manager <@UBOB>" in said and "`/incident postmortem owner @user`" in said
    assert "postmortem_approvers" in said
    assert "incident manager" not in owner_blocks_approval("UALICE", ("UALICE",), "payments-api", "UALICE")
    assert owner_blocks_approval("UALICE", (), "payments-api") is None
    assert approval_blocker("UALICE", ("UALICE",), ("UALICE",), "payments-api") == said.replace(
        " (the incident manager <@UBOB>, say)", "")
    # Not configured at all, but the owner is the only named approver: name another.
    alone = approval_blocker("UALICE", ("UALICE",), (), "Unknown")
    assert "only approver" in alone and "`/incident postmortem approvers @user`" in alone
    assert approval_blocker("UALICE", ("UALICE", "UCAROL"), (), "Unknown") is None
