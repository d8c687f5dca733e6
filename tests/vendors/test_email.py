"""The email edge against a real local SMTP server (aiosmtpd): plain, STARTTLS + login, smtps://."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.core.comms_email import CommsEmail, Section, channel_url, update_email
from bot.vendors.email import compose, send
from bot.vendors.errors import VendorError
from tests.fakesmtp import SmtpServer, client_context

NOW = datetime(2026, 3, 2, 10, 15, tzinfo=timezone.utc)


def _mail(kind: str = "follow-up") -> CommsEmail:
    return update_email(
        key="HOT-7", severity=2, summary="Checkout <fails> & more", first=kind == "initial",
        fields={"state_and_impact": "Payments fail for <EU> customers.", "customer_impact": "Cannot pay",
                "customers_affected": "About 2,000", "root_cause": "Unknown", "eta": "Unknown",
                "next_update_at": "2026-03-02T11:00:00+00:00", "next_update_where": "#hot-7",
                "current_status": ["rolled back", "error rate falling"], "next_steps": ["watch", "tell support"]},
        channel_url=channel_url("C0HOT7"), channel_name="hot-7",
    )


def _send(server: SmtpServer, mail: CommsEmail, **kw) -> None:
    message = compose(mail, sender="incident-bot@example.com", recipients=["staff@example.com", "lead@example.com"],
                      number=41, date=NOW)
    send(server.url, message, ssl_context=client_context(), timeout=5, **kw)


def test_plain_relay_gets_both_parts_from_the_same_sections():
    with SmtpServer() as server:
        _send(server, _mail())
    [message] = server.messages
    assert message["Subject"] == "HOT-7 - Sev 2 - Checkout <fails> & more"
    assert message["From"] == "incident-bot@example.com"
    assert server.envelopes[0][1:] == (["staff@example.com", "lead@example.com"], False)
    assert message["In-Reply-To"] == "<hot-7@example.com>"
    assert message["Message-ID"] == "<hot-7.follow-up.41@example.com>"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for text in ("Payments fail for <EU> customers.", "Customers affected: About 2,000", "- error rate falling",
                 "Next update: 2026-03-02 11:00 UTC in #hot-7", "https://slack.com/app_redirect?channel=C0HOT7"):
        assert text in plain
    for text in ("<p>Payments fail for &lt;EU&gt; customers.</p>", "<strong>Customers affected:</strong> About 2,000",
                 "<li>error rate falling</li>", "<h3>Next steps</h3>",
                 '<a href="https://slack.com/app_redirect?channel=C0HOT7">Incident channel #hot-7</a>'):
        assert text in html
    assert "<fails>" not in html


def test_initial_mail_starts_the_thread():
    with SmtpServer() as server:
        _send(server, _mail("initial"))
    assert server.messages[0]["Message-ID"] == "<hot-7@example.com>"
    assert server.messages[0]["In-Reply-To"] is None


def test_starttls_when_offered_then_login_from_the_url():
    with SmtpServer(starttls=True, login=("bot", "s3cr:t")) as server:
        server_url = server.url.replace("s3cr:t", "s3cr%3At")
        message = compose(_mail(), sender="incident-bot@example.com", recipients=["staff@example.com"], number=1,
                          date=NOW)
        send(server_url, message, ssl_context=client_context(), timeout=5)
    assert server.logins == ["bot"]
    assert server.envelopes[0][2] is True  # the mail went over TLS


def test_implicit_tls_for_smtps():
    with SmtpServer(implicit_tls=True) as server:
        _send(server, _mail())
    assert len(server.messages) == 1 and server.envelopes[0][2] is True


def test_wrong_password_is_permanent():
    with SmtpServer(starttls=True, login=("bot", "right")) as server:
        message = compose(_mail(), sender="incident-bot@example.com", recipients=["a@example.com"], number=1, date=NOW)
        with pytest.raises(VendorError) as caught:
            send(server.url.replace("right", "wrong"), message, ssl_context=client_context(), timeout=5)
    assert caught.value.permanent and "refused the login" in str(caught.value)
    assert server.messages == []


def test_server_down_is_transient():
    server = SmtpServer()  # never started: nothing listens on its port
    message = compose(_mail(), sender="incident-bot@example.com", recipients=["a@example.com"], number=1, date=NOW)
    with pytest.raises(VendorError) as caught:
        send(server.url, message, timeout=5)
    assert caught.value.permanent is False


def test_an_untrusted_certificate_is_permanent():
    with SmtpServer(implicit_tls=True) as server:
        message = compose(_mail(), sender="incident-bot@example.com", recipients=["a@example.com"], number=1, date=NOW)
        with pytest.raises(VendorError) as caught:
            send(server.url, message, timeout=5)  # the system's CAs do not know the test certificate
    assert caught.value.permanent and "certificate" in str(caught.value)


def test_payload_round_trip_keeps_every_section():
    mail = _mail()
    assert CommsEmail.from_payload(mail.as_payload()) == mail
    assert isinstance(mail.sections[0], Section) and mail.sections[0].facts[0] == ("Impact on customers", "Cannot pay")
