"""`/incident cheatsheet`: the handbook's incident manager cheat sheet, to whoever asks."""

from __future__ import annotations

from bot.views.cheatsheet import cheat_sheet
from commands.context import CommandContext
from commands.registry import Reply, verb


@verb("cheatsheet", usage="cheatsheet", in_incident=False, answers_in_ack=True, aliases=("cheat-sheet",))
def cheatsheet(ctx: CommandContext) -> Reply:
    return Reply(cheat_sheet())
