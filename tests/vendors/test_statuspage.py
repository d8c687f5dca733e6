"""The Statuspage edge against the strict fake: what it sends, what it reads back, how it fails."""

from __future__ import annotations

import pytest

from bot.vendors.statuspage import Pacer, StatuspageClient, StatuspageError
from tests.fakestatuspage import FakeStatuspage

COMPONENTS = {"k4x0pay0api1": "Payments API", "k4x0checkout": "Checkout", "k4x0search00": "Search"}


@pytest.fixture
def fake():
    with FakeStatuspage(components=dict(COMPONENTS)) as fake:
        yield fake
    assert fake.violations == [] and fake.dropped == []


def client(fake: FakeStatuspage, **kw) -> StatuspageClient:
    values = {"api_url": fake.url, "api_key": fake.api_key, "page_id": fake.page_id, "pacer": Pacer(0)} | kw
    return StatuspageClient(**values)


def test_create_sends_the_documented_fields_and_reads_the_incident_back(fake):
    created = client(fake).create_incident(
        name="Investigating issues with Checkout", status="investigating", body="We are investigating.",
        components={"k4x0pay0api1": "partial_outage", "k4x0checkout": "partial_outage"}, key="HOT-12")

    [call] = fake.calls("POST")
    assert call.path == f"/v1/pages/{fake.page_id}/incidents"
    assert call.headers["authorization"] == f"OAuth {fake.api_key}"
    assert call.headers["content-type"] == "application/json"
    assert call.incident == {
        "name": "Investigating issues with Checkout", "status": "investigating", "body": "We are investigating.",
        "component_ids": ["k4x0pay0api1", "k4x0checkout"],
        "components": {"k4x0pay0api1": "partial_outage", "k4x0checkout": "partial_outage"},
        "metadata": {"incident_bot": {"key": "HOT-12"}},
    }
    assert created.id in fake.incidents and created.shortlink.startswith("http://stspg.io/")
    assert created.components == {"k4x0pay0api1": "partial_outage", "k4x0checkout": "partial_outage"}
    assert created.incident_key == "HOT-12"


def test_update_patches_the_same_incident(fake):
    sp = client(fake)
    created = sp.create_incident(name="Investigating issues with Search", status="investigating", body="Looking.",
                                 components={}, key="HOT-1")
    resolved = sp.update_incident(created.id, status="resolved", body="Restored.",
                                  components={"k4x0search00": "operational"})
    assert [c.method for c in fake.calls()] == ["POST", "PATCH"]
    assert fake.calls("PATCH")[0].path.endswith(f"/incidents/{created.id}")
    assert resolved.status == "resolved" and fake.incidents[created.id]["resolved_at"]
    assert fake.incidents[created.id]["incident_updates"][0]["body"] == "Restored."


def test_find_unresolved_by_the_bot_key(fake):
    sp = client(fake)
    created = sp.create_incident(name="Investigating issues with Search", status="identified", body="x",
                                 components={}, key="HOT-4")
    assert sp.find_unresolved("HOT-4").id == created.id
    assert sp.find_unresolved("HOT-5") is None


@pytest.mark.parametrize(("kw", "status"), [
    ({"api_key": "wrong"}, 401),
    ({"page_id": "pgnotmine000"}, 404),
])
def test_bad_key_or_page_is_permanent_with_statuspage_reason(fake, kw, status):
    with pytest.raises(StatuspageError) as caught:
        client(fake, **kw).create_incident(name="n", status="investigating", body="b", components={}, key="HOT-1")
    assert caught.value.permanent and caught.value.status == status
    assert caught.value.reason in ("Could not authenticate", "The requested resource could not be found.")
    fake.violations.clear()


def test_unknown_component_is_a_422_with_the_reason(fake):
    with pytest.raises(StatuspageError) as caught:
        client(fake).create_incident(name="n", status="investigating", body="b",
                                     components={"nosuchcomp00": "major_outage"}, key="HOT-1")
    assert caught.value.permanent and caught.value.status == 422
    assert "nosuchcomp00" in caught.value.reason
    assert fake.incidents == {}
    fake.violations.clear()


@pytest.mark.parametrize("status", [500, 502, 429, 420])
def test_server_errors_and_rate_limits_are_transient(fake, status):
    fake.fail_next(status, retry_after=3)
    with pytest.raises(StatuspageError) as caught:
        client(fake).create_incident(name="n", status="investigating", body="b", components={}, key="HOT-1")
    assert caught.value.permanent is False and caught.value.retry_after == 3
    assert fake.incidents == {}


def test_a_dropped_connection_is_transient(fake):
    fake.down = True
    with pytest.raises(StatuspageError) as caught:
        client(fake, timeout=5).components()
    assert caught.value.permanent is False and caught.value.status is None


def test_components_lists_the_page(fake):
    assert {c.id: c.name for c in client(fake).components()} == COMPONENTS


def test_the_fake_refuses_what_statuspage_refuses(fake):
    import json
    import urllib.error
    import urllib.request

    def call(body: bytes, content_type: str, auth: str = f"OAuth {fake.api_key}") -> int:
        request = urllib.request.Request(f"{fake.url}/pages/{fake.page_id}/incidents.json", data=body, method="POST",
                                         headers={"Authorization": auth, "Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    good = {"incident": {"name": "x", "status": "investigating"}}
    assert call(json.dumps(good).encode(), "application/json", auth=f"Oauth {fake.api_key}") == 401
    assert call(json.dumps(good).encode(), "application/x-www-form-urlencoded") == 400
    assert call(json.dumps({"incident": {"status": "investigating"}}).encode(), "application/json") == 422
    assert call(json.dumps({"incident": {"name": "x", "status": "broken"}}).encode(), "application/json") == 422
    assert call(json.dumps({"incident": {"name": "x", "metadata": {"k": "v"}}}).encode(), "application/json") == 422
    assert call(json.dumps({"incident": {"name": "x" * 256}}).encode(), "application/json") == 422
    assert call(b"incident[name]=x&incident[components][k4x0checkout]=major_outage",
                "application/x-www-form-urlencoded") == 201
    assert fake.component_status["k4x0checkout"] == "major_outage"
    assert len(fake.violations) == 5
    fake.violations.clear()


def test_pacer_spaces_calls_per_key():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait("key-a")
    pacer.wait("key-b")  # another key has its own budget
    now[0] += 5
    pacer.wait("key-a")
    assert slept == [1.0, 1.0]
