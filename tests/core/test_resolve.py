"""The pure resolve rules: the three times' order, TTD and TTR, zones, the final comms wording."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core import handbook
from bot.core.incident import IncidentSnapshot
from bot.core.resolve import (
    DETECTED,
    IMPACT_ENDED,
    IMPACT_STARTED,
    ResolveTimes,
    external_final_comms,
    final_comms,
    local_date_and_time,
    parse_local,
    private_final_comms,
    validate_resolution_summary,
    validate_times,
    zone,
)

NOW = datetime(2024, 5, 6, 15, 0, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, 6, hour, minute, tzinfo=timezone.utc)


def incident(**kw) -> IncidentSnapshot:
    base = dict(key="HOT-7", summary="Checkout fails", severity=2, status="Fixing", declared_at=at(14),
                reporter_id="U1", impact="EU customers cannot pay\nCall 555-0101", affected_products=("Checkout",))
    return IncidentSnapshot(**{**base, **kw})


def test_ttd_is_detection_minus_start_and_ttr_is_end_minus_start():
    times, errors = validate_times(impact_started_at=at(13, 50), detected_at=at(14, 5), impact_ended_at=at(14, 55),
                                   now=NOW)
    assert errors == {}
    assert times == ResolveTimes(at(13, 50), at(14, 5), at(14, 55))
    assert times.time_to_detect == timedelta(minutes=15)
    assert times.time_to_recovery == timedelta(minutes=65)


@pytest.mark.parametrize(("start", "detected", "ended", "wrong"), [
    (at(14), at(14, 10), at(13, 59), {IMPACT_ENDED}),  # end before start
    (at(14), at(13, 59), at(14, 30), {DETECTED}),  # detection before start
    (at(14), at(13), at(13), {DETECTED, IMPACT_ENDED}),
    (at(15, 1), at(15, 2), at(15, 3), {IMPACT_STARTED, DETECTED, IMPACT_ENDED}),  # all in the future
    (at(14), at(14), NOW + timedelta(seconds=1), {IMPACT_ENDED}),
    (None, at(14), at(14), {IMPACT_STARTED}),
])
def test_impossible_orders_and_future_times_are_refused(start, detected, ended, wrong):
    times, errors = validate_times(impact_started_at=start, detected_at=detected, impact_ended_at=ended, now=NOW)
    assert times is None and set(errors) == wrong


def test_detection_after_the_end_and_times_equal_to_now_are_allowed():
    times, errors = validate_times(impact_started_at=at(14), detected_at=NOW, impact_ended_at=at(14, 30), now=NOW)
    assert errors == {} and times is not None and times.time_to_detect == timedelta(hours=1)


def test_pickers_are_read_in_the_users_zone_across_a_date_line():
    tokyo = zone("Asia/Tokyo")
    assert local_date_and_time(at(15, 30), tokyo) == ("2024-05-07", "00:30")
    assert parse_local("2024-05-07", "00:30", tokyo) == at(15, 30)
    assert parse_local("2024-05-06", "08:00", zone("America/New_York")) == at(12)
    assert parse_local(None, "08:00", tokyo) is None and parse_local("2024-05-06", "25:00", tokyo) is None


def test_unknown_or_missing_zone_falls_back_to_utc():
    assert zone(None).key == "UTC" and zone("Mars/Olympus").key == "UTC"


def test_resolution_summary_is_one_non_empty_line():
    assert validate_resolution_summary("  Rolled back\n the deploy ") == ("Rolled back the deploy", None)
    assert validate_resolution_summary("   ")[1]
    assert "300" in (validate_resolution_summary("x" * 301)[1] or "")


def test_final_comms_use_the_handbooks_wording_with_impact_duration_and_times():
    times = ResolveTimes(at(13, 50), at(14, 5), at(14, 55))
    text = final_comms(incident(), times, "rolled back the deploy")
    assert "*HOT-7 - Sev 2 - Checkout fails*" in text
    assert handbook.RESOLVED_INTERNAL_TEMPLATE.format(impact="Impact: EU customers cannot pay.",
                                                      duration="1h 5m") in text
    assert "Call 555-0101" not in text  # the reporter's contact line is not part of the recap
    assert "*Resolution:* rolled back the deploy." in text
    assert "TTD* (start of impact to detection): 15m" in text and "1h 5m" in text
    assert f"<!date^{int(at(13, 50).timestamp())}^" in text  # shown in each reader's zone


def test_external_and_private_final_comms():
    assert external_final_comms(incident()) == ("Service has been restored for Checkout. "
                                                "We will follow up with a postmortem.")
    assert "the affected services" in external_final_comms(incident(affected_products=()))
    line = private_final_comms(incident(private=True))
    assert "HOT-7" in line and "Checkout fails" not in line
