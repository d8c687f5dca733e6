"""Email: the only module that speaks SMTP (the standard library's `smtplib` and `email`).

`SMTP_URL` says how: `smtp://user:pass@host:587` upgrades with STARTTLS when the server
offers it, `smtps://user:pass@host:465` is TLS from the first byte, `smtp://host:25` is a
local relay without auth. A message has a plain-text and an HTML part, both rendered
from the same sections. Failures become VendorError: a refusal for good (5xx, bad
credentials, a certificate that does not verify) is `permanent`; a server that is down,
busy (4xx) or slow is retried by the effect pipeline.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from bot.core.comms_email import INITIAL, CommsEmail
from bot.vendors.errors import VendorError

log = logging.getLogger(__name__)

VENDOR = "Email"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 30.0


def message_id(mail: CommsEmail, *, sender: str, number: int) -> str:
    """Stable per mail (`number` is the effect's id), so a resend is recognisably the same mail."""
    return f"<{mail.key.lower()}.{mail.kind}.{number}@{_domain(sender)}>"


def thread_id(mail: CommsEmail, *, sender: str) -> str:
    """The id of the incident's first mail: later mails refer to it, so mail clients thread them."""
    return f"<{mail.key.lower()}@{_domain(sender)}>"


def compose(mail: CommsEmail, *, sender: str, recipients: Sequence[str], number: int,
            date: datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(date)
    root = thread_id(mail, sender=sender)
    if mail.kind == INITIAL:
        message["Message-ID"] = root
    else:
        message["Message-ID"] = message_id(mail, sender=sender, number=number)
        message["In-Reply-To"] = root
        message["References"] = root
    message.set_content(plain_text(mail))
    message.add_alternative(html_text(mail), subtype="html")
    return message


def plain_text(mail: CommsEmail) -> str:
    lines = [mail.subject, "=" * min(len(mail.subject), 78), ""]
    for section in mail.sections:
        if section.heading:
            lines.append(section.heading)
        lines += list(section.paragraphs)
        if section.paragraphs and section.facts:
            lines.append("")
        lines += [f"{label}: {value}" for label, value in section.facts]
        lines += [f"- {item}" for item in section.bullets]
        lines.append("")
    lines.append(f"Incident channel{_channel(mail)}: {mail.channel_url}")
    return "\n".join(lines) + "\n"


def html_text(mail: CommsEmail) -> str:
    e = html.escape
    body = [f"<h2>{e(mail.subject)}</h2>"]
    for section in mail.sections:
        if section.heading:
            body.append(f"<h3>{e(section.heading)}</h3>")
        body += [f"<p>{e(paragraph)}</p>" for paragraph in section.paragraphs]
        if section.facts:
            body.append("<ul>" + "".join(f"<li><strong>{e(label)}:</strong> {e(value)}</li>"
                                         for label, value in section.facts) + "</ul>")
        if section.bullets:
            body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in section.bullets) + "</ul>")
    body.append(f'<p><a href="{e(mail.channel_url, quote=True)}">Incident channel{e(_channel(mail))}</a></p>')
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(body) + "\n</body></html>\n"


def _channel(mail: CommsEmail) -> str:
    return f" #{mail.channel_name}" if mail.channel_name else ""


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip("> ") or "localhost"


def _connect(url_text: str, context: ssl.SSLContext | None, timeout: float) -> tuple[smtplib.SMTP, str]:
    """An open, greeted, TLS-upgraded (when offered) and logged-in connection."""
    url = urlsplit(url_text)
    scheme, host = url.scheme, url.hostname or "localhost"
    port = url.port or DEFAULT_PORTS.get(scheme, 25)
    context = context or ssl.create_default_context()
    if scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        server.ehlo()
        tls = scheme == "smtps"
        if scheme == "smtp" and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
            tls = True
        how = "TLS" if tls else "no TLS"
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
            how += f", logged in as {unquote(url.username)}"
    except BaseException:
        server.close()
        raise
    return server, f"{host}:{port} ({how})"


def send(smtp_url: str, message: EmailMessage, *, ssl_context: ssl.SSLContext | None = None,
         timeout: float = TIMEOUT) -> dict[str, tuple[int, bytes]]:
    """Delivers `message`; returns the recipients the server refused while it accepted others
    (sending again would duplicate the mail for those who got it)."""
    try:
        server, _ = _connect(smtp_url, ssl_context, timeout)
        with server:
            return server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise _vendor_error(smtp_url, exc) from None


def verify(smtp_url: str, *, ssl_context: ssl.SSLContext | None = None, timeout: float = TIMEOUT) -> str:
    """Connects and logs in like `send`, sends nothing; says how it connected."""
    try:
        server, how = _connect(smtp_url, ssl_context, timeout)
        with server:
            return how
    except (smtplib.SMTPException, OSError) as exc:
        raise _vendor_error(smtp_url, exc) from None


def _vendor_error(smtp_url: str, exc: Exception) -> VendorError:
    """Permanent when the server refused for good (5xx, login, certificate); else retried."""
    url = urlsplit(smtp_url)
    where = f"{url.hostname}:{url.port or DEFAULT_PORTS.get(url.scheme, 25)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return VendorError(VENDOR, f"{where} refused the login from SMTP_URL ({exc.smtp_code})", permanent=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return VendorError(VENDOR, f"{where}: {exc} (SMTP_URL has a user but the server offers no login)",
                           permanent=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        refused = ", ".join(f"{who} ({code})" for who, (code, _) in exc.recipients.items())
        return VendorError(VENDOR, f"{where} refused every recipient: {refused}",
                           permanent=all(code >= 500 for code in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return VendorError(VENDOR, f"{where} answered {exc.smtp_code} {said}", permanent=exc.smtp_code >= 500)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return VendorError(VENDOR, f"{where}: the server's certificate does not verify ({exc.verify_message})",
                           permanent=True)
    return VendorError(VENDOR, f"could not reach {where}: {exc or type(exc).__name__}", permanent=False)
