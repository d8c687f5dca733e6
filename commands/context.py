"""What a verb's handler gets: who acted, where, the parsed input, and the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services import Services


@dataclass
class CommandContext:
    services: Services
    user_id: str
    channel_id: str
    args: str
    parsed: Any
    trigger_id: str
    body: dict[str, Any]
    incident_id: int | None = None

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Tells the person who acted, in the channel where they acted (ephemeral)."""
        self.services.slack.ephemeral(self.channel_id, self.user_id, text, blocks=blocks)
