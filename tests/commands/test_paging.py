"""Paging through PagerDuty end to end: signed Slack requests, the effect pipeline, the fake
PagerDuty (Events v2 + REST) and the fake Slack."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.settings import Service, TeamConfig
from storage.models import Effect, TimelineEntry
from tests.commands.test_resolve import make_im, open_resolve_modal, resolve_values, told
from tests.fakepagerduty.fixtures import fake_pagerduty  # noqa: F401 - a fixture
from tests.support import Bot, ack_text, make_deps

PAYMENTS_KEY = "0123456789abcdef0123456789abcdef"
SEARCH_KEY = "fedcba9876543210fedcba9876543210"
MONDAY_NOON = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)
TEAM = TeamConfig(services=(
    Service("payments-api", pagerduty_routing_key=PAYMENTS_KEY, pagerduty_escalation_policy="PPAYESC"),
    Service("search", pagerduty_routing_key=SEARCH_KEY),
    Service("docs"),
))


def build(slack, database_url, clock, pd, **overrides):
    deps = make_deps(slack, database_url, clock, team=TEAM, pagerduty_events_url=pd.events_url,
                             pagerduty_api_url=pd.url, pagerduty_api_token="pd-token", **overrides)
    return Bot.build(deps, slack)


@pytest.fixture
def bot(slack, database_url, clock, fake_pagerduty):
    fake_pagerduty.add_token("pd-token")
    clock.set(MONDAY_NOON)
    bot = build(slack, database_url, clock, fake_pagerduty)
    yield bot
    bot.executor.shutdown(wait=True)
    bot.deps.sessions.kw["bind"].dispose()


def system_texts(bot):
    with bot.deps.sessions() as s:
        return [e.text for e in s.scalars(select(TimelineEntry).where(TimelineEntry.kind == "system")
                                          .order_by(TimelineEntry.id))]


def test_a_sev2_declaration_pages_the_faulty_service_once_and_invites_who_is_on_call(bot, slack, fake_pagerduty):
    fake_pagerduty.put_on_call("PPAYESC", user_id="PALICE", name="Alice Oncall", email="alice@example.com")
    fake_pagerduty.put_on_call("PPAYESC", user_id="PNOBODY", name="Nina Nobody", email="nina@elsewhere.example",
                               level=2)
    channel = bot.declare("Checkout fails for EU customers", severity=2, service="payments-api")
    bot.deliver()

    [trigger] = fake_pagerduty.events()
    assert trigger["routing_key"] == PAYMENTS_KEY and trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "HOT-1"
    assert trigger["payload"] == {"summary": "HOT-1 - Sev 2 - Checkout fails for EU customers", "source": "incident-bot",
                                  "severity": "error", "custom_details": {"incident": "HOT-1", "service": "payments-api"}}
    assert channel.id in trigger["links"][0]["href"]
    assert "UALICE" in slack.channels[channel.id].members, "the on-call person is invited"
    pinned = json.dumps(next(m for m in slack.messages_in(channel.id) if m["ts"] in slack.channels[channel.id].pins))
    assert "payments-api through PagerDuty" in pinned and "<@UALICE>" in pinned and "Nina Nobody" in pinned
    assert any(m["text"].startswith(":pager: Paged payments-api") for m in slack.messages_in(channel.id))
    texts = system_texts(bot)
    assert "Paged payments-api's on-call through PagerDuty (HOT-1)" in texts
    assert any(t.startswith("On call for payments-api (PagerDuty): Alice Oncall (<@UALICE>)") for t in texts)
    bot.clock.advance(minutes=5)
    bot.deliver()
    assert len(fake_pagerduty.events()) == 1


def test_a_sev3_pages_nobody_until_raised_to_sev1(bot, slack, fake_pagerduty):
    channel = bot.declare("Search is slow", severity=3, service="search")
    bot.deliver()
    assert fake_pagerduty.events() == []
    bot.command("severity 1", user="UREPORTER", channel=channel.id)
    bot.deliver()
    [trigger] = fake_pagerduty.events()
    assert (trigger["routing_key"], trigger["dedup_key"], trigger["payload"]["severity"]) == (SEARCH_KEY, "HOT-1",
                                                                                            "critical")
    assert trigger["payload"]["summary"] == "HOT-1 - Sev 1 - Search is slow"
    bot.command("severity 2", user="UREPORTER", channel=channel.id)  # still paged: no second page
    bot.deliver()
    assert len(fake_pagerduty.events()) == 1


def test_no_routing_key_or_unknown_service_pages_nothing(bot, fake_pagerduty):
    bot.declare("Docs are down", severity=1, service="docs")
    bot.declare("Who knows", severity=1)
    bot.deliver()
    assert fake_pagerduty.events() == []


def test_resolve_sends_resolve_for_every_key_and_reopen_triggers_again(bot, slack, fake_pagerduty):
    channel = bot.declare("Checkout fails", severity=2, service="payments-api")
    make_im(bot.deps, channel.id, "UALICE")
    bot.command("page search the search cluster is red", user="UALICE", channel=channel.id)
    bot.deliver()
    assert {(e["dedup_key"], e["routing_key"]) for e in fake_pagerduty.events("trigger")} == {
        ("HOT-1", PAYMENTS_KEY), ("HOT-1/search", SEARCH_KEY)}
    hand = next(e for e in fake_pagerduty.events() if e["dedup_key"] == "HOT-1/search")
    assert hand["payload"]["summary"] == "HOT-1 - Sev 2 - Checkout fails: the search cluster is red"
    assert len(fake_pagerduty.open_alerts()) == 2

    bot.clock.advance(minutes=30)
    bot.submit(open_resolve_modal(bot, channel), resolve_values(("2024-05-06", "07:50"), ("2024-05-06", "08:00"),
                                                                ("2024-05-06", "08:20")), user="UALICE")
    bot.deliver()
    assert {e["dedup_key"] for e in fake_pagerduty.events("resolve")} == {"HOT-1", "HOT-1/search"}
    assert fake_pagerduty.open_alerts() == []
    assert "Resolved the page of search in PagerDuty (HOT-1/search)" in system_texts(bot)

    bot.command("reopen", user="UALICE", channel=channel.id)
    bot.deliver()
    assert len(fake_pagerduty.events("trigger")) == 4
    assert {a.dedup_key for a in fake_pagerduty.open_alerts()} == {"HOT-1", "HOT-1/search"}


def test_page_verb_answers_an_unknown_service_with_the_configured_list(bot, slack, fake_pagerduty):
    channel = bot.declare("Checkout fails", severity=3)
    bot.command("page nosuch", user="UREPORTER", channel=channel.id)
    said = [e["text"] for e in slack.ephemerals if e["user"] == "UREPORTER"][-1]
    assert "`nosuch` is not a service that can be paged" in said and "`payments-api`, `search`" in said
    make_im(bot.deps, channel.id, "UALICE")
    refused = bot.command("page search", user="UBOB", channel=channel.id)
    said = ack_text(refused) + told(slack, "UBOB")
    assert "incident manager <@UALICE>" in said and "page" in said
    bot.deliver()
    assert fake_pagerduty.events() == []


def test_a_private_incident_pages_without_details(bot, fake_pagerduty):
    bot.declare("Customer data exposed", severity=1, service="payments-api", private=True)
    bot.deliver()
    [trigger] = fake_pagerduty.events()
    assert trigger["payload"]["summary"] == "HOT-1 - Sev 1 - private incident"
    assert "exposed" not in json.dumps(trigger)


def test_a_page_survives_two_500s_and_a_restart(bot, slack, database_url, clock, fake_pagerduty):
    fake_pagerduty.fail_next(500, times=2)
    channel = bot.declare("Checkout fails", severity=1, service="payments-api")
    bot.deliver()  # first try: 500
    assert fake_pagerduty.events() == [] and slack.channels[channel.id].topic, "Slack work goes on"
    clock.advance(seconds=1)
    bot.deliver()  # second try: 500
    assert fake_pagerduty.events() == []

    # The process dies; a new one starts on the same database and picks the page up.
    bot.executor.shutdown(wait=True)
    restarted = build(slack, database_url, clock, fake_pagerduty)
    try:
        answered_again = clock.current
        clock.advance(seconds=2)
        restarted.deliver()
        [trigger] = fake_pagerduty.events()
        assert trigger["dedup_key"] == "HOT-1"
        with restarted.deps.sessions() as s:
            effect = s.scalars(select(Effect).where(Effect.kind == "pagerduty.trigger")).one()
            print(f"page delivered {(effect.sent_at - answered_again).total_seconds():.0f}s after PagerDuty "
                  f"answered again, attempt {effect.attempts}")
            assert effect.outcome == "sent" and effect.attempts == 3
            assert effect.sent_at - answered_again < timedelta(minutes=1)
        clock.advance(minutes=10)
        restarted.deliver()
        assert len(fake_pagerduty.events()) == 1, "the page arrives once"
        delayed = [m["text"] for m in slack.dm_messages("UREPORTER") if "has not reached PagerDuty yet" in m["text"]]
        assert len(delayed) == 1, "the IM (the reporter while there is none) is told once"
    finally:
        restarted.executor.shutdown(wait=True)
        restarted.deps.sessions.kw["bind"].dispose()


def test_a_429_delays_the_page_until_retry_after(bot, slack, clock, fake_pagerduty):
    fake_pagerduty.fail_next(429, retry_after=20)
    bot.declare("Checkout fails", severity=2, service="payments-api")
    bot.deliver()
    clock.advance(seconds=10)
    bot.deliver()
    assert fake_pagerduty.events() == []
    clock.advance(seconds=10)
    bot.deliver()
    assert len(fake_pagerduty.events()) == 1


def test_a_page_pagerduty_refuses_tells_the_reporter_once(slack, database_url, clock, fake_pagerduty):
    team = TeamConfig(services=(Service("payments-api", pagerduty_routing_key="too-short"),))
    deps = make_deps(slack, database_url, clock, team=team, pagerduty_events_url=fake_pagerduty.events_url)
    bot = Bot.build(deps, slack)
    try:
        bot.declare("Checkout fails", severity=2, service="payments-api")
        bot.deliver()
        clock.advance(minutes=5)
        bot.deliver()
        told = [m["text"] for m in slack.dm_messages("UREPORTER") if "did not reach PagerDuty" in m["text"]]
        assert len(told) == 1 and "routing_key" in told[0]
        fake_pagerduty.violations.clear()
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()


def test_nobody_on_call_found_in_slack_tells_the_incident_manager(bot, slack, fake_pagerduty):
    fake_pagerduty.put_on_call("PPAYESC", user_id="PX", name="Xavier Elsewhere", email="xavier@elsewhere.example")
    bot.declare("Checkout fails", severity=2, service="payments-api")
    bot.deliver()
    told = [m["text"] for m in slack.dm_messages("UREPORTER") if "could not find who is on call" in m["text"]]
    assert len(told) == 1 and "Xavier Elsewhere" in told[0]
