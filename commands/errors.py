"""The typed errors listeners raise and answer (defined in bot/errors.py, shared with the flows)."""

from __future__ import annotations

from bot.errors import CommandError, Refusal

__all__ = ["CommandError", "Refusal"]
