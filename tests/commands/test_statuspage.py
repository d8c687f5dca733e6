"""The status page end to end: signed Slack requests in, the strict Statuspage fake out.

Publishing creates one Statuspage incident, later publishes PATCH it, resolving resolves it
with the components back to operational; components follow the severity; a Statuspage
outage delays a publish without losing or doubling it; a refusal is told to the IM.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.external_comms import STATUSES
from bot.settings import Service, TeamConfig
from bot.vendors.statuspage import Pacer
from bot.views.ids import Action, Block, Callback
from storage import effects, statuspage
from storage.models import TimelineEntry
from tests.commands.test_update import block, update_values
from tests.fakestatuspage import FakeStatuspage
from tests.support import make_deps

COMPONENTS = {"k4x0pay0api1": "Payments API", "k4x0checkout": "Checkout", "k4x0search00": "Search"}
TEAM = TeamConfig(
    services=(Service("payments-api", statuspage_components=("k4x0pay0api1", "k4x0checkout")),
              Service("search", statuspage_components=("k4x0search00",))),
    products=("Checkout", "Search"),
)


class FakeMonotonic:
    """The pacer's clock: sleeping moves it, so pacing is seen without waiting."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def page():
    with FakeStatuspage(components=dict(COMPONENTS)) as fake:
        yield fake
    assert fake.violations == [], fake.violations
    assert fake.dropped == []


@pytest.fixture
def pace() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def deps(slack, database_url, clock, page, pace):
    deps = make_deps(slack, database_url, clock, TEAM, statuspage_api_url=page.url,
                             statuspage_api_key=page.api_key, statuspage_page_id=page.page_id)
    deps.statuspage_pacer = Pacer(1.0, clock=pace, sleep=pace.sleep)
    return deps


def external(publish: bool = True, status: str = "investigating",
             message: str = "We are investigating issues with Checkout.") -> dict[str, Any]:
    chosen = {"text": {"type": "plain_text", "text": status}, "value": status}
    ticked = [{"text": {"type": "plain_text", "text": "Publish"}, "value": "publish"}] if publish else []
    return {
        Block.EXTERNAL_PUBLISH: {Action.VALUE: {"type": "checkboxes", "selected_options": ticked}},
        Block.EXTERNAL_STATUS: {Action.VALUE: {"type": "static_select", "selected_option": chosen}},
        Block.EXTERNAL_MESSAGE: {Action.VALUE: {"type": "plain_text_input", "value": message}},
    }


def publish_update(bot, channel_id: str, *, user: str = "UREPORTER", **kw: Any) -> Any:
    bot.command("update", user=user, channel=channel_id)
    view = bot.last_view(Callback.UPDATE)
    values = update_values(bot.clock() + timedelta(minutes=60)) | external(**kw)
    return bot.submit(view, values, user=user)


def declare(bot, severity: int = 2, **kw: Any) -> Any:
    return bot.declare("Checkout fails", severity=severity, service="payments-api", products=("Checkout",), **kw)


def system_lines(deps, event: str) -> list[TimelineEntry]:
    from sqlalchemy import select

    with deps.sessions() as s:
        return [e for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))
                if e.kind == "system" and (e.data or {}).get("event") == event]


def test_the_update_modal_offers_the_external_part_prefilled(bot, slack, page):
    channel = declare(bot)
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)

    message = block(view, Block.EXTERNAL_MESSAGE)["element"]["initial_value"]
    assert message == "We are investigating issues with Checkout and will provide updates here soon."
    options = block(view, Block.EXTERNAL_STATUS)["element"]["options"]
    assert [o["value"] for o in options] == list(STATUSES)
    assert block(view, Block.EXTERNAL_STATUS)["element"]["initial_option"]["value"] == "investigating"
    publish = block(view, Block.EXTERNAL_PUBLISH)["element"]
    assert publish["options"][0]["text"]["text"] == "Publish to the status page" and "initial_options" not in publish
    assert "Investigating issues with Checkout" in str(view) and "partial outage" in str(view)
    assert "ready to copy" not in str(view)


