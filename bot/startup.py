"""Start-up checks that explain themselves: the database and Slack, before anything runs.

Each failure becomes a `StartError` whose message is one or two lines naming the variable to
fix and what to do next; `incident-bot` prints it and exits non-zero, without a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import Settings

# Slack's answers that mean the token itself is wrong (not the network, not a scope).
REJECTED_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                  "not_allowed_token_type", "invalid_token"}
CONNECT_TIMEOUT = 5  # seconds: a start-up check must not hang on a black-holed host


class StartError(Exception):
    """The bot cannot start; the message names what is missing and how to fix it."""


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as the person wrote it
        return url


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def check_database(url: str) -> None:
    """DATABASE_URL parses, names an installed driver, and the database answers."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    example = "sqlite:///incident-bot.db or postgresql+psycopg://user:password@host:5432/incident_bot"
    try:
        parsed = make_url(url)
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        engine = create_engine(url, connect_args=connect_args)
    except (ArgumentError, ValueError) as exc:
        raise StartError(f"DATABASE_URL is not a database URL ({safe_url(url)}): {_first_line(exc)}.\n"
                         f"Write it like {example}.") from None
    except (NoSuchModuleError, ImportError) as exc:
        raise StartError(f"DATABASE_URL names a database this bot cannot use ({safe_url(url)}: {_first_line(exc)}).\n"
                         f"Use SQLite or PostgreSQL, written like {example}.") from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        hint = ("Check that its folder exists and is writable." if parsed.get_backend_name() == "sqlite" else
                "Check that the server is running and the URL's host, port, user, password and database name.")
        raise StartError(f"cannot open the database at DATABASE_URL ({safe_url(url)}): {_first_line(exc)}.\n"
                         f"{hint} Then start again.") from None
    finally:
        engine.dispose()


def check_slack(settings: Settings) -> dict[str, Any]:
    """auth.test with SLACK_BOT_TOKEN against SLACK_API_URL; returns Slack's answer."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    # The failure is explained below in two lines; slack_sdk's own log lines would bury them.
    quiet = logging.getLogger("bot.startup.slack")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=CONNECT_TIMEOUT,
                       logger=quiet)
    try:
        return dict(client.auth_test().data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = data.get("error") or f"HTTP {exc.response.status_code}"
        if error in REJECTED_TOKEN:
            raise StartError(f"Slack rejected SLACK_BOT_TOKEN ({error}).\nCopy the Bot User OAuth Token (xoxb-...) "
                             "from your app's OAuth & Permissions page (reinstall the app if it was revoked).") from None
        raise StartError(f"Slack answered auth.test with {error} at SLACK_API_URL ({settings.slack_api_url}).\n"
                         "Check SLACK_API_URL (normally https://slack.com/api/) and Slack's status page.") from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, a malformed URL
        reason = getattr(exc, "reason", None) or exc
        raise StartError(f"cannot reach Slack at SLACK_API_URL ({settings.slack_api_url}): {reason}.\n"
                         "Check the network, proxy and firewall (or SLACK_API_URL), then start again.") from None


def quiet_libraries() -> None:
    """Library chatter that says nothing to an operator at every start or tick."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl", "setup plugin", ...
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "Running job" twice per tick
    logging.getLogger("slack_bolt.App").addFilter(_DropUnusedTokenWarning())


class _DropUnusedTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that it is unused
    when given our client (which already holds that token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


def check_incidents_channel(settings: Settings) -> tuple[str, list[str]]:
    """Whether the bot can post in INCIDENTS_CHANNEL, as far as Slack says without posting:
    the channel exists and the bot sees it (conversations.list for a `#name`), is not archived,
    and is not read-only for the bot (conversations.info's `is_read_only`). Returns (what was
    found, problems). Thread-only channels and workspace posting preferences show only when a
    post is refused; the person who acted is told then."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    target = settings.incidents_channel
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=CONNECT_TIMEOUT)
    try:
        channel_id = target
        if target.startswith("#"):
            cursor, channel_id = None, ""
            while not channel_id:
                page = client.conversations_list(types="public_channel,private_channel", exclude_archived=False,
                                                 limit=1000, cursor=cursor).data
                channel_id = next((c["id"] for c in page.get("channels", []) if c.get("name") == target[1:].lower()),
                                  "")
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            if not channel_id:
                return "", [f"INCIDENTS_CHANNEL {target}: the bot sees no such channel; create it (a private one: "
                            "invite the bot), or set INCIDENTS_CHANNEL to another channel"]
        channel = client.conversations_info(channel=channel_id).data["channel"]
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return "", [f"INCIDENTS_CHANNEL {target}: Slack answered {data.get('error', exc.response.status_code)}; "
                    "check the channel (a private one must have the bot invited) or set INCIDENTS_CHANNEL to "
                    "another channel"]
    except (OSError, ValueError) as exc:
        return "", [f"INCIDENTS_CHANNEL {target}: cannot ask Slack ({exc})"]
    name = f"#{channel.get('name')}" if channel.get("name") else target
    problems = []
    if channel.get("is_archived"):
        problems.append(f"INCIDENTS_CHANNEL {name} is archived: unarchive it, or set INCIDENTS_CHANNEL to another "
                        "channel")
    if channel.get("is_read_only"):
        problems.append(f"INCIDENTS_CHANNEL {name} is read-only for the bot: a workspace admin must let the bot post "
                        "there (the channel's posting permissions), or set INCIDENTS_CHANNEL to another channel")
    return f"incidents channel: {name} ({channel_id})", problems
