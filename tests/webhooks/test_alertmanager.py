"""Alerts in: Alertmanager notifications (bearer token) make a card with a Declare button;
once declared, the group's later notifications go on the incident's timeline."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.settings import Service, TeamConfig
from bot.views.ids import Action, Block, Callback
from storage.models import AlertGroup, Incident, TimelineEntry
from tests.fakealertmanager import sender
from tests.inbound import post
from tests.support import Bot, declare_values, make_deps

TOKEN = "am-token-3f9a"
LABELS = {"alertname": "CheckoutErrorRate", "service": "payments-api", "severity": "critical", "team": "payments"}
ANNOTATIONS = {"summary": "Checkout error rate above 5%", "description": "5xx ratio on /checkout is 12% for 10 minutes."}


@pytest.fixture
def bot(slack, database_url, clock):
    team = TeamConfig(services=(Service("payments-api"), Service("search")))
    deps = make_deps(slack, database_url, clock, team=team, alertmanager_webhook_token=TOKEN)
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()


def notify(bot, token=TOKEN, **kw):
    """Alertmanager posts; the card the notification committed goes out right after (the worker)."""
    body, headers = sender.request(sender.notification(labels=LABELS, annotations=ANNOTATIONS, **kw), token)
    response = post(bot.deps, "/webhooks/alertmanager", body, headers)
    bot.deliver()
    return response


def cards(slack):
    return [m for m in slack.messages_in(slack.incidents_channel_id) if "Alert" in m.get("text", "")]


def count(bot, model):
    with bot.deps.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_missing_or_wrong_token_is_401_and_changes_nothing(bot, slack):
    assert notify(bot, token=None).status == 401
    assert notify(bot, token="not-the-token").status == 401
    body, headers = sender.request(sender.notification(labels=LABELS, annotations=ANNOTATIONS), TOKEN)
    headers["Authorization"] = f"Basic {TOKEN}"
    assert post(bot.deps, "/webhooks/alertmanager", body, headers).status == 401
    assert cards(slack) == [] and count(bot, AlertGroup) == 0


def test_a_body_over_one_mebibyte_is_refused_unread(bot, slack):
    huge = json.dumps({"version": "4", "padding": "x" * (1024 * 1024)}).encode()
    reply = post(bot.deps, "/webhooks/alertmanager", huge, {"Authorization": f"Bearer {TOKEN}",
                                                                "Content-Type": "application/json"})
    assert reply.status == 413 and count(bot, AlertGroup) == 0


def test_not_an_alertmanager_body_is_400(bot):
    reply = post(bot.deps, "/webhooks/alertmanager", b'{"version": "3"}', {"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 400 and "version" in reply.text


def test_one_card_per_open_group_and_it_resolves_without_an_incident(bot, slack):
    assert notify(bot).status == 200
    assert notify(bot).status == 200  # repeat_interval: the same group again
    [card] = cards(slack)
    assert "Checkout error rate above 5%" in card["text"]
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [Action.ALERT_DECLARE]
    context = " ".join(e["text"] for b in card["blocks"] if b["type"] == "context" for e in b["elements"])
    assert 'alertname="CheckoutErrorRate"' in context and 'severity="critical"' in context

    assert notify(bot, status="resolved", ends_at="2026-01-05T10:20:00Z").status == 200
    [card] = cards(slack)
    assert "resolved" in card["text"] and not [b for b in card["blocks"] if b["type"] == "actions"]
    # Firing again after it closed: a new episode, a new card.
    notify(bot)
    assert len(cards(slack)) == 2


def test_declared_through_its_button_and_later_notifications_on_the_timeline(bot, slack):
    notify(bot)
    [card] = cards(slack)
    button = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.action(Action.ALERT_DECLARE, button["value"], user="UALICE", channel_id=slack.incidents_channel_id,
               message={**card, "channel": slack.incidents_channel_id})
    view = bot.last_view(Callback.DECLARE)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[Block.SUMMARY]["element"]["initial_value"] == "Checkout error rate above 5%"
    assert blocks[Block.IMPACT]["element"]["initial_value"] == ANNOTATIONS["description"]
    assert blocks[Block.SEVERITY]["element"]["initial_option"]["value"] == "1"
    assert blocks[Block.FAULTY_SERVICE]["element"]["initial_option"]["value"] == "payments-api"

    response = bot.submit(view, declare_values("Checkout error rate above 5%", severity=1, service="payments-api",
                                               impact=ANNOTATIONS["description"]), user="UALICE")
    assert response.status == 200 and "errors" not in (response.body or "")
    with bot.deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.severity == 1 and incident.faulty_service == "payments-api"
        first = s.scalars(select(TimelineEntry).order_by(TimelineEntry.occurred_at, TimelineEntry.id)).first()
        assert first.data["event"] == "detection" and "CheckoutErrorRate" not in first.text
        assert "Checkout error rate above 5%" in first.text
        assert incident.detected_at.isoformat().startswith("2026-01-05T09:50")
    [card] = cards(slack)
    assert "Declared as *HOT-1*" in json.dumps(card["blocks"])
    assert not [b for b in card["blocks"] if b["type"] == "actions"]

    # A second press of an old copy of the button: told, nothing declared twice.
    bot.action(Action.ALERT_DECLARE, button["value"], user="UBOB", channel_id=slack.incidents_channel_id,
               message={**card, "channel": slack.incidents_channel_id})
    assert any("already declared as HOT-1" in e["text"] for e in slack.ephemerals)

    notify(bot, status="resolved", ends_at="2026-01-05T10:20:00Z")
    notify(bot, status="resolved", ends_at="2026-01-05T10:20:00Z")  # Alertmanager's retry: once on the timeline
    notify(bot, starts_at="2026-01-05T10:40:00.000Z")
    assert len(cards(slack)) == 1, "a declared group never posts a second card while its incident is open"
    with bot.deps.sessions() as s:
        texts = [e.text for e in s.scalars(select(TimelineEntry).where(TimelineEntry.source == "webhook")
                                           .order_by(TimelineEntry.id))]
    assert texts[1:] == ["Alertmanager: Checkout error rate above 5% resolved at 2026-01-05 10:20 UTC",
                         "Alertmanager: Checkout error rate above 5% is firing again"]
