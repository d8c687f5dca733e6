"""The status page's decisions: what is offered, component statuses by severity, the external part."""

from __future__ import annotations

from bot.core.external_comms import (
    ExternalDraft,
    component_statuses,
    default_status,
    external_name,
    offered,
    validate_external,
)


def test_never_offered_for_a_private_incident_or_without_statuspage():
    assert offered(statuspage_enabled=True, private=False)
    assert not offered(statuspage_enabled=True, private=True)
    assert not offered(statuspage_enabled=False, private=False)


def test_components_follow_the_severity_and_return_to_operational():
    ids = ("a", "b")
    assert component_statuses(ids, severity=1) == {"a": "major_outage", "b": "major_outage"}
    assert component_statuses(ids, severity=2) == {"a": "partial_outage", "b": "partial_outage"}
    assert component_statuses(ids, severity=3) == {"a": "degraded_performance", "b": "degraded_performance"}
    assert component_statuses(ids, severity=1, resolved=True) == {"a": "operational", "b": "operational"}
    assert component_statuses((), severity=1) == {}


def test_external_name_is_the_handbooks_and_fits_statuspage():
    assert external_name("Checkout and Search") == "Investigating issues with Checkout and Search"
    assert len(external_name("x" * 400)) == 255


def test_default_status_continues_from_the_last_published():
    assert default_status(None) == "investigating"
    assert default_status("monitoring") == "monitoring"
    assert default_status("resolved") == "investigating"


def test_publishing_needs_a_status_and_a_message():
    draft, errors = validate_external(publish=True, status="identified", message="  We found it.\n Fix soon. ")
    assert errors == {} and draft == ExternalDraft(True, "identified", "We found it. Fix soon.")
    assert validate_external(publish=True, status="identified", message=" ")[1] == {
        "message": "Write the one or two sentences customers will read, or untick publishing."}
    assert "status" in validate_external(publish=True, status="broken", message="x")[1]
    assert "message" in validate_external(publish=True, status="monitoring", message="x" * 1001)[1]


def test_not_publishing_checks_nothing():
    draft, errors = validate_external(publish=False, status=None, message="")
    assert errors == {} and draft is not None and not draft.publish
