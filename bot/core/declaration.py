"""Validation of the declare modal: a function of the submitted values, no Slack, no DB."""

from __future__ import annotations

from dataclasses import dataclass

SUMMARY_MAX = 150
IMPACT_MAX = 3000
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Declaration:
    summary: str
    impact: str
    severity: int
    faulty_service: str
    affected_products: tuple[str, ...]
    private: bool


def check_summary_and_impact(summary: str | None, impact: str | None, errors: dict[str, str], *,
                             empty: str) -> tuple[str, str]:
    """The summary (white space folded) and impact as stored; their inline errors go into
    `errors`. Declaring and editing share the rule; only the empty-summary wording differs."""
    summary = " ".join((summary or "").split())
    if not summary:
        errors["summary"] = empty
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary to {SUMMARY_MAX} characters (it is {len(summary)}); put details in the impact."
    impact = (impact or "").strip()
    if len(impact) > IMPACT_MAX:
        errors["impact"] = f"Keep the impact to {IMPACT_MAX} characters (it is {len(impact)})."
    return summary, impact


def validate_declaration(
    *,
    summary: str | None,
    impact: str | None,
    severity: str | None,
    faulty_service: str | None,
    affected_products: list[str] | None,
    private: bool,
    services: tuple[str, ...],
    products: tuple[str, ...],
) -> tuple[Declaration | None, dict[str, str]]:
    """Returns the declaration, or the inline errors keyed by block ID (nothing is created)."""
    errors: dict[str, str] = {}
    summary, impact = check_summary_and_impact(
        summary, impact, errors, empty="Say in a few words what is wrong, e.g. “Checkout fails for EU customers”.")
    level = 0
    if severity not in ("1", "2", "3"):
        errors["severity"] = "Choose a severity: 1 (critical), 2 (major) or 3 (minor)."
    else:
        level = int(severity)
    service = faulty_service or UNKNOWN
    if service != UNKNOWN and service not in services:
        errors["faulty_service"] = f"{service!r} is not a known service; choose one from the list or Unknown."
    chosen = tuple(affected_products or ())
    strange = [p for p in chosen if p != UNKNOWN and p not in products]
    if strange:
        errors["affected_products"] = f"Unknown products: {', '.join(strange)}. Choose from the list or Unknown."
    if errors:
        return None, errors
    return Declaration(summary, impact, level, service, chosen or (UNKNOWN,), private), {}
