"""The postmortem document as text: its timeline and action lines, the cause texts, the
blameless names of the export, and the whole document as Markdown (times in UTC)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core import handbook
from bot.core.blameless import people_by_role
from bot.core.durations import format_duration
from bot.core.postmortem import (
    EXTERNAL_DEPENDENCY,
    STATUS_LABELS,
    PostmortemDocument,
    field_text,
)
from bot.core.timeline import ITERATE_KINDS, kind_label
from bot.views.slack_text import USER_MENTION, mention, utc_text


def plain_mentions(text: str, names: Mapping[str, str] | None = None) -> str:
    """`<@U123>` -> `@alice` (or `@U123`): mentions mean nothing outside Slack."""
    return USER_MENTION.sub(lambda m: "@" + (names or {}).get(m.group(1), m.group(1)), text)


def timeline_lines(doc: PostmortemDocument) -> list[str]:
    """Every entry of the incident timeline, in order, with its UTC time. Theories and
    experiments say so: the meeting walks through which were proved and which were not."""
    def label(kind: str) -> str:
        return f"{kind_label(kind)}: " if kind in ITERATE_KINDS else ""

    return [f"{utc_text(item.occurred_at)}: {label(item.kind)}{' '.join(item.text.split())}" for item in doc.timeline]


def action_lines(doc: PostmortemDocument) -> list[str]:
    lines = []
    for action in doc.actions:
        owner = mention(action.owner_id) if action.owner_id else "no owner"
        state = f"done {action.done_at:%Y-%m-%d}" if action.done_at else f"due {action.due_at:%Y-%m-%d}"
        category = f" · {handbook.ACTION_CATEGORIES[action.category]}" if action.category in handbook.ACTION_CATEGORIES else ""
        lines.append(f"#{action.id} [{action.kind}{category}] {' '.join(action.text.split())} ({owner}, {state})")
    return lines


def external_dependency_text(outcome: str | None) -> str:
    """`met` -> the handbook's meaning and what to do about it; "" when not chosen."""
    if outcome not in handbook.EXTERNAL_DEPENDENCY_OUTCOMES:
        return ""
    return (f"{handbook.EXTERNAL_DEPENDENCY_MEANING[outcome]} "
            f"What to do: {handbook.EXTERNAL_DEPENDENCY_CONSEQUENCE[outcome]}")


def cause_category_text(category: str | None) -> str:
    if not category:
        return ""
    meaning = handbook.CAUSE_CATEGORY_MEANING.get(category, "")
    action = handbook.CAUSE_CATEGORY_ACTION.get(category, "")
    return f"{category.capitalize()}: {meaning} Suggested action: {action}".strip()


def people_in(doc: PostmortemDocument) -> set[str]:
    """Everyone the document can mention: owner, approvers, timeline authors and mentions."""
    mentioned = USER_MENTION.findall(" ".join([*(i.text for i in doc.timeline), *map(str, doc.postmortem.fields.values()),
                                           *(a.text for a in doc.actions)]))
    return {doc.postmortem.owner_id, doc.incident.reporter_id, *doc.postmortem.approvers,
            *(i.actor_id for i in doc.timeline if i.actor_id), *(a.owner_id for a in doc.actions if a.owner_id),
            *(user for _, user in doc.assignments), *mentioned}


def role_names(doc: PostmortemDocument) -> dict[str, str]:
    """Blameless names for the export: `@incident-manager`, `@tech-lead-2`, `@responder-1`."""
    known = {doc.postmortem.owner_id, doc.incident.reporter_id, *doc.postmortem.approvers,
             *(user for _, user in doc.assignments)}
    others = sorted(people_in(doc) - known)
    return people_by_role(doc.assignments, reporter=doc.incident.reporter_id, owner=doc.postmortem.owner_id,
                          approvers=doc.postmortem.approvers, others=others)


def render_markdown(doc: PostmortemDocument, names: Mapping[str, str] | None = None) -> str:
    """The whole document as Markdown: every handbook field in order, all times in UTC."""
    incident, pm = doc.incident, doc.postmortem
    severity = handbook.SEVERITIES[incident.severity]
    owner = plain_mentions(mention(pm.owner_id), names)
    approvers = ", ".join(plain_mentions(mention(a), names) for a in pm.approvers) or "none named yet"
    lines = [
        f"# Postmortem: {incident.key} - Sev {incident.severity} - {incident.summary}",
        "",
        f"- Severity: Sev {severity.level} ({severity.label})",
        f"- Status: {STATUS_LABELS.get(pm.status, pm.status)}",
        f"- Owner: {owner}",
        f"- Approvers: {approvers}",
        f"- Due: {utc_text(pm.due_at)}",
    ]
    start, detected, end = incident.impact_started_at, incident.detected_at, incident.impact_ended_at
    if start and detected:
        lines.append(f"- Time to detect (TTD): {format_duration(detected - start)}")
    if start and end:
        lines.append(f"- Time to recovery (TTR): {format_duration(end - start)}")
    if doc.resolution_summary:
        lines.append(f"- Resolution: {doc.resolution_summary}")
    for spec in handbook.POSTMORTEM_FIELDS:
        lines += ["", f"## {spec.title}", ""]
        body = _field_markdown(doc, spec.key)
        lines.append(plain_mentions(body, names) if body else f"_Not written yet. {spec.prompt}_")
        if spec.key == "root_cause":
            category = cause_category_text(pm.cause_category)
            lines += ["", "## Cause category", "",
                      category or f"_Not chosen yet: one of {', '.join(handbook.CAUSE_CATEGORIES)}._"]
            dependency = external_dependency_text(str(pm.fields.get(EXTERNAL_DEPENDENCY) or ""))
            lines += ["", "## External dependency", "",
                      dependency or "_Not chosen: the expectation of an external service was exceeded, met or "
                                    "none (leave empty when no external dependency was involved)._"]
    return "\n".join(lines).rstrip() + "\n"


def _field_markdown(doc: PostmortemDocument, key: str) -> str:
    text = field_text(doc, key)
    if key == "timeline":
        entries = [f"- {line}" for line in timeline_lines(doc)] or ["- (no entries)"]
        return "\n".join(([text, ""] if text else []) + ["All times are UTC.", *entries])
    if key == "corrective_actions":
        actions = [f"- {line}" for line in action_lines(doc)]
        if not actions:
            return text
        return "\n".join(([text, ""] if text else []) + actions)
    return text
