"""Paging and alerts, pure: which changes page, the events' bodies, signatures, alert reading."""

from __future__ import annotations

import hashlib
import hmac

from bot.core import alerts, paging


def test_declaring_or_raising_into_a_paged_severity_pages_once():
    paged = {1, 2}
    assert paging.pages_on(severity=2, old_severity=None, page_severities=paged)
    assert not paging.pages_on(severity=3, old_severity=None, page_severities=paged)
    assert paging.pages_on(severity=1, old_severity=3, page_severities=paged)
    assert not paging.pages_on(severity=1, old_severity=2, page_severities=paged), "already paged at Sev 2"
    assert not paging.pages_on(severity=3, old_severity=1, page_severities=paged)


def test_a_private_incident_pages_without_details():
    target = paging.PageTarget("payments-api", "k" * 32, "HOT-3")
    event = paging.trigger_event(target, key="HOT-3", severity=1, summary="Leaked keys", private=True,
                                 channel_url=None, channel_name=None)
    assert event["payload"]["summary"] == "HOT-3 - Sev 1 - private incident"
    assert event["payload"]["severity"] == "critical" and "Leaked" not in str(event)
    assert paging.dedup_key("HOT-3", "search") == "HOT-3/search" and paging.incident_key_of("HOT-3/search") == "HOT-3"


def test_signatures_any_of_several_under_any_secret():
    body = b'{"event": {}}'
    good = hmac.new(b"new", body, hashlib.sha256).hexdigest()
    assert paging.signature_valid(body, f"v1=deadbeef,v1={good}", ["old", "new"])
    assert not paging.signature_valid(body, f"v1={good}", ["old"])
    assert not paging.signature_valid(body, None, ["new"])
    assert not paging.signature_valid(body + b" ", f"v1={good}", ["new"])


def test_reading_an_alertmanager_notification():
    note = alerts.read_notification({
        "version": "4", "groupKey": "{}:{alertname=\"X\"}", "status": "resolved",
        "commonLabels": {"alertname": "X", "severity": "major"}, "commonAnnotations": {},
        "alerts": [{"status": "resolved", "labels": {"alertname": "X"}, "startsAt": "2026-01-05T09:50:00.123456789Z",
                    "endsAt": "2026-01-05T10:20:00Z", "fingerprint": "1f6a2b3c4d5e6f70"}]})
    assert note.summary == "X" and not note.firing and note.ends_at.isoformat() == "2026-01-05T10:20:00+00:00"
    assert note.starts_at.microsecond == 123456
    assert alerts.severity_from_labels(note.labels) == 2 and alerts.severity_from_labels({}) == 3
    assert alerts.service_from_labels({"service": "db"}, ["api"]) is None
    assert alerts.parse_time("0001-01-01T00:00:00Z") is None
