"""What a verb's handler gets: who acted, where, the parsed input, and the deps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.deps import Deps


@dataclass
class CommandContext:
    deps: Deps
    user_id: str
    channel_id: str
    args: str
    parsed: Any
    trigger_id: str
    body: dict[str, Any]
    incident_id: int | None = None

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Tells the person who acted, in the channel where they acted (ephemeral)."""
        self.deps.slack.ephemeral(self.channel_id, self.user_id, text, blocks=blocks)
