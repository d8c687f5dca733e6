"""`incident-bot check` for the status page and email: each setting is tried for real, and
a problem says which variable to fix and where to find the right value."""

from __future__ import annotations

import ssl

from bot.settings import Settings, TeamConfig
from bot.vendors import email
from bot.vendors.errors import VendorError
from bot.vendors.statuspage import StatuspageClient, StatuspageError

WHERE_KEY = "Statuspage > your avatar > API info"


def check_statuspage(settings: Settings, team: TeamConfig) -> tuple[list[str], list[str]]:
    """(lines to print, problems). The key and page are proved by listing the page's
    components, which also shows every `statuspage_components` id in the TOML exists."""
    lines: list[str] = []
    problems: list[str] = []
    configured = {cid: s.name for s in team.services for cid in s.statuspage_components}
    if not settings.statuspage_api_key and not settings.statuspage_page_id:
        if configured:
            problems.append("services name statuspage_components but STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID "
                            "are not set")
        return lines, problems
    if not settings.statuspage_api_key or not settings.statuspage_page_id:
        missing = "STATUSPAGE_API_KEY" if not settings.statuspage_api_key else "STATUSPAGE_PAGE_ID"
        problems.append(f"{missing} is missing: Statuspage needs both the key ({WHERE_KEY}) and the page id "
                        "(the same page, 'Page IDs')")
        return lines, problems
    client = StatuspageClient(api_url=settings.statuspage_api_url, api_key=settings.statuspage_api_key,
                              page_id=settings.statuspage_page_id, timeout=10)
    try:
        components = {c.id: c.name for c in client.components()}
    except StatuspageError as exc:
        hint = {401: f"STATUSPAGE_API_KEY was refused: copy it again from {WHERE_KEY}",
                404: f"STATUSPAGE_PAGE_ID {settings.statuspage_page_id} is not a page this key can use "
                     f"({WHERE_KEY} lists the page ids)"}.get(exc.status or 0)
        problems.append(hint or f"Statuspage could not be checked: {exc} (is STATUSPAGE_API_URL right?)")
        return lines, problems
    lines.append(f"Statuspage: ok, page {settings.statuspage_page_id} has {len(components)} components: "
                 + (", ".join(f"{cid} ({name})" for cid, name in components.items()) or "none"))
    for cid, service in configured.items():
        if cid in components:
            lines.append(f"  service {service}: component {cid} ({components[cid]})")
        else:
            problems.append(f"service {service}: statuspage_components names {cid}, which is not a component of "
                            f"page {settings.statuspage_page_id} (its components: "
                            f"{', '.join(f'{k} ({v})' for k, v in components.items()) or 'none'})")
    return lines, problems


def check_email(settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> tuple[list[str], list[str]]:
    """(lines, problems). Connects, upgrades to TLS when offered, logs in, and leaves without
    sending anything."""
    lines: list[str] = []
    problems: list[str] = []
    if not settings.smtp_url and not settings.internal_comms_email:
        return lines, problems
    if not settings.smtp_url:
        problems.append("INTERNAL_COMMS_EMAIL is set but SMTP_URL is not: set it to your mail server, e.g. "
                        "smtp://user:pass@smtp.example.com:587")
        return lines, problems
    if not settings.internal_comms_recipients:
        lines.append("note: SMTP_URL is set but INTERNAL_COMMS_EMAIL is not, so no internal comms are emailed")
    try:
        said = email.verify(settings.smtp_url, ssl_context=ssl_context, timeout=10)
    except VendorError as exc:
        problems.append(f"SMTP_URL: {exc.error}")
        return lines, problems
    lines.append(f"email: ok, {said}; internal comms go from {settings.email_sender} to "
                 f"{', '.join(settings.internal_comms_recipients) or 'nobody yet'}")
    return lines, problems
