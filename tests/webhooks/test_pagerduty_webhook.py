"""PagerDuty v3 webhooks: signed (several signatures, secret rotation); acknowledged,
escalated and resolved pages told in the incident channel and put on the timeline."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from storage.models import TimelineEntry
from tests.fakepagerduty import webhooks
from tests.inbound import post
from tests.support import Bot, make_deps

SECRET = "pd-secret-new"
OLD_SECRET = "pd-secret-old"


@pytest.fixture
def bot(slack, database_url, clock):
    # During a rotation the bot accepts the old and the new secret.
    deps = make_deps(slack, database_url, clock, pagerduty_webhook_secret=f"{OLD_SECRET}, {SECRET}")
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()


def send(bot, payload, *secrets, webhook_id=None):
    body, headers = webhooks.signed(payload, *secrets, webhook_id=webhook_id)
    return post(bot.deps, "/webhooks/pagerduty", body, headers)


def webhook_entries(bot):
    with bot.deps.sessions() as s:
        return [e.text for e in s.scalars(select(TimelineEntry).where(TimelineEntry.source == "webhook")
                                          .order_by(TimelineEntry.id))]


def test_acknowledged_escalated_resolved_are_told_and_on_the_timeline_once(bot, slack):
    channel = bot.declare()
    ack = webhooks.incident_event("incident.acknowledged", "HOT-1")
    assert send(bot, ack, SECRET).status == 200
    assert send(bot, ack, SECRET).status == 200  # delivered at least once: told once
    assert send(bot, webhooks.incident_event("incident.escalated", "HOT-1", agent=None), SECRET).status == 200
    assert send(bot, webhooks.incident_event("incident.resolved", "HOT-1/search", status="resolved"), SECRET).status == 200
    bot.deliver()
    lines = [m["text"] for m in slack.messages_in(channel.id) if m["text"].startswith(":pager:")]
    assert lines[0].startswith(":pager: Erin Example acknowledged the page (HOT-1)")
    assert len(lines) == 3 and "PagerDuty escalated the page (HOT-1)" in lines[1]
    assert "resolved the page in PagerDuty (HOT-1/search)" in lines[2]
    assert webhook_entries(bot) == ["Erin Example acknowledged the page (HOT-1)", "PagerDuty escalated the page (HOT-1)",
                                    "Erin Example resolved the page in PagerDuty (HOT-1/search)"]
    with bot.deps.sessions() as s:
        from storage.models import Incident
        assert s.scalars(select(Incident.status)).one() != "Resolved", "resolving in PagerDuty resolves no incident"


def test_several_signatures_any_match_and_both_rotation_secrets_work(bot, slack):
    bot.declare()
    assert send(bot, webhooks.incident_event("incident.acknowledged", "HOT-1"), "someone-else", SECRET).status == 200
    assert send(bot, webhooks.incident_event("incident.escalated", "HOT-1"), OLD_SECRET).status == 200
    assert len(webhook_entries(bot)) == 2


def test_a_bad_or_missing_signature_is_401_and_changes_nothing(bot, slack):
    channel = bot.declare()
    before = len(slack.messages_in(channel.id))
    payload = webhooks.incident_event("incident.acknowledged", "HOT-1")
    assert send(bot, payload, "not-our-secret").status == 401
    body, headers = webhooks.signed(payload, SECRET)
    tampered = body.replace(b"Erin Example", b"Mallory")
    assert post(bot.deps, "/webhooks/pagerduty", tampered, headers).status == 401
    del headers["X-PagerDuty-Signature"]
    assert post(bot.deps, "/webhooks/pagerduty", body, headers).status == 401
    headers["X-PagerDuty-Signature"] = "v0=" + webhooks.signature(body, SECRET)[3:]
    assert post(bot.deps, "/webhooks/pagerduty", body, headers).status == 401
    assert webhook_entries(bot) == [] and len(slack.messages_in(channel.id)) == before


def test_an_unknown_incident_is_ignored_and_logged_once(bot, slack, caplog):
    caplog.set_level(logging.WARNING, logger="bot.webhooks.pagerduty")
    for _ in range(3):
        assert send(bot, webhooks.incident_event("incident.acknowledged", "OTHER-77"), SECRET).status == 200
    assert len([r for r in caplog.records if "OTHER-77" in r.getMessage()]) == 1
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TimelineEntry)) == 0


def test_not_served_without_a_secret(slack, database_url, clock):
    deps = make_deps(slack, database_url, clock)
    body, headers = webhooks.signed(webhooks.incident_event("incident.acknowledged", "HOT-1"), SECRET)
    try:
        assert post(deps, "/webhooks/pagerduty", body, headers).status == 404
        assert post(deps, "/webhooks/nothing", body, headers).status == 404
    finally:
        deps.sessions.kw["bind"].dispose()
