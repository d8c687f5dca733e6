"""A fake Slack for tests: Web API server, Socket Mode server, signed requests."""

from . import signed
from .server import FakeSlack
from .socket_mode import SocketModeServer

__all__ = ["FakeSlack", "SocketModeServer", "signed"]
