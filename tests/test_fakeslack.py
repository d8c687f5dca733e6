"""Tests of the fake Slack itself (tests/fakeslack), driven by a real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import FakeSlack, SocketModeServer, signed


class Clock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(clock):
    """A FakeSlack whose violations the test inspects itself (unlike the ``fake_slack`` fixture)."""
    with FakeSlack(clock=clock) as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.url)


def api_error(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


MODAL = {"type": "modal", "callback_id": "declare", "title": {"type": "plain_text", "text": "Declare"},
         "submit": {"type": "plain_text", "text": "Go"},
         "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


def test_fixture_from_plugin_starts_a_clean_fake(fake_slack):
    assert WebClient(token="xoxb-test", base_url=fake_slack.url).auth_test()["user_id"] == "UBOT"


def test_channel_create_name_taken_and_invalid_names(fake, client):
    ch = client.conversations_create(name="inc-42-db")["channel"]
    assert ch["name"] == "inc-42-db" and ch["is_member"] is True
    assert fake.channels[ch["id"]].members == {"UBOT"}
    assert fake.channel_by_name("inc-42-db").id == ch["id"]

    assert api_error(lambda: client.conversations_create(name="inc-42-db")).response["error"] == "name_taken"
    assert fake.violations == []  # a correct bot can meet name_taken

    assert api_error(lambda: client.conversations_create(name="Inc 42")).response["error"] == "invalid_name_specials"
    assert api_error(lambda: client.conversations_create(name="x" * 81)).response["error"] == "invalid_name_maxlength"
    assert len(fake.violations) == 2
    assert fake.violations[0].startswith("conversations.create: invalid_name_specials")


def test_archived_channel_name_still_taken(fake, client):
    cid = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_archive(channel=cid)
    assert fake.channels[cid].is_archived
    assert api_error(lambda: client.conversations_create(name="inc-1")).response["error"] == "name_taken"


def test_topic_too_long_is_rejected(fake, client):
    cid = client.conversations_create(name="inc-2")["channel"]["id"]
    client.conversations_setTopic(channel=cid, topic="t" * 250)
    assert fake.channels[cid].topic == "t" * 250
    assert api_error(lambda: client.conversations_setTopic(channel=cid, topic="t" * 251)).response["error"] == "too_long"
    assert fake.channels[cid].topic == "t" * 250
    assert fake.violations and "too_long" in fake.violations[0]


def test_missing_required_argument_and_unknown_method_are_violations(fake, client):
    assert api_error(lambda: client.api_call("chat.postMessage", json={"text": "no channel"})).response["error"]
    assert "missing required argument(s) ['channel']" in fake.violations[0]
    assert api_error(lambda: client.api_call("chat.sendCarrierPigeon")).response["error"] == "unknown_method"
    assert fake.violations[1].startswith("chat.sendCarrierPigeon: unknown_method")
    # a real Slack method the fake does not model is a violation too, not a silent ok
    assert api_error(lambda: client.api_call("team.info")).response["error"] == "unknown_method"
    assert "the fake has no model of this method" in fake.violations[2]


def test_invite_and_membership_errors(fake, client):
    fake.add_user("U1", "alice")
    cid = client.conversations_create(name="inc-3")["channel"]["id"]
    client.conversations_invite(channel=cid, users=["U1"])
    assert fake.channels[cid].members == {"UBOT", "U1"}
    assert api_error(lambda: client.conversations_invite(channel=cid, users="U1")).response["error"] == "already_in_channel"
    assert api_error(lambda: client.conversations_invite(channel=cid, users="U404")).response["error"] == "user_not_found"
    other = fake.create_channel("people", members=("U1",))
    assert api_error(lambda: client.conversations_invite(channel=other, users="U1")).response["error"] == "not_in_channel"
    assert api_error(lambda: client.users_info(user="U404")).response["error"] == "user_not_found"
    assert fake.violations == []


def test_trigger_id_is_single_use_and_expires(fake, client, clock):
    trigger = fake.issue_trigger_id()
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and fake.views_opened[-1]["callback_id"] == "declare"
    assert api_error(lambda: client.views_open(trigger_id=trigger, view=MODAL)).response["error"] == "exchanged_trigger_id"

    late = fake.issue_trigger_id()
    clock.t += 3.5
    assert api_error(lambda: client.views_open(trigger_id=late, view=MODAL)).response["error"] == "expired_trigger_id"
    assert [v.split(":")[1].strip() for v in fake.violations] == ["exchanged_trigger_id", "expired_trigger_id"]


def test_view_stack_limit_and_view_validation(fake, client):
    client.views_open(trigger_id=fake.issue_trigger_id(), view=MODAL)
    client.views_push(trigger_id=fake.issue_trigger_id(), view=MODAL)
    client.views_push(trigger_id=fake.issue_trigger_id(), view=MODAL)
    assert api_error(lambda: client.views_push(trigger_id=fake.issue_trigger_id(), view=MODAL)
                     ).response["error"] == "push_limit_reached"
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "T" * 25}}
    assert api_error(lambda: client.views_open(trigger_id=fake.issue_trigger_id(), view=long_title)
                     ).response["error"] == "invalid_arguments"
    assert len(fake.violations) == 2


def test_rate_limit_injection_returns_429_with_retry_after(fake, client):
    cid = fake.create_channel("inc-4", members=("UBOT",))
    fake.rate_limit_next("chat.postMessage", retry_after=7)
    err = api_error(lambda: client.chat_postMessage(channel=cid, text="x"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel=cid, text="x")["ok"]
    assert fake.rate_limited_count == 1 and fake.violations == []


def test_fail_next_and_server_error(fake, client):
    fake.fail_next("conversations.create", "restricted_action")
    assert api_error(lambda: client.conversations_create(name="a")).response["error"] == "restricted_action"
    fake.server_error_next("auth.test", status=503)
    assert api_error(lambda: client.auth_test()).response.status_code == 503
    assert client.conversations_create(name="a")["ok"]
    assert fake.violations == []


def test_enforce_tiers_sliding_window(fake, client, clock):
    fake.enforce_tiers()  # conversations.create is tier 2: 20 per minute
    for i in range(20):
        client.conversations_create(name=f"inc-{i}")
        clock.t += 1
    err = api_error(lambda: client.conversations_create(name="inc-20"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "40"  # first call leaves the window 60 s after it was made
    clock.t += 40
    assert client.conversations_create(name="inc-20")["ok"]
    fake.enforce_tiers({"users.info": 1})
    client.users_info(user="UBOT")
    assert api_error(lambda: client.users_info(user="UBOT")).response.status_code == 429
    assert fake.rate_limited_count == 2


def test_block_validation_catches_long_section(fake, client):
    cid = fake.create_channel("inc-5", members=("UBOT",))
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert api_error(lambda: client.chat_postMessage(channel=cid, text="t", blocks=too_long)
                     ).response["error"] == "invalid_blocks"
    assert "3000" in fake.violations[0]
    many = [{"type": "divider"}] * 51
    assert api_error(lambda: client.chat_postMessage(channel=cid, text="t", blocks=many)).response["error"] == "invalid_blocks"
    assert api_error(lambda: client.chat_postMessage(channel=cid, text="x" * 40_001)).response["error"] == "msg_too_long"
    assert fake.messages_in(cid) == []


def test_history_omits_thread_replies_and_replies_returns_thread(fake, client):
    fake.add_user("U1", "alice")
    cid = fake.create_channel("inc-6", members=("UBOT", "U1"))
    parent = client.chat_postMessage(channel=cid, text="parent")["ts"]
    reply = client.chat_postMessage(channel=cid, text="reply", thread_ts=parent)["ts"]
    person = fake.post_user_message(cid, "U1", "me too", thread_ts=parent)
    later = client.chat_postMessage(channel=cid, text="later")["ts"]

    history = client.conversations_history(channel=cid)["messages"]
    assert [m["text"] for m in history] == ["later", "parent"]
    assert history[1]["reply_count"] == 2

    thread = client.conversations_replies(channel=cid, ts=parent)["messages"]
    assert [m["ts"] for m in thread] == [parent, reply, person["ts"]]
    one = client.conversations_replies(channel=cid, ts=reply, latest=reply, inclusive=True, limit=1)["messages"]
    assert [m["text"] for m in one] == ["parent", "reply"]  # Slack: the parent always comes first
    window = client.conversations_history(channel=cid, latest=later, inclusive=False)["messages"]
    assert [m["text"] for m in window] == ["parent"]
    assert len(fake.messages_in(cid)) == 4
    assert ("conversations.history", {"channel": cid}) in fake.calls
    assert len(fake.calls_to("chat.postMessage")) == 3


def test_dm_ephemeral_pins_bookmarks_reactions(fake, client):
    fake.scopes |= {"bookmarks:read"}  # the bot never lists bookmarks; this test of the fake does
    fake.add_user("U1", "alice", tz="America/New_York", tz_offset=-18000)
    assert client.users_info(user="U1")["user"]["tz"] == "America/New_York"
    client.chat_postMessage(channel="U1", text="hello")
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm.startswith("D") and [m["text"] for m in fake.dm_messages("U1")] == ["hello"]

    cid = fake.create_channel("inc-7", members=("UBOT", "U1"))
    client.chat_postEphemeral(channel=cid, user="U1", text="psst")
    assert fake.ephemerals[-1]["user"] == "U1"
    ts = client.chat_postMessage(channel=cid, text="summary")["ts"]
    client.pins_add(channel=cid, timestamp=ts)
    assert fake.channels[cid].pins == [ts]
    bm = client.bookmarks_add(channel_id=cid, title="Doc", type="link", link="https://example.com")["bookmark"]
    client.bookmarks_edit(channel_id=cid, bookmark_id=bm["id"], title="Runbook")
    assert [b["title"] for b in client.bookmarks_list(channel_id=cid)["bookmarks"]] == ["Runbook"]
    client.reactions_add(channel=cid, timestamp=ts, name="eyes")
    assert client.reactions_get(channel=cid, timestamp=ts)["message"]["reactions"][0]["name"] == "eyes"
    client.chat_update(channel=cid, ts=ts, text="summary v2")
    assert fake.messages_in(cid)[0]["text"] == "summary v2"
    assert "/archives/" in client.chat_getPermalink(channel=cid, message_ts=ts)["permalink"]
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}]})
    assert fake.home_views["U1"]["type"] == "home"
    assert fake.violations == []


def test_file_upload_flow(fake, client):
    cid = fake.create_channel("inc-8", members=("UBOT",))
    client.files_upload_v2(channel=cid, content="timeline\n", filename="timeline.md", title="Timeline",
                           initial_comment="Postmortem draft")
    (f,) = fake.files
    assert (f["title"], f["content"], f["channel_id"], f["initial_comment"]) == (
        "Timeline", b"timeline\n", cid, "Postmortem draft")
    assert fake.messages_in(cid)[-1]["files"][0]["id"] == f["id"]
    assert fake.violations == []


def test_sign_verifies_with_signature_verifier():
    body = signed.slash_command_body("declare db down", user_id="U1", channel_id="C1", trigger_id="t")
    headers = signed.sign(body, "s3cret")
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    form = {k: v[0] for k, v in parse_qs(body).items()}
    assert form["command"] == "/incident" and form["text"] == "declare db down" and form["trigger_id"] == "t"

    sub = signed.view_submission_body({**MODAL, "id": "V1", "private_metadata": "pm"},
                                      {"b": {"a": {"type": "plain_text_input", "value": "x"}}}, user_id="U1")
    payload = json.loads(parse_qs(sub)["payload"][0])
    assert payload["view"]["state"]["values"]["b"]["a"]["value"] == "x"
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == ("declare", "pm")
    event = json.loads(signed.event_body({"type": "app_mention", "text": "hi"}, event_id="Ev1"))
    assert event["type"] == "event_callback" and event["event_id"] == "Ev1"


def test_bolt_caller_dispatches_signed_command(fake):
    from slack_bolt import App

    app = App(signing_secret="s3cret", client=WebClient(token="xoxb-test", base_url=fake.url))
    seen = []

    @app.command("/incident")
    def handle(ack, command):
        seen.append(command["text"])
        ack("ok")

    caller = signed.BoltCaller(app, "s3cret")
    assert caller.command("declare", "U1", "C1").status == 200
    assert seen == ["declare"]
    assert signed.BoltCaller(app, "wrong").command("declare", "U1", "C1").status == 401


def test_socket_mode_client_connects_receives_envelope_and_acks(fake):
    from slack_sdk.socket_mode import SocketModeClient
    from slack_sdk.socket_mode.response import SocketModeResponse

    with SocketModeServer() as server:
        fake.socket_mode_url = server.url
        client = SocketModeClient(app_token="xapp-1", web_client=WebClient(base_url=fake.url))
        got = threading.Event()

        def listener(sm_client, req):
            got.set()
            sm_client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id,
                                                                   payload={"text": "ack " + req.payload["text"]}))

        client.socket_mode_request_listeners.append(listener)
        client.connect()
        try:
            assert server.wait_for_connection(5)
            envelope_id = server.send_envelope("slash_commands", {"command": "/incident", "text": "status"})
            ack = server.wait_for_ack(envelope_id, timeout=5)
            assert got.is_set()
            assert ack == {"envelope_id": envelope_id, "payload": {"text": "ack status"}}
            # the client pings right after connecting; the server's pong must come back
            deadline = time.monotonic() + 3
            while client.current_session.last_ping_pong_time is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert client.current_session.last_ping_pong_time is not None
        finally:
            server.stop()  # server first: the client then shuts down in ~1 s instead of ~3 s
            client.close()
    assert fake.calls_to("apps.connections.open")
    assert fake.violations == []


def test_bolt_socket_mode_handler_gets_command_acks_and_posts(fake):
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    cid = fake.create_channel("incidents", members=("UBOT",))
    app = App(client=WebClient(token="xoxb-test", base_url=fake.url))

    @app.command("/incident")
    def handle(ack, command, client):
        ack(text="on it")
        client.chat_postMessage(channel=command["channel_id"], text=f"declared: {command['text']}")

    with SocketModeServer() as server:
        fake.socket_mode_url = server.url
        handler = SocketModeHandler(app, app_token="xapp-1")
        handler.connect()
        try:
            payload = {k: v[0] for k, v in parse_qs(signed.slash_command_body(
                "db down", user_id="U1", channel_id=cid, trigger_id=fake.issue_trigger_id())).items()}
            ack = server.wait_for_ack(server.send_envelope("slash_commands", payload))
            assert ack["payload"]["text"] == "on it"
            deadline = time.monotonic() + 3
            while not fake.messages_in(cid) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert [m["text"] for m in fake.messages_in(cid)] == ["declared: db down"]
        finally:
            server.stop()
            handler.close()
    assert fake.violations == []


def test_json_bodies_and_get_requests_are_understood(fake, client):
    cid = fake.create_channel("inc-9", members=("UBOT",))
    client.api_call("chat.postMessage", json={"channel": cid, "text": "json",
                                               "blocks": [{"type": "divider"}]})
    assert fake.messages_in(cid)[0]["blocks"] == [{"type": "divider"}]
    assert client.api_call("conversations.info", http_verb="GET", params={"channel": cid})["channel"]["id"] == cid
    assert fake.violations == []
