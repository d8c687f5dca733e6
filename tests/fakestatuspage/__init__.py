"""A strict fake of Atlassian Statuspage's Manage API v1 (see README.md for its sources)."""

from .server import FakeStatuspage, Received

__all__ = ["FakeStatuspage", "Received"]
