"""The `/incident` verbs: each module registers its verbs here with `@verb(...)`.

A verb has an optional `parse` (pure, runs before the ack: refused input is answered in
the ack itself and nothing happens) and a `run` that works after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.authority import Act

if TYPE_CHECKING:
    from commands.context import CommandContext


@dataclass(frozen=True)
class Verb:
    name: str
    usage: str
    run: Callable[[CommandContext], Any]
    parse: Callable[[str], Any] | None = None
    # Acts on the incident whose channel it is typed in.
    in_incident: bool = True
    # Answers in the ack (fast, read-only verbs: help, list, stats); `run` returns the Reply.
    answers_in_ack: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)
    # The authority table's row, checked in the ack (from the database, no Slack call); verbs
    # whose row depends on their arguments (role, postmortem, action) decide in `run`.
    act: Act | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] | None = None


VERBS: dict[str, Verb] = {}


def verb(
    name: str, *, usage: str, parse: Callable[[str], Any] | None = None, in_incident: bool = True,
    answers_in_ack: bool = False, aliases: tuple[str, ...] = (), act: Act | None = None,
) -> Callable[[Callable[[CommandContext], Any]], Callable[[CommandContext], Any]]:
    def register(run: Callable[[CommandContext], Any]) -> Callable[[CommandContext], Any]:
        entry = Verb(name, usage, run, parse, in_incident, answers_in_ack, aliases, act)
        for word in (name, *aliases):
            if word in VERBS:
                raise ValueError(f"verb {word!r} registered twice")
            VERBS[word] = entry
        return run

    return register
