"""`/incident link` end to end, and the VIDEO_URL_TEMPLATE prefill at declaration."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Incident, TimelineEntry
from tests.commands.test_roles import state, told
from tests.support import Bot, ack_text, make_deps


def test_a_link_becomes_a_bookmark_the_info_message_and_the_topic(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    bot.command("link video <https://meet.example.com/hot-1>", user="UREPORTER", channel=channel.id)

    assert [(b["title"], b["link"]) for b in channel.bookmarks] == [("Video call", "https://meet.example.com/hot-1")]
    pinned = next(m for m in slack.messages_in(channel.id) if m["ts"] == channel.pins[0])
    assert "<https://meet.example.com/hot-1|Video call>" in json.dumps(pinned["blocks"])
    assert channel.topic.endswith("| video: https://meet.example.com/hot-1")
    with deps.sessions() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.video_url == "https://meet.example.com/hot-1"
        assert incident.bookmark_ids == {"video": channel.bookmarks[0]["id"]}
        assert s.scalars(select(TimelineEntry).order_by(TimelineEntry.id.desc())).first().data["event"] == "link"


def test_setting_a_link_again_edits_the_bookmark(bot, slack):
    channel = bot.declare()
    bot.command("link doc https://docs.example.com/a", user="UREPORTER", channel=channel.id)
    bot.command("link doc <https://docs.example.com/b|docs.example.com/b>", user="UREPORTER", channel=channel.id)

    assert [b["link"] for b in channel.bookmarks] == ["https://docs.example.com/b"]
    assert len(slack.calls_to("bookmarks.edit")) == 1


def test_a_long_link_stays_out_of_the_topic_but_in_the_bookmark(bot, slack):
    channel = bot.declare("x" * 150)
    url = "https://docs.example.com/" + "d" * 300
    bot.command(f"link issue {url}", user="UREPORTER", channel=channel.id)
    assert url not in channel.topic and len(channel.topic) <= 250
    assert channel.bookmarks[0]["link"] == url


def test_anything_but_an_http_url_is_refused_with_an_example(bot, slack, deps):
    channel = bot.declare()
    before = state(slack, deps, channel.id)
    for bad in ("link video ftp://files.example.com/x", "link video meet.example.com", "link video https://",
                "link video javascript:alert(1)", "link doc", "link chat https://x.example.com"):
        answer = ack_text(bot.command(bad, user="UREPORTER", channel=channel.id))
        assert "https://meet.example.com/hot-1" in answer, bad
    assert state(slack, deps, channel.id) == before


def test_the_same_link_again_changes_nothing(bot, slack, deps):
    channel = bot.declare()
    bot.command("link video https://meet.example.com/1", user="UREPORTER", channel=channel.id)
    before = state(slack, deps, channel.id)
    bot.command("link video https://meet.example.com/1", user="UREPORTER", channel=channel.id)
    assert "already https://meet.example.com/1" in told(slack, "UREPORTER")
    assert state(slack, deps, channel.id) == before


def test_video_url_template_prefills_the_video_link(slack, database_url, clock):
    deps = make_deps(slack, database_url, clock, video_url_template="https://meet.example.com/{channel}")
    bot = Bot.build(deps, slack)
    try:
        channel = bot.declare("Checkout fails")
        assert [(b["title"], b["link"]) for b in channel.bookmarks] == [("Video call", "https://meet.example.com/hot-1")]
        assert channel.topic.endswith("| video: https://meet.example.com/hot-1")
        # Setting it again edits that same bookmark.
        bot.command("link video https://meet.example.com/other", user="UREPORTER", channel=channel.id)
        assert [b["link"] for b in channel.bookmarks] == ["https://meet.example.com/other"]
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()
