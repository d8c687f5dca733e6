import ast
import dataclasses
import string
import sys
from pathlib import Path

import pytest

from bot.core import handbook
from bot.core.handbook import (
    ACTION_ADVICE,
    ACTION_KIND_MEANING,
    ACTION_KINDS,
    CAUSE_CATEGORIES,
    CAUSE_CATEGORY_MEANING,
    HANDOVER_CHECKLIST,
    POSTMORTEM_FIELDS,
    ROLES,
    SEVERITIES,
    STATUS_MEANING,
    STATUSES,
    UPDATE_CHECKLIST,
    Role,
    Severity,
    role_named,
)


def template_fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


TEMPLATES = {
    name: getattr(handbook, name)
    for name in dir(handbook)
    if name.endswith("_TEMPLATE") and isinstance(getattr(handbook, name), str)
}


def test_every_role_has_a_title_and_a_description_of_two_to_four_sentences():
    for role in ROLES.values():
        assert role.title and role.title[0].isupper(), role.name
        sentences = [s for s in role.description.replace("!", ".").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, (role.name, sentences)
        assert len(role.description) < 600, role.name


def test_roles_are_the_designed_set_and_only_tech_lead_allows_several_holders():
    assert set(ROLES) == {
        "incident-manager",
        "tech-lead",
        "communications-manager",
        "internal-comms",
        "external-comms",
        "customer-support-lead",
        "social-media-lead",
        "backup-im",
    }
    assert [name for name, role in ROLES.items() if role.multiple] == ["tech-lead"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("im", "incident-manager"),
        ("IM", "incident-manager"),
        ("Incident-Manager", "incident-manager"),
        ("incident manager", "incident-manager"),
        ("tl", "tech-lead"),
        ("Tech Lead", "tech-lead"),
        ("comms", "communications-manager"),
        (" internal-comms ", "internal-comms"),
        ("external-comms", "external-comms"),
        ("customer_support_lead", "customer-support-lead"),
        ("social-media-lead", "social-media-lead"),
        ("backup-im", "backup-im"),
    ],
)
def test_role_named_resolves_names_aliases_and_titles_ignoring_case(text, expected):
    assert role_named(text).name == expected


def test_role_named_refuses_unknown_and_empty_names():
    assert role_named("scribe") is None
    assert role_named("") is None
    assert role_named("   ") is None


def test_role_named_finds_configured_roles_too():
    scribe = Role(name="scribe", title="Scribe", description="Keeps the timeline.", aliases=("sc",))
    assert role_named("SC", extra={"scribe": scribe}) is scribe
    assert role_named("im", extra={"scribe": scribe}) is ROLES["incident-manager"]


def test_severities_fit_slack_options_and_only_1_and_2_are_major():
    assert sorted(SEVERITIES) == [1, 2, 3]
    for level, severity in SEVERITIES.items():
        assert severity.level == level
        assert len(severity.short) <= 75, severity.short  # Slack option description limit
        assert len(severity.description) > len(severity.short)
    assert [s.label for s in SEVERITIES.values()] == ["Critical", "Major", "Minor"]
    assert [s.major for s in SEVERITIES.values()] == [True, True, False]


def test_a_configured_severity_gets_major_from_its_level_unless_told():
    assert Severity(level=2, label="High", short="s", description="d").major is True
    assert Severity(level=3, label="Low", short="s", description="d", major=True).major is True


def test_handbook_values_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SEVERITIES[1].label = "Meh"  # type: ignore[misc]


def test_statuses_follow_the_pending_fixing_resolved_workflow():
    assert STATUSES == ("Pending", "Fixing", "Resolved")
    assert set(STATUS_MEANING) == set(STATUSES)


def test_update_checklist_is_the_five_point_checklist():
    assert len(UPDATE_CHECKLIST) == 5
    assert all(q.endswith("?") for q in UPDATE_CHECKLIST)
    assert "root cause" in UPDATE_CHECKLIST[2]
    assert "next update" in UPDATE_CHECKLIST[4]


def test_every_template_formats_with_exactly_its_named_fields():
    expected = {
        "INITIAL_INTERNAL_TEMPLATE",
        "INITIAL_EXTERNAL_TEMPLATE",
        "FOLLOWUP_INTERNAL_TEMPLATE",
        "FOLLOWUP_EXTERNAL_TEMPLATE",
        "RESOLVED_INTERNAL_TEMPLATE",
        "RESOLVED_EXTERNAL_TEMPLATE",
        "POSTMORTEM_SUMMARY_TEMPLATE",
    }
    assert expected <= set(TEMPLATES)
    for name, template in TEMPLATES.items():
        fields = template_fields(template)
        assert fields, name
        assert all(f.isidentifier() for f in fields), (name, fields)  # named, not positional
        text = template.format(**{f: f"<{f}>" for f in fields})
        assert "{" not in text and "}" not in text, name
        for f in fields:
            assert f"<{f}>" in text


def test_initial_internal_comms_start_with_the_handbook_sentence():
    text = handbook.INITIAL_INTERNAL_TEMPLATE.format(products="Jira and Confluence", where="#incidents")
    assert text.startswith("We are investigating an incident affecting Jira and Confluence")
    assert "products" in template_fields(handbook.INITIAL_EXTERNAL_TEMPLATE)


def test_postmortem_summary_template_carries_the_incident_facts():
    assert {"start", "duration", "customers", "trigger", "severity"} <= template_fields(
        handbook.POSTMORTEM_SUMMARY_TEMPLATE
    )


def test_handover_checklist_covers_roles_theories_and_next_handover():
    text = " ".join(HANDOVER_CHECKLIST).lower()
    for topic in ("roles", "theories", "streams of work", "next handover"):
        assert topic in text


def test_postmortem_fields_are_all_present_in_the_handbooks_order():
    assert [f.key for f in POSTMORTEM_FIELDS] == [
        "incident_summary",
        "leadup",
        "fault",
        "impact",
        "detection",
        "response",
        "recovery",
        "timeline",
        "five_whys",
        "proximate_cause",
        "root_cause",
        "backlog_check",
        "recurrence",
        "went_well",
        "went_wrong",
        "got_lucky",
        "corrective_actions",
    ]
    for field in POSTMORTEM_FIELDS:
        assert field.title and field.prompt and field.example, field.key


def test_cause_categories_and_action_kinds_have_meanings():
    assert CAUSE_CATEGORIES == ("bug", "change", "scale", "architecture", "dependency", "unknown")
    assert set(CAUSE_CATEGORY_MEANING) == set(CAUSE_CATEGORIES)
    assert ACTION_KINDS == ("priority", "improvement")
    assert set(ACTION_KIND_MEANING) == set(ACTION_KINDS)
    assert [a.quality for a in ACTION_ADVICE] == ["Actionable", "Specific", "Bounded"]
    assert all(a.good != a.bad for a in ACTION_ADVICE)


def test_cheat_sheet_timings():
    assert handbook.INITIAL_COMMS_MINUTES == 30
    assert handbook.UPDATE_INTERVAL_MINUTES == 180
    assert handbook.PRIORITY_ACTION_SLO_WEEKS == (4, 8)
    assert handbook.POSTMORTEM_DUE_BUSINESS_DAYS == 5
    assert handbook.ROOT_CAUSE_UNKNOWN == "The root cause is currently unknown."


def test_handbook_imports_only_the_standard_library():
    tree = ast.parse(Path(handbook.__file__).read_text())
    modules = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert modules <= sys.stdlib_module_names, modules - sys.stdlib_module_names
