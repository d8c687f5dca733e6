"""The handbook's major incident manager cheat sheet and assess questions, as Slack text."""

from __future__ import annotations

from bot.core import handbook


def cheat_sheet() -> str:
    """`*Incident manager cheat sheet*` then each stage with its tasks."""
    lines = ["*Incident manager cheat sheet* (from the Incident Management Handbook)"]
    for stage, tasks in handbook.IM_CHEAT_SHEET.items():
        lines.append(f"*{stage}*")
        lines.extend(f"• {task}" for task in tasks)
    return "\n".join(lines)


def assess_questions() -> str:
    """The questions that set the severity, for a new incident manager."""
    return "*Assess the severity: ask*\n" + "\n".join(f"• {q}" for q in handbook.ASSESS_QUESTIONS)