def test_publish_creates_one_incident_then_patches_it_and_resolve_resolves_it(bot, slack, page, deps, pace):
    channel = declare(bot, severity=2)

    response = publish_update(bot, channel.id, message="We are investigating failed payments in Checkout.")
    assert response.status == 200 and not response.body

    [create] = page.calls("POST")
    assert create.incident == {
        "name": "Investigating issues with Checkout", "status": "investigating",
        "body": "We are investigating failed payments in Checkout.",
        "component_ids": ["k4x0pay0api1", "k4x0checkout"],
        "components": {"k4x0pay0api1": "partial_outage", "k4x0checkout": "partial_outage"},
        "metadata": {"incident_bot": {"key": "HOT-1"}},
    }
    [remote] = page.incidents.values()
    assert page.component_status == {"k4x0pay0api1": "partial_outage", "k4x0checkout": "partial_outage",
                                      "k4x0search00": "operational"}
    # The link: a channel bookmark and the pinned message.
    bookmarks = slack.channels[channel.id].bookmarks
    assert [b["link"] for b in bookmarks if b["title"] == "Status page"] == [remote["shortlink"]]
    pinned = pinned_message(slack, channel.id)
    assert remote["shortlink"] in pinned and "Status page" in pinned
    # On the timeline.
    [opened] = system_lines(deps, "statuspage_published")
    assert opened.text.startswith("Opened the status page incident (investigating) http://stspg.io/")

    # The modal remembers: next time publishing is ticked and the link is shown.
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    assert block(view, Block.EXTERNAL_PUBLISH)["element"]["initial_options"][0]["value"] == "publish"
    assert remote["shortlink"] in str(view)

    publish_update(bot, channel.id, status="identified", message="We found the cause and are fixing it.")
    assert len(page.calls("POST")) == 1
    [patch] = page.calls("PATCH")
    assert patch.path == f"/v1/pages/{page.page_id}/incidents/{remote['id']}"
    assert patch.incident["status"] == "identified"
    assert patch.incident["body"] == "We found the cause and are fixing it."
    assert remote["status"] == "identified" and len(remote["incident_updates"]) == 2

    resolve(bot, channel.id, message="Service has been restored for Checkout.")
    assert len(page.calls("POST")) == 1
    final = page.calls("PATCH")[-1]
    assert final.incident["status"] == "resolved"
    assert final.incident["body"] == "Service has been restored for Checkout."
    assert final.incident["components"] == {"k4x0pay0api1": "operational", "k4x0checkout": "operational"}
    assert remote["status"] == "resolved" and remote["resolved_at"]
    assert set(page.component_status.values()) == {"operational"}
    assert len(system_lines(deps, "statuspage_published")) == 3
    # Statuspage allows one call a second per key: the calls were spaced.
    assert pace.slept and all(wait <= 1.0 for wait in pace.slept)


def test_resolving_offers_the_final_external_message_only_once_published(bot, page):
    channel = declare(bot)
    bot.command("resolve", user="UREPORTER", channel=channel.id)
    assert "Resolve the status page incident" not in str(bot.last_view(Callback.RESOLVE))  # never published

    publish_update(bot, channel.id)
    bot.command("resolve", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.RESOLVE)
    assert (block(view, Block.EXTERNAL_MESSAGE)["element"]["initial_value"]
            == "Service has been restored for Checkout. We will follow up with a postmortem.")
    assert [o["value"] for o in block(view, Block.EXTERNAL_STATUS)["element"]["options"]] == ["resolved"]
    assert block(view, Block.EXTERNAL_PUBLISH)["element"]["initial_options"][0]["value"] == "publish"
    assert "will show *operational*" in str(view)


