"""`fake_pagerduty`: import it into a test module to use it as a fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakePagerDuty


@pytest.fixture
def fake_pagerduty() -> Iterator[FakePagerDuty]:
    """A started fake; the test fails when the bot sent an event PagerDuty would reject."""
    fake = FakePagerDuty()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], "events PagerDuty would reject:\n" + "\n".join(fake.violations)
