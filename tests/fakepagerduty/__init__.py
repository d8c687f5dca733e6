"""A fake PagerDuty (Events API v2, REST) and a signed v3 webhook sender, from REFERENCE.md."""

from .server import FakePagerDuty

__all__ = ["FakePagerDuty"]
