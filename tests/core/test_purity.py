"""The core decides; it never reaches Slack or the database (DESIGN.md: pure core, thin edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.core

FORBIDDEN = ("slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "apscheduler", "storage", "commands", "bot.slack_edge",
             "bot.deps", "bot.app", "bot.scheduler", "bot.views", "requests", "urllib.request")


def test_core_modules_import_only_the_standard_library_and_the_core():
    core = Path(bot.core.__file__).parent
    offenders = []
    for path in sorted(core.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.startswith(FORBIDDEN) or (name.startswith("bot.") and not name.startswith("bot.core")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(list(core.glob("*.py"))) >= 5
