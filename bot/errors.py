"""Typed errors that become a message to the person who acted (raised by listeners and flows;
the listener that called answers it: bot/views never see them)."""

from __future__ import annotations


class CommandError(Exception):
    """Refused input or action: the message says what was wrong and shows the right form.
    Raised before any change is made, so nothing has changed."""


class Refusal(CommandError):
    """The authority rule said no: the message names who may (no usage line, the form was right)."""
