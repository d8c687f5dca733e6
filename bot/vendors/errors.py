"""Vendor edges raise the effect pipeline's one error type (bot/effects/errors.py)."""

from __future__ import annotations

from bot.effects.errors import VendorError

__all__ = ["VendorError"]
