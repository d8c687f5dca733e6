"""The Slack edge handles Slack's errors on purpose (fake Slack, real WebClient)."""

from __future__ import annotations

import pytest

from bot.slack_edge import Slack, SlackFailure, make_web_client


@pytest.fixture
def edge(slack):
    return Slack(make_web_client("xoxb-test", slack.url))


def test_rate_limits_are_retried_after_retry_after(edge, slack):
    slack.rate_limit_next("chat.postMessage", retry_after=1, times=2)
    posted = edge.post(slack.general_channel_id, "still delivered")
    assert posted["ok"]
    assert [m["text"] for m in slack.messages_in(slack.general_channel_id)] == ["still delivered"]
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_server_errors_are_retried_a_bounded_number_of_times(edge, slack):
    slack.server_error_next("conversations.setTopic", status=503, times=1)
    edge.set_topic(slack.general_channel_id, "recovered")
    assert slack.channels[slack.general_channel_id].topic == "recovered"

    slack.server_error_next("conversations.setTopic", status=500, times=10)
    with pytest.raises(SlackFailure) as failure:
        edge.set_topic(slack.general_channel_id, "gives up")
    assert failure.value.method == "conversations.setTopic"
    assert len(slack.calls_to("conversations.setTopic")) == 2 + 3  # first call ok after 1 retry; then 1 + 2 retries


def test_name_taken_moves_to_the_next_free_name(edge, slack):
    slack.create_channel("hot-7")
    slack.create_channel("hot-7-2")
    channel_id, name = edge.create_channel(["hot-7", "hot-7-2", "hot-7-3"], private=False)
    assert name == "hot-7-3"
    assert slack.channels[channel_id].name == "hot-7-3"


def test_a_public_channel_the_bot_is_not_in_is_posted_to_without_joining(edge, slack):
    public = slack.create_channel("ops", members=["UALICE"])
    # chat:write.public (in the manifest) posts without joining: no channels:join scope.
    edge.post(public, "hello")
    assert slack.calls_to("conversations.join") == []
    assert [m["text"] for m in slack.messages_in(public)] == ["hello"]
    slack.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackFailure) as raised:
        edge.post(public, "again")
    assert raised.value.error == "not_in_channel"


def test_ephemeral_where_the_bot_cannot_post_falls_back_to_a_dm(edge, slack):
    private = slack.create_channel("secret", is_private=True, members=["UALICE"])
    edge.ephemeral(private, "UALICE", "only for you")
    assert slack.dm_messages("UALICE")[-1]["text"] == "only for you"


def test_missing_scope_names_the_scope_to_add(edge, slack):
    slack.fail_next("pins.add", "missing_scope")
    with pytest.raises(SlackFailure) as raised:
        edge.pin(slack.general_channel_id, "1700000000.000100")
    assert raised.value.error == "missing_scope"
    assert "pins:write" in str(raised.value) and "manifest.yml" in str(raised.value)


def test_archived_channel_is_reported_with_slacks_error(edge, slack):
    archived = slack.create_channel("old-incidents", members=["UBOT"], is_archived=True)
    with pytest.raises(SlackFailure) as raised:
        edge.post(archived, "anyone?")
    assert raised.value.error == "is_archived"


def test_unknown_user_is_none_and_known_users_are_cached(edge, slack):
    assert edge.user("UNOBODY") is None
    assert edge.user("UALICE")["name"] == "alice"
    assert edge.user("UALICE")["name"] == "alice"
    assert len([c for c in slack.calls_to("users.info") if c.get("user") == "UALICE"]) == 1


def test_invite_skips_members_and_reports_who_slack_refused(edge, slack):
    slack.add_user("UGUEST", "guest", is_restricted=True)
    channel = slack.create_channel("hot-9", members=["UBOT", "UALICE"])
    refused = edge.invite(channel, ["UALICE", "UBOB", "UNOBODY", "UGUEST"])
    assert refused == {"UNOBODY": "user_not_found", "UGUEST": "user_is_restricted"}
    assert {"UALICE", "UBOB"} <= slack.channels[channel].members
    assert edge.invite(channel, ["UGUEST"]) == {"UGUEST": "user_is_restricted"}
    assert edge.invite(channel, ["UALICE"]) == {}
    with pytest.raises(SlackFailure) as raised:  # about the channel, not a person: raised
        edge.invite(slack.create_channel("hot-10", members=["UBOT"], is_archived=True), ["UBOB"])
    assert raised.value.error == "is_archived"
    assert slack.violations == []


def test_resolve_channel_by_name(edge, slack):
    assert edge.resolve_channel("#incidents") == slack.incidents_channel_id
    assert edge.resolve_channel("C0FIXED") == "C0FIXED"
    with pytest.raises(SlackFailure, match="create it and invite the bot"):
        edge.resolve_channel("#nowhere")


def test_permalinks_are_built_from_the_workspace_url_without_a_call_per_message(edge, slack):
    workspace = edge.call("auth.test")["url"].rstrip("/")
    assert edge.permalink("C123", "1700000000.000100") == f"{workspace}/archives/C123/p1700000000000100"
    reply = edge.permalink("C123", "1700000001.000200", thread_ts="1700000000.000100")
    assert reply.endswith("/archives/C123/p1700000001000200?thread_ts=1700000000.000100&cid=C123")
    assert len(slack.calls_to("auth.test")) == 2  # the test's own, and the edge's one
    assert slack.calls_to("chat.getPermalink") == []
