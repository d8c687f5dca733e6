"""Loads Slack's method contracts from ``tests/reference/slack/methods`` (vendored)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

# tests/fakeslack/reference.py -> parents[1] is tests/; the copy lives in the repository.
DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference" / "slack"

# calls per minute for each tier (README: "Rate-limit tiers")
TIER_PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100}
# chat.postMessage (tier "special"): about one message per second per channel
POST_MESSAGE_PER_CHANNEL_PER_MINUTE = 60


class Reference:
    def __init__(self, reference_dir: Path | str = DEFAULT_REFERENCE_DIR):
        self.dir = Path(reference_dir)
        self.methods_dir = self.dir / "methods"
        if not self.methods_dir.is_dir():
            raise FileNotFoundError(f"Slack reference not found at {self.methods_dir}")
        self._cache: dict[str, dict | None] = {}

    def method(self, name: str) -> dict | None:
        """The method's contract, or None when Slack has no such method."""
        if name not in self._cache:
            path = self.methods_dir / f"{name}.json"
            doc = None
            if "/" not in name and name != "methods" and path.is_file():
                loaded = json.loads(path.read_text())
                doc = loaded if isinstance(loaded, dict) else None
            self._cache[name] = doc
        return self._cache[name]

    def required_args(self, name: str) -> list[str]:
        doc = self.method(name) or {}
        return list((doc.get("args") or {}).get("required") or [])

    def tier(self, name: str) -> str | None:
        doc = self.method(name) or {}
        return doc.get("rate_limits")

    def per_minute(self, name: str) -> int | None:
        return TIER_PER_MINUTE.get(self.tier(name) or "")


@lru_cache(maxsize=4)
def load_reference(reference_dir: str) -> Reference:
    return Reference(reference_dir)
