"""Command text arrives HTML-escaped, as Slack sends it; the bot unescapes it exactly once."""

from __future__ import annotations

from sqlalchemy import select

from commands.incident_command import unescape
from storage.models import Incident, RoleAssignment, TimelineEntry


def test_a_url_with_an_ampersand_reaches_the_bookmark_intact(bot, slack, deps):
    channel = bot.declare()
    url = "https://docs.example.com/view?id=7&section=impact"
    bot.command(f"link doc {url}", user="UREPORTER", channel=channel.id)  # sent as <https://...&amp;section=...>

    assert [b["link"] for b in channel.bookmarks] == [url]
    with deps.sessions() as s:
        assert s.scalars(select(Incident)).one().doc_url == url


def test_a_picked_mention_stays_that_one_person(bot, slack, deps):
    channel = bot.declare()
    bot.command("role incident-manager <@UALICE|alice>", user="UREPORTER", channel=channel.id)

    with deps.sessions() as s:
        holders = [(r.role, r.user_id) for r in s.scalars(select(RoleAssignment)) if r.relieved_at is None]
    assert holders == [("incident-manager", "UALICE")]


def test_typed_brackets_and_ampersands_are_kept_as_typed_and_unescaped_once(bot, slack, deps):
    channel = bot.declare()
    bot.command("note p99 < 200ms && errors > 1% (I typed &lt; literally)", user="UREPORTER", channel=channel.id)

    with deps.sessions() as s:
        notes = [e.text for e in s.scalars(select(TimelineEntry)) if e.kind == "note"]
    assert notes == ["p99 < 200ms && errors > 1% (I typed &lt; literally)"]


def test_unescape_undoes_slacks_three_escapes_in_one_pass():
    assert unescape("a &lt; b &amp;&amp; c &gt; d") == "a < b && c > d"
    assert unescape("&amp;lt;") == "&lt;"
    assert unescape("&quot; &#60; &copy;") == "&quot; &#60; &copy;"  # Slack escapes only & < >


def test_a_command_whose_text_says_payload_is_still_a_command(bot, slack, deps):
    # Bolt alone takes any form body containing "payload" for an interactive payload and
    # answers 404; the app parses a body with no `payload` field as the command it is.
    channel = bot.declare()
    response = bot.command("note the payload service is down", user="UREPORTER", channel=channel.id)

    assert response.status == 200
    with deps.sessions() as s:
        notes = [e.text for e in s.scalars(select(TimelineEntry)) if e.kind == "note"]
    assert notes == ["the payload service is down"]


def test_a_nul_character_typed_into_a_command_is_dropped_not_an_error(bot, slack, deps):
    channel = bot.declare()
    response = bot.command("note before\x00after", user="UREPORTER", channel=channel.id)

    assert response.status == 200
    with deps.sessions() as s:
        notes = [e.text for e in s.scalars(select(TimelineEntry)) if e.kind == "note"]
    assert notes == ["beforeafter"]
