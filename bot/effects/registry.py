"""Kind -> deliverer. A deliverer is `fn(effect, deps) -> dict | None` (the result kept on
the row); it raises VendorError (transient or permanent) or Skip. An optional recorder writes
what the call returned, through storage, in the transaction that marks the effect done."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.effects.errors import VendorError
from storage import Session
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

Deliver = Callable[[PendingEffect, "Deps"], "dict[str, Any] | None"]
Record = Callable[[Session, PendingEffect, "dict[str, Any]", datetime], None]

# Modules of bot/effects/ that hold machinery, not deliverers.
_MACHINERY = {"registry", "worker", "errors"}


@dataclass
class Deliverer:
    kind: str
    deliver: Deliver
    # Reminders: of several due ones of one (incident, kind, recipient), only the newest goes out.
    reminder: bool = False
    record: Record | None = None
    # What the person in `tell` reads when it fails for good (default: "<what> did not reach ...").
    explain: Callable[[PendingEffect, "VendorError"], str] | None = None

    def __call__(self, effect: PendingEffect, deps: Deps) -> dict[str, Any] | None:
        return self.deliver(effect, deps)

    def explainer(self, fn: Callable[[PendingEffect, VendorError], str]) -> Callable[[PendingEffect, VendorError], str]:
        """Decorator: `fn(effect, error) -> text` of the DM to `tell` when it fails for good."""
        self.explain = fn
        return fn

    def recorder(self, fn: Record) -> Record:
        """Decorator: `fn(session, effect, result, now)` runs where the effect is marked done."""
        self.record = fn
        return fn


_kinds: dict[str, Deliverer] = {}
_loaded = False
_load_lock = threading.Lock()


def deliverer(kind: str, *, reminder: bool = False) -> Callable[[Deliver], Deliverer]:
    def register(fn: Deliver) -> Deliverer:
        if kind in _kinds and _kinds[kind].deliver is not fn:
            raise ValueError(f"effect kind {kind!r} has two deliverers")
        entry = Deliverer(kind=kind, deliver=fn, reminder=reminder)
        _kinds[kind] = entry
        return entry
    return register


def load_all() -> None:
    global _loaded
    with _load_lock:
        if _loaded:
            return
        import bot.effects as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name not in _MACHINERY:
                importlib.import_module(f"{package.__name__}.{info.name}")
        _loaded = True


def get(kind: str) -> Deliverer | None:
    """The deliverer of `kind`; "action_overdue:12" falls back to the family "action_overdue"."""
    load_all()
    return _kinds.get(kind) or _kinds.get(kind.split(":", 1)[0])


def kinds() -> list[str]:
    load_all()
    return sorted(_kinds)
