"""pytest plugin: ``-p tests.fakeslack.pytest_plugin`` or ``pytest_plugins = ["tests.fakeslack.pytest_plugin"]``."""

from __future__ import annotations

import pytest

from .server import FakeSlack


@pytest.fixture
def fake_slack():
    """A started ``FakeSlack``; the test fails when the bot made a call Slack would reject."""
    fake = FakeSlack()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], "calls Slack would reject:\n" + "\n".join(fake.violations)
