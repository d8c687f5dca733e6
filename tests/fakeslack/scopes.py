"""The scopes the app is granted (manifest.yml) and the scope each call needs.

A method file's ``scope.bot`` lists every scope that can unlock the method. For
conversation methods the list spans the conversation kinds (``channels:`` public,
``groups:`` private, ``im:``, ``mpim:``): Slack wants the one of the kind the call touches,
so a bot granted only ``channels:history`` cannot read a private channel's history. Other
methods need any one scope of the list.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
KIND_FAMILY = {"public_channel": "channels:", "private_channel": "groups:", "im": "im:", "mpim": "mpim:"}
FAMILIES = tuple(KIND_FAMILY.values())


@lru_cache(maxsize=2)
def manifest_bot_scopes(path: Path = MANIFEST) -> frozenset[str]:
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or ())


def candidates(bot_scopes: list[str] | None, kind: str | None) -> list[str]:
    """The scopes of which one unlocks the call on a conversation of `kind` (None: any kind)."""
    scopes = list(bot_scopes or ())
    if kind is None:
        return scopes
    family = KIND_FAMILY[kind]
    fitting = [s for s in scopes if s.startswith(family) or not s.startswith(FAMILIES)]
    return fitting or scopes


def missing(bot_scopes: list[str] | None, kinds: list[str | None], granted: frozenset[str]) -> str | None:
    """The first scope the call lacks (Slack's ``needed``), or None when it is allowed."""
    if not bot_scopes:
        return None
    for kind in kinds or [None]:
        options = candidates(bot_scopes, kind)
        if not granted.intersection(options):
            return options[-1] if kind is None else _preferred(options)
    return None


def _preferred(options: list[str]) -> str:
    # Slack names the granular scope it expects: channels:manage over the legacy channels:write.
    for scope in options:
        if scope.endswith((":manage", ":history", ":read")):
            return scope
    return options[0]
