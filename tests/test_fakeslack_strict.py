"""The fake is as strict as Slack: each check here is one a kinder fake let through."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakeslack import FakeSlack, signed
from tests.fakeslack.server import DEFAULT_LATENCY
from tests.fakeslack.scopes import manifest_bot_scopes


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.url)


def error_of(call) -> dict:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response.data


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str | None = None) -> dict:
    return {"text": plain(text), "value": value if value is not None else text[:150]}


def select(options: list[dict], **extra) -> dict:
    return {"type": "static_select", "action_id": "pick", "options": options, **extra}


def button(text: str = "Go", **extra) -> dict:
    return {"type": "button", "action_id": "go", "text": plain(text), **extra}


# -- unmodelled methods -----------------------------------------------------------------------
def test_a_slack_method_the_fake_does_not_model_is_a_violation(fake, client):
    assert error_of(lambda: client.api_call("team.info"))["error"] == "unknown_method"
    assert error_of(lambda: client.api_call("chat.sendCarrierPigeon"))["error"] == "unknown_method"
    assert [v.split(":")[0] for v in fake.violations] == ["team.info", "chat.sendCarrierPigeon"]
    assert "add api_<method> in tests/fakeslack" in fake.violations[0]


# -- conversations.replies --------------------------------------------------------------------
@pytest.fixture
def thread(fake, client):
    fake.add_user("U1", "alice")
    cid = fake.create_channel("inc-1", members=("UBOT", "U1"))
    parent = client.chat_postMessage(channel=cid, text="parent")["ts"]
    replies = [fake.post_user_message(cid, "U1", f"reply {n}", thread_ts=parent)["ts"] for n in range(5)]
    return cid, parent, replies


def test_replies_start_with_the_parent_also_when_asked_for_a_reply(client, thread):
    cid, parent, replies = thread
    whole = client.conversations_replies(channel=cid, ts=replies[2])["messages"]
    assert [m["ts"] for m in whole] == [parent, *replies]
    one = client.conversations_replies(channel=cid, ts=replies[2], oldest=replies[2], latest=replies[2],
                                       inclusive=True, limit=1)["messages"]
    assert [m["ts"] for m in one] == [parent, replies[2]]


def test_replies_honour_limit_and_cursor_with_the_parent_on_every_page(client, thread):
    cid, parent, replies = thread
    seen, cursor, pages = [], None, 0
    while True:
        answer = client.conversations_replies(channel=cid, ts=parent, limit=2, **({"cursor": cursor} if cursor else {}))
        pages += 1
        assert answer["messages"][0]["ts"] == parent
        seen += [m["ts"] for m in answer["messages"][1:]]
        cursor = answer["response_metadata"]["next_cursor"]
        assert answer["has_more"] is bool(cursor)
        if not cursor:
            break
    assert seen == replies and pages == 3


def test_replies_to_an_unknown_ts_are_thread_not_found(fake, client, thread):
    cid, _, _ = thread
    assert error_of(lambda: client.conversations_replies(channel=cid, ts="1.000001"))["error"] == "thread_not_found"
    assert fake.violations == []  # a correct bot can meet it: the message was deleted
    assert error_of(lambda: client.conversations_replies(channel=cid, ts=thread[1], cursor="bogus"))["error"] \
        == "invalid_cursor"


# -- Block Kit limits the fake checks itself -------------------------------------------------
BAD_BLOCKS = {
    "header in mrkdwn": [{"type": "header", "text": {"type": "mrkdwn", "text": "*HOT-1*"}}],
    "header over 150": [{"type": "header", "text": plain("h" * 151)}],
    "section text over 3000": [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}],
    "field over 2000": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
    "11 fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
    "button text over 75": [{"type": "actions", "elements": [button("b" * 76)]}],
    "button value over 2000": [{"type": "actions", "elements": [button(value="v" * 2001)]}],
    "button url over 3000": [{"type": "actions", "elements": [button(url="https://x.example/" + "u" * 3000)]}],
    "option text over 75": [{"type": "actions", "elements": [select([option("o" * 76, "v")])]}],
    "option value over 150": [{"type": "actions", "elements": [select([option("o", "v" * 151)])]}],
    "101 options": [{"type": "actions", "elements": [select([option(str(n)) for n in range(101)])]}],
    "duplicate block_id": [{"type": "section", "block_id": "b", "text": plain("one")},
                           {"type": "section", "block_id": "b", "text": plain("two")}],
    "block_id over 255": [{"type": "section", "block_id": "b" * 256, "text": plain("one")}],
    "initial_option not offered": [{"type": "actions", "elements": [
        select([option("1"), option("2")], initial_option=option("3"))]}],
    "initial_option text differs": [{"type": "actions", "elements": [
        select([option("Sev 1", "1")], initial_option=option("Sev one", "1"))]}],
    "duplicate action_id in a block": [{"type": "actions", "elements": [button("a"), button("b")]}],
    "placeholder over 150": [{"type": "actions", "elements": [select([option("1")], placeholder=plain("p" * 151))]}],
}

BAD_INPUTS = {
    "max_length over 3000": {"type": "plain_text_input", "action_id": "t", "max_length": 3001},
    "max_length 0": {"type": "plain_text_input", "action_id": "t", "max_length": 0},
    "initial_value longer than max_length": {"type": "plain_text_input", "action_id": "t", "max_length": 5,
                                             "initial_value": "123456"},
    "101 options in an input": select([option(str(n)) for n in range(101)]),
}


@pytest.mark.parametrize("blocks", BAD_BLOCKS.values(), ids=BAD_BLOCKS.keys())
def test_a_message_slack_would_reject_is_rejected(fake, client, blocks):
    cid = fake.create_channel("inc-2", members=("UBOT",))
    assert error_of(lambda: client.chat_postMessage(channel=cid, text="t", blocks=blocks))["error"] == "invalid_blocks"
    assert len(fake.violations) == 1


@pytest.mark.parametrize("element", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_a_modal_slack_would_reject_is_rejected(fake, client, element):
    view = {"type": "modal", "title": plain("Declare"), "submit": plain("Go"),
            "blocks": [{"type": "input", "block_id": "i", "label": plain("Label"), "element": element}]}
    trigger = fake.issue_trigger_id()
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=view))["error"] == "invalid_arguments"
    assert len(fake.violations) == 1


def test_the_same_blocks_within_the_limits_are_accepted(fake, client):
    cid = fake.create_channel("inc-3", members=("UBOT",))
    blocks = [
        {"type": "header", "text": plain("h" * 150)},
        {"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "s" * 3000},
         "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
        {"type": "actions", "block_id": "b", "elements": [
            button("b" * 75, value="v" * 2000),
            select([option(str(n)) for n in range(99)] + [option("o" * 75, "v" * 150)],
                   action_id="other", initial_option=option("7"))]},
    ]
    assert client.chat_postMessage(channel=cid, text="t", blocks=blocks)["ok"]
    assert fake.violations == []


# -- command text as Slack sends it -----------------------------------------------------------
@pytest.mark.parametrize("typed, sent", [
    ("note a < b && c > d", "note a &lt; b &amp;&amp; c &gt; d"),
    ("link doc https://x.example/a?b=1&c=2", "link doc <https://x.example/a?b=1&amp;c=2>"),
    ("link doc <https://x.example/?a=1&b=2|x.example>", "link doc <https://x.example/?a=1&amp;b=2|x.example>"),
    ("handover <@UBOB|bob>", "handover <@UBOB|bob>"),
    ("note I typed &lt; myself", "note I typed &amp;lt; myself"),
])
def test_command_text_arrives_html_escaped_as_slack_sends_it(typed, sent):
    assert signed.slack_command_text(typed) == sent


# -- scopes from manifest.yml -----------------------------------------------------------------
def test_the_fake_grants_exactly_the_manifests_scopes(fake):
    assert fake.scopes == manifest_bot_scopes() and "channels:manage" in fake.scopes


def test_a_call_without_its_scope_is_missing_scope():
    with FakeSlack(scopes={"chat:write", "channels:history"}) as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        public = error_of(lambda: client.conversations_create(name="inc-1"))
        assert (public["error"], public["needed"]) == ("missing_scope", "channels:manage")
        private = error_of(lambda: client.conversations_create(name="inc-2", is_private=True))
        assert (private["error"], private["needed"]) == ("missing_scope", "groups:write")
        secret = fake.create_channel("secret", is_private=True, members=("UBOT",))
        assert error_of(lambda: client.conversations_history(channel=secret))["needed"] == "groups:history"
        assert error_of(lambda: client.users_info(user="UBOT"))["needed"] == "users:read"
        open_ = fake.create_channel("open", members=("UBOT",))
        assert client.conversations_history(channel=open_)["ok"]  # channels:history is granted
        assert len(fake.violations) == 4 and all("missing_scope" in v for v in fake.violations)


def test_posting_to_a_public_channel_the_bot_is_not_in_needs_chat_write_public():
    with FakeSlack(scopes={"chat:write"}) as fake:
        cid = fake.create_channel("elsewhere", members=("U1",))
        client = WebClient(token="xoxb-test", base_url=fake.url)
        assert error_of(lambda: client.chat_postMessage(channel=cid, text="hi"))["error"] == "not_in_channel"
        fake.scopes = frozenset({"chat:write", "chat:write.public"})
        assert client.chat_postMessage(channel=cid, text="hi")["ok"]


# -- latency and rate-limit tiers by default --------------------------------------------------
def test_answers_take_a_little_time_by_default_and_it_is_adjustable(fake, client):
    assert fake.latency == DEFAULT_LATENCY > 0
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start >= DEFAULT_LATENCY
    fake.latency = 0.05
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start >= 0.05


def test_rate_limit_tiers_hold_without_being_asked(fake):
    client = WebClient(token="xoxb-test", base_url=fake.url)  # no retry handler: the 429 shows
    for n in range(20):  # conversations.create is Tier 2: 20 a minute
        client.conversations_create(name=f"inc-{n}")
    answer = error_of(lambda: client.conversations_create(name="inc-20"))
    assert answer["error"] == "ratelimited" and fake.rate_limited_count == 1


def test_an_ack_is_held_to_the_same_limits(fake):
    from slack_bolt import App

    app = App(token="xoxb-test", signing_secret="s", token_verification_enabled=False,
              client=WebClient(token="xoxb-test", base_url=fake.url))

    @app.command("/incident")
    def answer(ack):
        ack(text="status", blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "*HOT-1*"}}])

    caller = signed.BoltCaller(app, "s", fake)
    assert caller.command("status", user_id="U1", channel_id="C1").status == 200
    assert len(fake.violations) == 1 and fake.violations[0].startswith("ack: invalid_blocks")


def test_invite_refuses_guests_and_outsiders_one_refusal_fails_the_call_unless_forced(fake, client):
    """conversations.invite (its method file): without `force` one refused user fails the whole
    call and nobody is invited; with `force=true` the others are invited and `errors` lists the
    refusals; nobody invitable is an error either way."""
    fake.add_user("UMEMBER", "member")
    fake.add_user("UGUEST", "guest", is_restricted=True)
    fake.add_user("USINGLE", "single", is_ultra_restricted=True)
    fake.add_user("UCONNECT", "partner", team_id="T0PARTNER")
    fake.add_user("UORG", "sister", enterprise_teams=("T0SISTER",))
    home = fake.create_channel("home", members=["UBOT", "USINGLE"])
    cid = fake.create_channel("hot-1", members=["UBOT"])
    assert fake.users["UGUEST"]["is_restricted"] and fake.users["UCONNECT"]["is_stranger"]

    failed = error_of(lambda: client.conversations_invite(channel=cid, users="UMEMBER,UGUEST"))
    assert failed["error"] == "user_is_restricted"
    assert failed["errors"] == [{"user": "UGUEST", "ok": False, "error": "user_is_restricted"}]
    assert fake.channels[cid].members == {"UBOT"}

    answer = client.conversations_invite(channel=cid, users="UMEMBER,UGUEST,USINGLE,UCONNECT,UORG", force=True).data
    assert answer["ok"] is True and fake.channels[cid].members == {"UBOT", "UMEMBER"}
    assert [(e["user"], e["error"]) for e in answer["errors"]] == [
        ("UGUEST", "user_is_restricted"), ("USINGLE", "ura_max_channels"), ("UCONNECT", "no_permission"),
        ("UORG", "org_user_not_in_team")]
    assert error_of(lambda: client.conversations_invite(channel=cid, users="UGUEST", force=True))["error"] == \
        "user_is_restricted"
    # A single-channel guest in no channel yet may be invited into one.
    fake.channels[home].members.discard("USINGLE")
    client.conversations_invite(channel=cid, users="USINGLE")
    assert "USINGLE" in fake.channels[cid].members
    assert fake.violations == []


def test_posting_restricted_channels_refuse_the_bot(fake, client):
    rules = {"admins": ("restricted_action", None), "read_only": ("restricted_action_read_only_channel", None),
             "thread_only": ("restricted_action_thread_only_channel", None)}
    for posting, (error, _) in rules.items():
        cid = fake.create_channel(f"c-{posting.replace('_', '-')}", members=["UBOT"], posting=posting)
        assert error_of(lambda: client.chat_postMessage(channel=cid, text="hi"))["error"] == error
    read_only = fake.channels[fake.channel_by_name("c-read-only").id]
    assert client.conversations_info(channel=read_only.id)["channel"]["is_read_only"] is True
    flat = fake.create_channel("c-flat", members=["UBOT"], posting="non_threadable")
    ts = client.chat_postMessage(channel=flat, text="top level is fine")["ts"]
    assert error_of(lambda: client.chat_postMessage(channel=flat, text="reply", thread_ts=ts))["error"] == \
        "restricted_action_non_threadable_channel"
    assert fake.violations == []