def test_component_statuses_follow_the_severity(bot, slack, page, deps):
    channel = declare(bot, severity=3)
    publish_update(bot, channel.id)
    assert page.component_status["k4x0checkout"] == "degraded_performance"

    bot.command("severity 1", user="UREPORTER", channel=channel.id)
    patch = page.calls("PATCH")[-1]
    assert patch.incident == {"component_ids": ["k4x0pay0api1", "k4x0checkout"],
                              "components": {"k4x0pay0api1": "major_outage", "k4x0checkout": "major_outage"}}
    assert page.component_status["k4x0pay0api1"] == "major_outage"
    bot.command("severity 2", user="UREPORTER", channel=channel.id)
    assert page.component_status["k4x0pay0api1"] == "partial_outage"
    assert len(system_lines(deps, "statuspage_components")) == 2
    assert len(page.incidents) == 1


def test_a_severity_change_before_any_publish_sends_nothing(bot, page):
    channel = declare(bot, severity=3)
    bot.command("severity 1", user="UREPORTER", channel=channel.id)
    assert page.received == []


def test_a_statuspage_500_delays_the_publish_but_loses_and_duplicates_nothing(bot, slack, page, deps, clock):
    channel = declare(bot)
    page.fail_next(500, times=2)

    publish_update(bot, channel.id, message="We are investigating.")
    # Slack got the update at once; the status page did not yet.
    assert any(m["text"].startswith("HOT-1 - Sev 2 - Checkout fails") for m in slack.messages_in(channel.id))
    assert page.incidents == {}
    told = [m for m in slack.dm_messages("UREPORTER") if "has not reached Statuspage yet" in m["text"]]
    assert len(told) == 1

    for _ in range(4):  # backoff: 1 s, then 2 s
        clock.advance(seconds=2)
        bot.deliver()
    assert len(page.incidents) == 1 and len(page.calls("POST")) == 1
    [remote] = page.incidents.values()
    assert remote["incident_updates"][0]["body"] == "We are investigating."
    assert len([m for m in slack.dm_messages("UREPORTER") if "Statuspage" in m["text"]]) == 1


def test_a_create_whose_answer_was_lost_is_found_not_made_again(bot, page, clock):
    channel = declare(bot)
    page.fail_next(method="POST", lose_answer=True)  # Statuspage makes it; the answer never arrives

    publish_update(bot, channel.id, message="We are investigating.")
    assert len(page.incidents) == 1
    clock.advance(seconds=2)
    bot.deliver()

    assert len(page.incidents) == 1 and len(page.calls("POST")) == 1
    [remote] = page.incidents.values()
    assert len(remote["incident_updates"]) == 1
    # ...and the found incident is the one later publishes PATCH.
    publish_update(bot, channel.id, status="monitoring", message="A fix is out; we are watching.")
    assert page.calls("PATCH")[-1].path.endswith(remote["id"]) and remote["status"] == "monitoring"


def test_a_patch_whose_answer_was_lost_is_not_sent_again(bot, page, clock):
    channel = declare(bot)
    publish_update(bot, channel.id, message="We are investigating.")
    page.fail_next(method="PATCH", lose_answer=True)

    publish_update(bot, channel.id, status="identified", message="Found it.")
    clock.advance(seconds=2)
    bot.deliver()

    [remote] = page.incidents.values()
    assert [u["body"] for u in remote["incident_updates"]] == ["Found it.", "We are investigating."]


def test_a_rejected_publish_is_told_to_the_im_with_statuspages_reason(bot, slack, page, deps):
    channel = declare(bot)
    bot.command("role incident-manager me", user="UALICE", channel=channel.id)
    page.api_key = "rotated-key"  # the configured key no longer works: 401

    publish_update(bot, channel.id, user="UALICE")

    told = [m["text"] for m in slack.dm_messages("UALICE") if "Statuspage" in m["text"]]
    assert told == [":warning: The status page update for HOT-1 (investigating) did not reach Statuspage: "
                    "Statuspage: 401 Could not authenticate."]
    [refused] = system_lines(deps, "statuspage_refused")
    assert "401 Could not authenticate" in refused.text
    with deps.sessions() as s:
        [row] = [e for e in effects.for_incident(s, 1) if e.kind == statuspage.PUBLISH]
        assert row.outcome == "failed"

    # Resolving then does not open an already-resolved incident on the page.
    page.api_key = deps.settings.statuspage_api_key
    resolve(bot, channel.id, message="Restored.", user="UALICE")
    assert page.calls() == [] and page.incidents == {}
    with deps.sessions() as s:
        outcomes = [e.outcome for e in effects.for_incident(s, 1) if e.kind == statuspage.PUBLISH]
    assert outcomes == ["failed", "skipped"]


