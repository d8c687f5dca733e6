"""The PagerDuty edge against the fake: typed results, and PagerDuty's refusals as one error
type whose `permanent` flag says whether a retry can help."""

from __future__ import annotations

import pytest

from bot.core.paging import PageTarget, trigger_event
from bot.vendors.pagerduty import PagerDuty, PagerDutyError
from tests.fakepagerduty.fixtures import fake_pagerduty  # noqa: F401 - a fixture

KEY = "0123456789abcdef0123456789abcdef"


def client(fake, token=""):
    return PagerDuty(events_url=fake.events_url, api_url=fake.url, api_token=token, timeout=5)


def event(**kw):
    return trigger_event(PageTarget("payments-api", KEY, "HOT-12"), key="HOT-12", severity=2, summary="Checkout fails",
                         private=False, channel_url="https://example.slack.com/archives/C1", channel_name="hot-12", **kw)


def test_a_trigger_is_accepted_and_deduplicated(fake_pagerduty):
    pd = client(fake_pagerduty)
    assert pd.send_event(event()).dedup_key == "HOT-12"
    pd.send_event(event())
    [alert] = fake_pagerduty.open_alerts()
    assert alert.triggers == 2 and alert.severity == "error" and alert.summary == "HOT-12 - Sev 2 - Checkout fails"
    pd.send_event({"routing_key": KEY, "event_action": "resolve", "dedup_key": "HOT-12"})
    assert fake_pagerduty.open_alerts() == []


def test_an_event_pagerduty_rejects_is_permanent(fake_pagerduty):
    pd = client(fake_pagerduty)
    bad = event()
    bad["payload"]["severity"] = "sev2"
    with pytest.raises(PagerDutyError) as caught:
        pd.send_event(bad)
    assert caught.value.permanent and caught.value.status == 400 and "severity" in caught.value.error
    fake_pagerduty.violations.clear()


def test_500_and_429_are_transient_with_retry_after(fake_pagerduty):
    pd = client(fake_pagerduty)
    fake_pagerduty.fail_next(500)
    fake_pagerduty.fail_next(429, retry_after=30)
    with pytest.raises(PagerDutyError) as first:
        pd.send_event(event())
    with pytest.raises(PagerDutyError) as second:
        pd.send_event(event())
    assert (first.value.permanent, second.value.permanent, second.value.retry_after) == (False, False, 30.0)
    assert fake_pagerduty.events() == []
    pd.send_event(event())
    assert len(fake_pagerduty.events("trigger")) == 1


def test_unreachable_is_transient():
    pd = PagerDuty(events_url="http://127.0.0.1:9/v2/enqueue", api_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(PagerDutyError) as caught:
        pd.send_event(event())
    assert not caught.value.permanent


def test_who_is_on_call_with_their_email(fake_pagerduty):
    fake_pagerduty.add_token("tok")
    fake_pagerduty.put_on_call("PPAYESC", user_id="PERIN01", name="Erin Example", email="erin@example.com", level=1)
    fake_pagerduty.put_on_call("PPAYESC", user_id="PBOB02", name="Bob Backup", email="bob@example.com", level=2)
    fake_pagerduty.put_on_call("POTHER", user_id="PZED03", name="Zed", email="zed@example.com")
    people = client(fake_pagerduty, "tok").on_call("PPAYESC")
    assert [(p.name, p.email, p.escalation_level) for p in people] == [
        ("Erin Example", "erin@example.com", 1), ("Bob Backup", "bob@example.com", 2)]
    assert client(fake_pagerduty, "tok").abilities()


def test_a_wrong_token_is_permanent(fake_pagerduty):
    with pytest.raises(PagerDutyError) as caught:
        client(fake_pagerduty, "wrong").on_call("PPAYESC")
    assert caught.value.permanent and caught.value.status == 401 and "Authentication failed" in caught.value.error
