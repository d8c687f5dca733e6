"""Internal comms by email, end to end: signed Slack requests in, a real SMTP server (aiosmtpd) out.

Every internal comms post of a public incident (initial, follow-up, final) is mailed to
INTERNAL_COMMS_EMAIL; a mail server that is down never holds up Slack, and the mail arrives
once it is back; a private incident reaches neither the mail server nor the status page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.settings import Service, TeamConfig
from bot.vendors.statuspage import Pacer
from bot.views.ids import Callback
from storage import comms_email, effects
from tests.commands.test_statuspage import declare, external, resolve, system_lines
from tests.commands.test_update import update_values
from tests.fakesmtp import SmtpServer
from tests.fakestatuspage import FakeStatuspage
from tests.support import make_deps

LIST = ("eng-leads@example.com", "staff@example.com")
TEAM = TeamConfig(services=(Service("payments-api", statuspage_components=("k4x0checkout",)),),
                  products=("Checkout",))


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def page():
    with FakeStatuspage(components={"k4x0checkout": "Checkout"}) as fake:
        yield fake
    assert fake.violations == []


@pytest.fixture
def deps(slack, database_url, clock, smtp, page):
    deps = make_deps(slack, database_url, clock, TEAM, smtp_url=smtp.url, internal_comms_email=",".join(LIST),
                             statuspage_api_url=page.url, statuspage_api_key=page.api_key,
                             statuspage_page_id=page.page_id)
    deps.statuspage_pacer = Pacer(0)
    return deps


def post_update(bot, channel_id: str, *, user: str = "UREPORTER", **kw: Any) -> Any:
    bot.command("update", user=user, channel=channel_id)
    view = bot.last_view(Callback.UPDATE)
    response = bot.submit(view, update_values(bot.clock() + timedelta(minutes=60), **kw), user=user)
    assert "errors" not in (response.body or ""), response.body
    return response


def parts(message: Any) -> tuple[str, str]:
    def text(kind: str) -> str:  # SMTP carries CRLF line ends
        return message.get_body((kind,)).get_content().replace("\r\n", "\n")

    return text("plain"), text("html")


def test_initial_follow_up_and_final_comms_are_emailed(bot, slack, smtp, deps):
    channel = declare(bot)

    post_update(bot, channel.id, state="Payments fail for <EU> customers.")
    [initial] = smtp.messages
    assert initial["Subject"] == "HOT-1 - Sev 2 - Checkout fails"
    assert initial["From"] == "incident-bot@127.0.0.1"
    assert smtp.envelopes[0][1] == list(LIST)
    plain, html = parts(initial)
    assert "Payments fail for <EU> customers." in plain and "Impact on customers: EU customers cannot pay." in plain
    assert "<p>Payments fail for &lt;EU&gt; customers.</p>" in html
    assert f"https://slack.com/app_redirect?channel={channel.id}" in plain
    assert f'href="https://slack.com/app_redirect?channel={channel.id}"' in html

    bot.clock.advance(minutes=30)
    post_update(bot, channel.id, state="A fix is rolling out.", status="- rolled back\n- errors falling")
    follow_up = smtp.messages[1]
    plain, html = parts(follow_up)
    assert "Current status\n- rolled back\n- errors falling" in plain and "<li>errors falling</li>" in html
    assert follow_up["In-Reply-To"] == initial["Message-ID"]  # mail clients thread them

    bot.clock.advance(minutes=30)
    resolve(bot, channel.id, message="Service has been restored for Checkout.")
    final = smtp.messages[2]
    plain, _ = parts(final)
    assert final["Subject"] == "HOT-1 - Sev 2 - Checkout fails"
    assert "This incident is resolved." in plain and "There will be no further communications about it." in plain
    assert "Resolution\nRolled back." in plain and "Time to recovery (TTR):" in plain
    assert len(smtp.messages) == 3

    emailed = system_lines(deps, "comms_emailed")
    assert [e.data["comms"] for e in emailed] == ["initial", "follow-up", "final"]
    assert emailed[0].text == "Emailed the initial comms to eng-leads@example.com, staff@example.com"


def test_smtp_down_still_posts_in_slack_and_the_mail_arrives_once_it_is_back(bot, slack, smtp, deps, clock):
    channel = declare(bot)
    smtp.stop()

    post_update(bot, channel.id, state="Payments fail.")
    assert any(m["text"].startswith("HOT-1 - Sev 2 - Checkout fails") for m in slack.messages_in(channel.id))
    assert any(m["text"].startswith("HOT-1 - Sev 2 - Checkout fails")
               for m in slack.messages_in(slack.incidents_channel_id))
    with deps.sessions() as s:
        [mail] = effects.for_incident(s, 1, [comms_email.KIND])
        assert mail.sent_at is None and "could not reach 127.0.0.1" in mail.error

    told = [m["text"] for m in slack.dm_messages("UREPORTER") if "comms email" in m["text"]]
    assert len(told) == 1 and "initial comms email for HOT-1 has not reached the mail server yet" in told[0]

    clock.advance(seconds=5)
    bot.deliver()  # still down: tried again, nothing lost, nobody told twice
    assert smtp.messages == []
    assert len([m for m in slack.dm_messages("UREPORTER") if "comms email" in m["text"]]) == 1

    smtp.start()
    clock.advance(seconds=30)
    bot.deliver()
    [message] = smtp.messages
    assert "Payments fail." in parts(message)[0]
    clock.advance(minutes=5)
    bot.deliver()
    assert len(smtp.messages) == 1


def test_a_private_incident_reaches_neither_the_mail_server_nor_the_status_page(bot, slack, smtp, page, deps):
    channel = declare(bot, private=True)
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    assert "Publish to the status page" not in str(view)
    # A crafted submission ticking "publish" changes nothing either.
    bot.submit(view, update_values(bot.clock() + timedelta(minutes=60)) | external(), user="UREPORTER")
    bot.clock.advance(minutes=30)
    post_update(bot, channel.id)
    bot.command("severity 1", user="UREPORTER", channel=channel.id)
    resolve(bot, channel.id, message="Restored.", with_external=True)

    assert len([m for m in slack.messages_in(channel.id) if "Next update:" in m["text"]]) == 2  # both posted
    assert smtp.messages == [] and smtp.envelopes == []
    assert page.received == []
    with deps.sessions() as s:
        kinds = {e.kind for e in effects.for_incident(s, 1)}
    assert not any(kind.startswith(("statuspage", "email")) for kind in kinds)


def test_nothing_is_mailed_without_recipients(slack, database_url, clock, smtp):
    from tests.support import Bot

    deps = make_deps(slack, database_url, clock, TEAM, smtp_url=smtp.url)
    bot = Bot.build(deps, slack)
    try:
        channel = declare(bot)
        post_update(bot, channel.id)
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()
    assert smtp.messages == []