def test_a_component_statuspage_does_not_know_is_a_422_told_with_its_reason(slack, database_url, clock, page):
    from tests.support import Bot

    team = TeamConfig(services=(Service("payments-api", statuspage_components=("gone00000000",)),),
                      products=("Checkout",))
    deps = make_deps(slack, database_url, clock, team, statuspage_api_url=page.url,
                             statuspage_api_key=page.api_key, statuspage_page_id=page.page_id)
    deps.statuspage_pacer = Pacer(0)
    bot = Bot.build(deps, slack)
    try:
        channel = declare(bot)
        publish_update(bot, channel.id)
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()
    told = [m["text"] for m in slack.dm_messages("UREPORTER") if "did not reach Statuspage" in m["text"]]
    assert told == [":warning: The status page update for HOT-1 (investigating) did not reach Statuspage: "
                    "Statuspage: 422 Component gone00000000 could not be found on this page."]
    assert page.incidents == {}
    page.violations.clear()  # the refusal was the point


def test_not_ticking_publish_sends_nothing(bot, page):
    channel = declare(bot)
    publish_update(bot, channel.id, publish=False)
    assert page.received == []


def test_publishing_without_a_message_is_refused_inline(bot, page):
    channel = declare(bot)
    response = publish_update(bot, channel.id, message="  ")
    assert "Write the one or two sentences customers will read" in response.body
    assert page.received == []


def test_a_private_incident_is_not_offered_the_status_page_and_reaches_nothing(bot, slack, page, deps):
    channel = declare(bot, private=True)
    bot.command("update", user="UREPORTER", channel=channel.id)
    view = bot.last_view(Callback.UPDATE)
    assert all(b.get("block_id") not in (Block.EXTERNAL_PUBLISH, Block.EXTERNAL_MESSAGE) for b in view["blocks"])

    # Even a crafted submission that ticks "publish" reaches nothing.
    bot.submit(view, update_values(bot.clock() + timedelta(minutes=60)) | external(), user="UREPORTER")
    bot.command("severity 1", user="UREPORTER", channel=channel.id)
    resolve(bot, channel.id, message="Restored.", with_external=True)
    assert page.received == []
    with deps.sessions() as s:
        assert statuspage.get(s, 1) is None
        assert [e.kind for e in effects.for_incident(s, 1) if e.kind.startswith("statuspage")] == []


def resolve(bot, channel_id: str, *, message: str, user: str = "UREPORTER", with_external: bool = False) -> Any:
    """Resolves with the modal's own default times; fills the external part when it is offered
    (or, `with_external`, even when it is not: a crafted submission)."""
    bot.command("resolve", user=user, channel=channel_id)
    view = bot.last_view(Callback.RESOLVE)
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        element = b.get("element") or {}
        if element.get("type") == "datepicker":
            values[b["block_id"]] = {Action.VALUE: {"type": "datepicker", "selected_date": element["initial_date"]}}
        elif element.get("type") == "timepicker":
            values[b["block_id"]] = {Action.VALUE: {"type": "timepicker", "selected_time": element["initial_time"]}}
    values[Block.RESOLUTION_SUMMARY] = {Action.VALUE: {"type": "plain_text_input", "value": "Rolled back."}}
    if with_external or any(b.get("block_id") == Block.EXTERNAL_PUBLISH for b in view["blocks"]):
        values |= external(status="resolved", message=message)
    response = bot.submit(view, values, user=user)
    assert "errors" not in (response.body or ""), response.body
    return response


def pinned_message(slack: Any, channel_id: str) -> str:
    channel = slack.channels[channel_id]
    return str([m for m in channel.messages if m["ts"] in channel.pins])
