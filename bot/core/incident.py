"""The incident as the core sees it: a plain snapshot, the status workflow, keys and names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PENDING, FIXING, RESOLVED = "Pending", "Fixing", "Resolved"
INCIDENT_MANAGER = "incident-manager"
BACKUP_IM = "backup-im"
LINK_KINDS = ("video", "doc", "issue")


class TransitionError(Exception):
    """The status workflow does not allow this change; the message says why."""


@dataclass(frozen=True)
class RoleHolder:
    role: str
    user_id: str


@dataclass(frozen=True)
class IncidentSnapshot:
    """What the core needs to know of an incident; built by storage, never by Slack."""

    key: str
    summary: str
    severity: int
    status: str
    declared_at: datetime
    reporter_id: str
    impact: str = ""
    faulty_service: str = "Unknown"
    affected_products: tuple[str, ...] = ()
    private: bool = False
    channel_id: str | None = None
    channel_name: str | None = None
    roles: tuple[RoleHolder, ...] = ()
    links: dict[str, str] = field(default_factory=dict)
    impact_started_at: datetime | None = None
    detected_at: datetime | None = None
    impact_ended_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None
    next_update_due: datetime | None = None
    # The latest "Support cases" count given in an update or at resolve; None: never given.
    support_cases: int | None = None
    # A person archived the incident channel (and nobody has unarchived it since).
    channel_archived: bool = False

    def holders(self, role: str) -> list[str]:
        return [r.user_id for r in self.roles if r.role == role]

    @property
    def incident_manager(self) -> str | None:
        holders = self.holders(INCIDENT_MANAGER)
        return holders[0] if holders else None

    @property
    def is_open(self) -> bool:
        return self.status != RESOLVED

    @property
    def is_major(self) -> bool:
        return self.severity in (1, 2)


def incident_key(prefix: str, number: int) -> str:
    """`incident_key("HOT", 12)` -> `"HOT-12"`."""
    return f"{prefix.upper()}-{number}"


def channel_name(prefix: str, number: int, attempt: int = 1) -> str:
    """`hot-12`; when Slack says the name is taken, the next free one: `hot-12-2`, `hot-12-3`."""
    base = f"{prefix.lower()}-{number}"
    return base if attempt <= 1 else f"{base}-{attempt}"


def status_after_role_change(status: str, role: str) -> str:
    """The handbook: an incident is Pending until an incident manager takes it, then Fixing."""
    if role == INCIDENT_MANAGER and status == PENDING:
        return FIXING
    return status


def status_after(status: str, event: str) -> str:
    """The workflow Pending -> Fixing -> Resolved, and reopen back to Fixing."""
    if event == "resolve":
        if status == RESOLVED:
            raise TransitionError("the incident is already resolved")
        return RESOLVED
    if event == "reopen":
        if status != RESOLVED:
            raise TransitionError(f"the incident is {status}, not resolved, so there is nothing to reopen")
        return FIXING
    raise TransitionError(f"unknown event {event!r}")
