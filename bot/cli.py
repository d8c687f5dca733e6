"""The `incident-bot` command: run (Socket Mode), serve (HTTP), db upgrade, check."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.settings import ConfigError, Settings, load_settings
from bot.startup import StartError, check_database, check_incidents_channel, check_slack, quiet_libraries, safe_url

log = logging.getLogger("incident-bot")

SETUP_HINT = ("Create the Slack app from manifest.yml (https://api.slack.com/apps > Create New App > From an app "
              "manifest), install it, and put the tokens in the environment or a .env file; the README says where "
              "each one is.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="incident-bot", description="Runs major incidents in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="Socket Mode (needs SLACK_APP_TOKEN); the default way to run")
    sub.add_parser("serve", help="HTTP mode on $PORT: POST /slack/events, POST /webhooks/<source>, GET /healthz")
    db = sub.add_parser("db", help="database")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("check", help="validate the configuration and the token (auth.test)")
    export = sub.add_parser("export", help="print an incident's postmortem as Markdown")
    export.add_argument("key", help="the incident key, e.g. HOT-12")
    export.add_argument("--names", action="store_true",
                        help="name people as Slack does (needs SLACK_BOT_TOKEN); by default they are named by role")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    try:
        settings = load_settings()
        if args.command == "run":
            return run(settings)
        if args.command == "serve":
            return serve(settings)
        if args.command == "db":
            from storage.migrate import upgrade

            check_database(settings.database_url)
            upgrade(settings.database_url)
            print(f"database at {safe_url(settings.database_url)} is up to date")
            return 0
        if args.command == "export":
            from bot.flows.export import export_cli

            return export_cli(settings, args.key, names=args.names)
        return check(settings)
    except (ConfigError, StartError) as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 2


def _require(settings: Settings, *names: str) -> None:
    missing = [name for name in names if not getattr(settings, name.lower())]
    if missing:
        raise StartError(f"missing {', '.join(missing)}.\n{SETUP_HINT}")
    if settings.slack_bot_token and not settings.slack_bot_token.startswith("xoxb-"):
        raise StartError("SLACK_BOT_TOKEN must be the bot token, starting xoxb-.")
    if "SLACK_APP_TOKEN" in names and not settings.slack_app_token.startswith("xapp-"):
        raise StartError("SLACK_APP_TOKEN must be an app-level token with connections:write, starting xapp-.")


def _start_background(deps: object) -> None:
    from bot import scheduler
    from bot.effects.worker import EffectWorker
    from bot.flows import catch_up

    # Effects are delivered right after the commit that wrote them; the ones a dead process
    # left pending (or claimed: after EFFECT_STALE_CLAIM) are picked up by the worker, so a
    # declaration killed part-way is finished without a second channel or announcement.
    EffectWorker(deps).start()  # type: ignore[arg-type]
    # What was said and reacted in incident channels while the bot was down, read once.
    catch_up.start_catch_up(deps)
    scheduler.start(deps)  # type: ignore[arg-type]


def _preflight(settings: Settings) -> None:
    """The database and the bot token, before anything starts: a wrong one stops here with a
    message, not a traceback from deep inside (and serve never answers /healthz 200)."""
    check_database(settings.database_url)
    auth = check_slack(settings)
    log.info("Slack accepted the bot token: bot user %s in %s", auth.get("user_id"), auth.get("team"))


def run(settings: Settings) -> int:
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    _preflight(settings)
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.runtime import build_deps

    deps = build_deps(settings)
    app = create_app(deps)
    _start_background(deps)
    if settings.webhooks_enabled:
        _serve_inbound(deps, settings.port)
    from bot.flows.catch_up import Reconnects

    handler = SocketModeHandler(app, settings.slack_app_token)
    # After a dropped connection, the events of the gap are read back once.
    handler.client.on_message_listeners.append(Reconnects(deps).on_message)
    try:
        handler.connect()
    except SlackApiError as exc:
        error = (exc.response.data or {}).get("error") if isinstance(exc.response.data, dict) else None
        raise StartError(f"Slack rejected SLACK_APP_TOKEN ({error or exc.response.status_code}).\nCreate an "
                         "app-level token with connections:write under Basic Information > App-Level Tokens, "
                         "and check that Socket Mode is on for the app.") from None
    log.info("Connected to Slack in Socket Mode")
    threading.Event().wait()  # the socket's own threads do the work, as SocketModeHandler.start() does
    return 0


def _serve_inbound(deps: object, port: int) -> None:
    """Socket Mode needs no public URL, but vendors' webhooks do: `run` listens on $PORT for
    /healthz and /webhooks/* only, when a webhook secret or token is set."""
    import waitress

    from bot.server import inbound_app

    server = waitress.create_server(inbound_app(deps), host="0.0.0.0", port=port, threads=4,  # type: ignore[arg-type]
                                    ident="incident-bot")
    threading.Thread(target=server.run, name="webhooks", daemon=True).start()
    log.info("incident-bot serving webhooks on port %s (POST /webhooks/<source>, GET /healthz)", port)


def serve(settings: Settings) -> int:
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    _preflight(settings)
    import waitress

    from bot.app import create_app
    from bot.runtime import build_deps
    from bot.server import wsgi_app

    deps = build_deps(settings)
    app = create_app(deps)
    _start_background(deps)
    log.info("incident-bot serving HTTP on port %s (POST /slack/events, POST /webhooks/<source>, GET /healthz)",
             settings.port)
    waitress.serve(wsgi_app(app, deps), host="0.0.0.0", port=settings.port, threads=16, ident="incident-bot")
    return 0


def check(settings: Settings) -> int:
    from bot.settings import load_team_config

    problems: list[str] = []
    print("incident-bot configuration:")
    for name, value in settings.model_dump().items():
        shown = _mask(name, value)
        print(f"  {name.upper()} = {shown}")
    if not settings.slack_bot_token:
        problems.append("SLACK_BOT_TOKEN is missing (xoxb-...)")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        problems.append("set SLACK_APP_TOKEN for Socket Mode (incident-bot run) or SLACK_SIGNING_SECRET for HTTP mode "
                        "(incident-bot serve)")
    if not settings.incidents_channel:
        print("  note: INCIDENTS_CHANNEL is not set, so declarations are not announced anywhere")
    team = None
    try:
        team = load_team_config(settings.incident_bot_config)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"INCIDENT_BOT_CONFIG {settings.incident_bot_config}: {exc}")
    if team is not None:
        from bot.vendors.check import check_email, check_statuspage
        from bot.vendors.check_pagerduty import check_pagerduty

        for lines, found in (check_statuspage(settings, team), check_email(settings), check_pagerduty(settings, team)):
            for line in lines:
                print(f"  {line}")
            problems += found
    try:
        check_database(settings.database_url)
        print(f"  database: ok ({safe_url(settings.database_url)})")
    except StartError as exc:
        problems.append(str(exc).replace("\n", " "))
    if settings.slack_bot_token:
        try:
            auth = check_slack(settings)
            print(f"  auth.test: ok, bot user {auth.get('user_id')} in team {auth.get('team')} ({auth.get('url')})")
            if settings.incidents_channel:
                found, channel_problems = check_incidents_channel(settings)
                if found:
                    print(f"  {found}" + ("" if channel_problems else ": the bot may post there"))
                problems += channel_problems
        except StartError as exc:
            problems.append(f"auth.test failed: {str(exc).replace(chr(10), ' ')}")
    if problems:
        print("problems:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(SETUP_HINT, file=sys.stderr)
        return 1
    print("configuration ok")
    return 0


SECRETS = ("slack_bot_token", "slack_app_token", "slack_signing_secret", "statuspage_api_key", "pagerduty_api_token",
           "pagerduty_webhook_secret", "alertmanager_webhook_token")


def _mask(name: str, value: object) -> str:
    if name in SECRETS and value:
        text = str(value)
        # Slack tokens' first five characters say their kind (xoxb-, xapp-); others show nothing.
        shown = text[:5] if name.startswith("slack_") else ""
        return shown + "…" + f" ({len(text)} characters)"
    if name == "database_url":
        return safe_url(str(value))
    if name == "smtp_url" and value:
        parts = urlsplit(str(value))
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl() \
            if parts.password else str(value)
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
