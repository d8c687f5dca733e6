"""Internal comms by email: the same sections as the Slack post, for the distribution list.

The handbook sends initial, follow-up and final comms to "an email distribution list of
engineering leadership and staff", titled like the incident: `<key> - Sev <n> - <summary>`.
The sections are plain data; the email edge renders them as plain text and as HTML, so
both parts say the same thing. Typed text stays raw here (the edge escapes the HTML).

>>> subject("HOT-3", 2, "Checkout   fails")
'HOT-3 - Sev 2 - Checkout fails'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core import handbook
from bot.core.durations import format_duration
from bot.core.incident import IncidentSnapshot
from bot.core.resolve import ResolveTimes
from bot.views.slack_text import utc_text

INITIAL, FOLLOW_UP, FINAL = "initial", "follow-up", "final"


@dataclass(frozen=True)
class Section:
    """A heading (may be empty), paragraphs, labelled facts, then bullets."""

    heading: str = ""
    paragraphs: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommsEmail:
    key: str
    kind: str  # initial, follow-up, final
    subject: str
    sections: tuple[Section, ...]
    channel_url: str
    channel_name: str = ""

    def as_payload(self) -> dict[str, Any]:
        """JSON for the effect row: everything the mail needs, frozen at the time of the post."""
        return {
            "key": self.key, "kind": self.kind, "subject": self.subject, "channel_url": self.channel_url,
            "channel_name": self.channel_name,
            "sections": [{"heading": s.heading, "paragraphs": list(s.paragraphs),
                          "facts": [list(pair) for pair in s.facts], "bullets": list(s.bullets)}
                         for s in self.sections],
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> CommsEmail:
        return cls(
            key=data["key"], kind=data["kind"], subject=data["subject"], channel_url=data["channel_url"],
            channel_name=data.get("channel_name") or "",
            sections=tuple(Section(heading=s.get("heading") or "", paragraphs=tuple(s.get("paragraphs") or ()),
                                   facts=tuple((str(k), str(v)) for k, v in s.get("facts") or ()),
                                   bullets=tuple(s.get("bullets") or ())) for s in data["sections"]),
        )


def channel_url(channel_id: str) -> str:
    """A link that opens the channel in Slack for anyone in the workspace."""
    return f"https://slack.com/app_redirect?channel={channel_id}"


def update_email(
    *, key: str, severity: int, summary: str, first: bool, fields: dict[str, Any], channel_url: str,
    channel_name: str = "",
) -> CommsEmail:
    """An initial or follow-up update, from what the update saved (`CommsUpdateDraft.as_fields()`)."""
    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value).strip()

    def items(name: str) -> tuple[str, ...]:
        value = fields.get(name) or ()
        return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)

    facts = tuple((label, text(name)) for label, name in (
        ("Impact on customers", "customer_impact"), ("Customers affected", "customers_affected"),
        ("Root cause", "root_cause"), ("ETA for restoration", "eta"), ("Support cases raised", "support_cases"),
    ) if text(name))
    sections = [Section(paragraphs=(text("state_and_impact"),) if text("state_and_impact") else (), facts=facts)]
    if items("current_status"):
        sections.append(Section("Current status", bullets=items("current_status")))
    if items("next_steps"):
        sections.append(Section("Next steps", bullets=items("next_steps")))
    next_at = text("next_update_at")
    if next_at:
        where = f" in {text('next_update_where')}" if text("next_update_where") else ""
        when = utc_text(datetime.fromisoformat(next_at))
        sections.append(Section(paragraphs=(f"Next update: {when}{where}",)))
    return CommsEmail(key=key, kind=INITIAL if first else FOLLOW_UP, subject=subject(key, severity, summary),
                      sections=tuple(sections), channel_url=channel_url, channel_name=channel_name)


def final_email(
    incident: IncidentSnapshot, times: ResolveTimes, resolution_summary: str, *, latest_impact: str | None,
    channel_url: str,
) -> CommsEmail:
    """The final comms: resolved, the impact as the latest update described it, how long it
    lasted, and that no further communications follow (the handbook's resolved wording)."""
    described = (latest_impact or "").strip() or incident.impact.strip() or incident.summary
    recap = handbook.RESOLVED_INTERNAL_TEMPLATE.format(
        impact=f"Impact: {_sentence(described.splitlines()[0])}", duration=format_duration(times.time_to_recovery))
    facts = [
        ("Start of impact", utc_text(times.impact_started_at)),
        ("Detected", utc_text(times.detected_at)),
        ("End of impact", utc_text(times.impact_ended_at)),
        ("Time to detect (TTD)", format_duration(times.time_to_detect)),
        ("Time to recovery (TTR)", format_duration(times.time_to_recovery)),
    ]
    if incident.support_cases is not None:
        facts.append(("Support cases raised", str(incident.support_cases)))
    sections = (
        Section(paragraphs=(recap,), facts=tuple(facts)),
        Section("Resolution", paragraphs=(_sentence(resolution_summary),)),
    )
    return CommsEmail(key=incident.key, kind=FINAL, subject=subject(incident.key, incident.severity, incident.summary),
                      sections=sections, channel_url=channel_url, channel_name=incident.channel_name or "")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def subject(key: str, severity: int, summary: str) -> str:
    """`<key> - Sev <n> - <summary>` on one line (a header cannot hold a line break)."""
    return " ".join(handbook.INTERNAL_NAME_TEMPLATE.format(key=key, severity=severity, summary=summary).split())
