"""Repeat-incident risk: the handbook tracks incidents whose root cause is not yet mitigated,
i.e. whose priority actions (the root-cause fixes) are not all done, since each is a class
of incident that can happen again.

>>> risk = RepeatRisk(open_priority_by_severity={1: 2, 3: 1}, incidents_at_risk=2)
>>> risk_lines(risk)[0]
'Open priority actions by severity: Sev 1: 2, Sev 2: 0, Sev 3: 1'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.handbook import SEVERITIES


@dataclass(frozen=True)
class RepeatRisk:
    # Severity of the incident an open priority action belongs to -> how many are open.
    open_priority_by_severity: dict[int, int] = field(default_factory=dict)
    # Incidents with at least one priority action not yet done.
    incidents_at_risk: int = 0


def risk_lines(risk: RepeatRisk) -> list[str]:
    by_severity = ", ".join(f"Sev {level}: {risk.open_priority_by_severity.get(level, 0)}" for level in SEVERITIES)
    plural = "s" if risk.incidents_at_risk != 1 else ""
    return [
        f"Open priority actions by severity: {by_severity}",
        f"Repeat-incident risk: {risk.incidents_at_risk} incident{plural} whose root cause is not yet mitigated "
        "(priority actions not all done)",
    ]
