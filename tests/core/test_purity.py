"""The core decides; it never reaches Slack or the database (DESIGN.md: pure core, thin edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.core

# Slack's text syntax (mentions, date tokens, UTC text, escaping) is one pure leaf module that the
# core's topic, timeline and postmortem rendering share with the views.
SLACK_TEXT = "bot.views.slack_text"
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
                if name == SLACK_TEXT:
                    continue
                if name.startswith(FORBIDDEN) or (name.startswith("bot.") and not name.startswith("bot.core")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(list(core.glob("*.py"))) >= 5


def test_the_slack_text_module_the_core_uses_is_a_pure_leaf():
    """It may import the core for type hints only: at run time, the standard library alone."""
    import bot.views.slack_text as slack_text

    tree = ast.parse(Path(slack_text.__file__).read_text(encoding="utf-8"))
    run_time = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [alias.name for node in run_time if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in run_time if isinstance(node, ast.ImportFrom) and node.module]
    assert [n for n in names if n.startswith(("bot", "commands", "storage", "slack_", "sqlalchemy"))] == []
    assert "re" in names
