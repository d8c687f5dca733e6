"""Settings from the environment (and `.env`), exactly as DESIGN.md names them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.durations import parse_duration
from bot.core.handbook import PRIORITY_ACTION_SLO_WEEKS


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    return parse_duration(str(value))


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _optional_duration(value: Any) -> timedelta | None:
    # Empty means "never" (ARCHIVE_AFTER's default).
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _duration(value)


OptionalDuration = Annotated[timedelta | None, BeforeValidator(_optional_duration)]


def _int_set(value: Any) -> frozenset[int]:
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    try:
        return frozenset(int(v) for v in value)
    except ValueError:
        raise ValueError(f"write severities as numbers, comma-separated, like 1,2 (got {value!r})") from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///incident-bot.db"
    incident_key_prefix: str = "HOT"
    incidents_channel: str = ""
    initial_comms_deadline: Duration = timedelta(minutes=30)
    update_interval: Duration = timedelta(minutes=180)
    reminder_lead: Duration = timedelta(minutes=10)
    scheduler_tick: Duration = timedelta(seconds=30)
    # An effect claimed this long ago with nothing recorded: its process died; another takes
    # it over. Longer than one delivery can take (one Slack call, 15 s timeout, no sleeps).
    effect_stale_claim: Duration = timedelta(minutes=5)
    port: int = 3000
    incident_bot_config: str = ""
    # Severities whose deadlines are nagged (the handbook: 1 and 2 are major).
    nag_severities: Annotated[frozenset[int], NoDecode, BeforeValidator(_int_set)] = frozenset({1, 2})
    # A long-serving IM is asked once whether to plan a handover.
    handover_nudge_after: Duration = timedelta(hours=4)
    # Archive the incident channel this long after resolve; empty: never.
    archive_after: OptionalDuration = None
    # Approvers who have not decided are reminded once per this period.
    postmortem_approval_reminder: Duration = timedelta(days=2)
    # e.g. https://meet.example.com/{channel}: prefills the video link at declaration.
    video_url_template: str = ""
    # The bot reacts to a message it put on the timeline, so people see it was taken.
    timeline_ack_reaction: str = "white_check_mark"
    postmortem_due_business_days: int = 5
    priority_action_weeks: int = 8
    improvement_action_weeks: int = 12
    # External comms on Atlassian Statuspage (INTEGRATIONS.md): off until the key and page are set.
    statuspage_api_url: str = "https://api.statuspage.io/v1"
    statuspage_api_key: str = ""
    statuspage_page_id: str = ""
    # Internal comms by email: off until both the server and the recipients are set.
    smtp_url: str = ""
    email_from: str = ""
    internal_comms_email: str = ""
    # Paging (INTEGRATIONS.md): off until a service has a routing key.
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    pagerduty_api_url: str = "https://api.pagerduty.com"
    pagerduty_api_token: str = ""
    # Comma-separated: during a rotation both the old and the new secret are accepted.
    pagerduty_webhook_secret: str = ""
    page_severities: Annotated[frozenset[int], NoDecode, BeforeValidator(_int_set)] = frozenset({1, 2})
    alertmanager_webhook_token: str = ""

    @field_validator("incident_key_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value.isalnum():
            raise ValueError("must be letters and digits only, like HOT")
        return value.upper()

    @field_validator("initial_comms_deadline", "update_interval", "scheduler_tick", "postmortem_approval_reminder",
                     "reminder_lead", "handover_nudge_after")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    @field_validator("nag_severities", "page_severities")
    @classmethod
    def _severities(cls, value: frozenset[int]) -> frozenset[int]:
        # The handbook's severities are 1 (critical) to 3 (minor); anything else would never match.
        wrong = sorted(v for v in value if v not in (1, 2, 3))
        if wrong:
            raise ValueError(f"severities are 1, 2 or 3 (comma-separated, like 1,2), not {', '.join(map(str, wrong))}")
        return value

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be a TCP port, 1-65535")
        return value

    @field_validator("postmortem_due_business_days", "priority_action_weeks", "improvement_action_weeks")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be 1 or more")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("must look like smtp://user:pass@host:587, smtps://user:pass@host:465 "
                                 "or smtp://host:25")
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str) -> str:
        if value and "@" not in value:
            raise ValueError("must be an email address, like incident-bot@example.com")
        return value

    @field_validator("internal_comms_email")
    @classmethod
    def _recipients(cls, value: str) -> str:
        bad = [address for address in _addresses(value) if "@" not in address]
        if bad:
            raise ValueError(f"{', '.join(bad)}: not an email address (comma-separated addresses expected)")
        return value

    @property
    def channel_prefix(self) -> str:
        return self.incident_key_prefix.lower()

    @property
    def pagerduty_webhook_secrets(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.pagerduty_webhook_secret.split(",") if part.strip())

    @property
    def webhooks_enabled(self) -> bool:
        """Any inbound webhook is configured: `run` then listens on $PORT too."""
        return bool(self.pagerduty_webhook_secrets or self.alertmanager_webhook_token)

    @property
    def statuspage_enabled(self) -> bool:
        return bool(self.statuspage_api_key and self.statuspage_page_id)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_url and self.internal_comms_recipients)

    @property
    def internal_comms_recipients(self) -> tuple[str, ...]:
        return _addresses(self.internal_comms_email)

    @property
    def email_sender(self) -> str:
        """EMAIL_FROM, else incident-bot@<host of SMTP_URL>."""
        return self.email_from or f"incident-bot@{urlsplit(self.smtp_url).hostname or 'localhost'}"


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Service:
    name: str
    on_call: tuple[str, ...] = ()
    # Statuspage component ids whose status follows the incident's severity.
    statuspage_components: tuple[str, ...] = ()
    # Approvers every postmortem of this service needs, all of them (on top of the global list).
    postmortem_approvers: tuple[str, ...] = ()
    # The handbook: the priority-action SLO is "either 4 or 8 weeks, depending on the service".
    priority_action_weeks: int | None = None
    # Events API v2 integration key: the service is paged when set.
    pagerduty_routing_key: str = ""
    # Who is on call for it (GET /oncalls), with PAGERDUTY_API_TOKEN.
    pagerduty_escalation_policy: str = ""

    def __post_init__(self) -> None:
        if self.priority_action_weeks is not None and self.priority_action_weeks not in PRIORITY_ACTION_SLO_WEEKS:
            raise ValueError(f"[[services]] {self.name}: priority_action_weeks = {self.priority_action_weeks}; "
                             "the handbook allows 4 or 8")


@dataclass(frozen=True)
class TeamConfig:
    """The optional TOML file (INCIDENT_BOT_CONFIG): services, products, extra roles, emoji."""

    services: tuple[Service, ...] = ()
    products: tuple[str, ...] = ()
    extra_roles: dict[str, str] = field(default_factory=dict)
    timeline_emoji: dict[str, str] = field(default_factory=dict)
    postmortem_approvers: tuple[str, ...] = ()

    def service(self, name: str | None) -> Service | None:
        """The configured service called `name` (an incident's faulty service), if any."""
        return next((s for s in self.services if s.name == name), None)

    def required_approvers(self, service_name: str | None) -> tuple[str, ...]:
        """`[[services]] postmortem_approvers` of the incident's faulty service: each must approve."""
        found = self.service(service_name)
        return found.postmortem_approvers if found else ()


def load_team_config(path: str) -> TeamConfig:
    """Reads the TOML file; an empty path gives the empty configuration.

    ```toml
    products = ["Checkout", "Search"]
    postmortem_approvers = ["U123"]
    [[services]]
    name = "payments-api"
    on_call = ["U0PAY"]
    statuspage_components = ["8kbf7d35c070"]
    postmortem_approvers = ["U0HEAD"]
    priority_action_weeks = 4
    pagerduty_routing_key = "0123456789abcdef0123456789abcdef"
    pagerduty_escalation_policy = "PPAYESC"
    [roles]
    problem-manager = "Owns the problem record after the incident."
    [timeline_emoji]
    eyes = "observation"
    ```
    """
    if not path:
        return TeamConfig()
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return TeamConfig(
        services=tuple(_service(s) for s in data.get("services", ())),
        products=tuple(data.get("products", ())),
        extra_roles=dict(data.get("roles", {})),
        timeline_emoji=dict(data.get("timeline_emoji", {})),
        postmortem_approvers=tuple(data.get("postmortem_approvers", ())),
    )


def _service(entry: dict[str, Any]) -> Service:
    return Service(
        entry["name"], tuple(entry.get("on_call", ())),
        statuspage_components=tuple(entry.get("statuspage_components", ())),
        postmortem_approvers=tuple(entry.get("postmortem_approvers", ())),
        priority_action_weeks=entry.get("priority_action_weeks"),
        pagerduty_routing_key=str(entry.get("pagerduty_routing_key", "")).strip(),
        pagerduty_escalation_policy=str(entry.get("pagerduty_escalation_policy", "")).strip(),
    )


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
