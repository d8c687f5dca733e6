from datetime import timedelta

import pytest

from bot.core.durations import format_duration, parse_duration


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("3h", 10800), ("45", 45), ("1h30m", 5400),
                                           (" 2d ", 172800), ("1w", 604800)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "abc", "3x", "m30", "1.5h", "-5m", "30 minutes"])
def test_bad_duration_says_the_right_form(text):
    with pytest.raises(ValueError, match="write it like 90s, 30m, 3h"):
        parse_duration(text)


def test_format_duration():
    assert format_duration(timedelta(minutes=95)) == "1h 35m"
    assert format_duration(timedelta(seconds=42)) == "42s"
    assert format_duration(timedelta(days=1, minutes=1)) == "1d 1m"
