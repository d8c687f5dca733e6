"""Slack listeners. Every module in this package is imported at start-up: its `@verb`s
register `/incident` verbs, and its `register(app, deps)` (if any) adds Bolt listeners
for views, actions and events. A new capability is a new module; nothing else to edit."""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register_listeners = getattr(module, "register", None)
        if callable(register_listeners):
            register_listeners(app, deps)
