"""Slack listeners. Every module in this package is imported at start-up: its `@verb`s
register `/incident` verbs, and its `register(app, deps)` (if any) adds Bolt listeners
for views, actions and events. A new capability is a new module; nothing else to edit."""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

from bot.deps import Deps


# Bolt tries listeners in the order they were registered, running each one's matchers until
# one matches. Message and reaction events outnumber every other request many times over, so
# their module goes first (each try costs a matcher call: a fifth of the bot's CPU per event
# when they came last). One listener per event type, so the order changes nothing else.
FIRST = ("timeline_events",)


def register(app: App, deps: Deps) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: (m.name not in FIRST, m.name)):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register_listeners = getattr(module, "register", None)
        if callable(register_listeners):
            register_listeners(app, deps)
