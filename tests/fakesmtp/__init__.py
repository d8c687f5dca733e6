"""A real local SMTP server for tests (aiosmtpd): what the bot sends arrives here.

    with SmtpServer() as smtp:                        # smtp://127.0.0.1:<port>, no TLS, no auth
        ...; smtp.messages[0]["Subject"]
    SmtpServer(starttls=True, login=("bot", "pw"))    # offers STARTTLS, requires AUTH after it
    SmtpServer(implicit_tls=True)                      # smtps://: TLS from the first byte

`stop()` then `start()` brings it back on the same port (the "SMTP is down" tests).
`cert.pem`/`key.pem` are a throw-away self-signed certificate for 127.0.0.1 and localhost,
made for these tests only (openssl, valid 2000-2100); `client_context()` trusts it.
"""

from __future__ import annotations

import socket
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HERE = Path(__file__).parent
CERT, KEY = HERE / "cert.pem", HERE / "key.pem"


def client_context() -> ssl.SSLContext:
    """What the bot must use to trust the test certificate (production uses the system's CAs)."""
    return ssl.create_default_context(cafile=str(CERT))


def _server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(CERT), str(KEY))
    return context


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Recorder:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp_server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        # STARTTLS sets session.ssl; implicit TLS shows on the transport.
        tls = bool(session.ssl) or smtp_server.transport.get_extra_info("ssl_object") is not None
        with self.server.lock:
            self.server.messages.append(message)  # type: ignore[arg-type]
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), tls))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, *, starttls: bool = False, implicit_tls: bool = False,
                 login: tuple[str, str] | None = None) -> None:
        self.port = _free_port()
        self.starttls, self.implicit_tls, self.login = starttls, implicit_tls, login
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bool]] = []  # (from, to, over TLS)
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"{scheme}://{user}127.0.0.1:{self.port}"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and self.login is not None
              and (data.login.decode(), data.password.decode()) == self.login)
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.starttls:
            kwargs.update(tls_context=_server_context(), require_starttls=True)
        if self.implicit_tls:
            kwargs["ssl_context"] = _server_context()
        if self.login:
            # Over TLS the login is required; a plain test server only offers it (aiosmtpd
            # warns, rightly, about requiring passwords in clear text).
            secure = self.starttls or self.implicit_tls
            kwargs.update(authenticator=self._authenticate, auth_required=secure, auth_require_tls=secure)
        self._controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m, (_, rcpt, _) in zip(self.messages, self.envelopes) if address in rcpt]
