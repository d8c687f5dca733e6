"""The pure timeline: emoji map, prefixes, times, rendering, splitting, Markdown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core.timeline import (
    TimelineItem,
    emoji_kinds,
    kind_for_reaction,
    message_key,
    parse_note,
    people_reacting_as,
    render_line,
    render_markdown,
    render_messages,
    slack_to_markdown,
    split_messages,
    split_prefix,
    ts_to_datetime,
)

AT = datetime(2024, 5, 1, 12, 3, 5, tzinfo=timezone.utc)


def test_default_emoji_map_and_team_overrides():
    kinds = emoji_kinds()
    assert kinds == {"pushpin": "note", "mag": "observation", "hammer_and_wrench": "change",
                     "ballot_box_with_check": "decision", "thought_balloon": "theory", "test_tube": "experiment"}
    team = emoji_kinds({":eyes:": "Observation", "pushpin": "", "mag": "decision"})
    assert team["eyes"] == "observation" and team["mag"] == "decision" and "pushpin" not in team


def test_an_unknown_kind_in_the_team_config_is_a_clear_error():
    with pytest.raises(ValueError, match="timeline_emoji: eyes = 'gossip'"):
        emoji_kinds({"eyes": "gossip"})


def test_skin_tones_and_colons_do_not_change_the_kind():
    kinds = emoji_kinds({"+1": "decision"})
    assert kind_for_reaction("+1::skin-tone-3", kinds) == "decision"
    assert kind_for_reaction(":mag:", kinds) == "observation"
    assert kind_for_reaction("thumbsup", kinds) is None


def test_people_still_reacting_count_every_emoji_of_the_kind_but_not_the_bot():
    kinds = emoji_kinds({"eyes": "observation"})
    reactions = [{"name": "mag", "users": ["UBOT", "UA"]}, {"name": "eyes::skin-tone-2", "users": ["UB"]},
                 {"name": "pushpin", "users": ["UC"]}]
    assert people_reacting_as(reactions, "observation", kinds, exclude="UBOT") == {"UA", "UB"}
    assert people_reacting_as([{"name": "mag", "users": ["UBOT"]}], "observation", kinds, exclude="UBOT") == set()


@pytest.mark.parametrize("text, expected", [
    ("observation: p99 is 4s", ("observation", "p99 is 4s")),
    ("  DECISION :roll back", ("decision", "roll back")),
    ("Change:  restarted pods ", ("change", "restarted pods")),
    ("decision:", ("decision", "")),
    ("a decision: later", None),
    ("observations: many", None),
    ("", None),
])
def test_prefixes(text, expected):
    assert split_prefix(text) == expected


def test_note_kinds_and_empty_notes():
    assert parse_note("paged the DBA") == ("note", "paged the DBA")
    assert parse_note("Observation: disk full") == ("observation", "disk full")
    for empty in ("", "   ", "decision:  "):
        with pytest.raises(ValueError, match="Write what to note"):
            parse_note(empty)


def test_ts_is_the_messages_own_utc_time():
    assert ts_to_datetime("1714564985.000123") == AT.replace(microsecond=123)
    assert ts_to_datetime("1714564985") == AT
    assert message_key("C1", "1714564985.000123", "decision") == "message:C1:1714564985.000123:decision"


def test_a_line_has_utc_time_the_readers_own_time_kind_author_and_text():
    item = TimelineItem(AT, "decision", "Roll back deploy 42", actor_id="UALICE",
                        permalink="https://x.slack.com/archives/C1/p1", edited=True)
    assert render_line(item) == (
        "• 2024-05-01 12:03 UTC (<!date^1714564985^{date_short_pretty} {time}|2024-05-01 12:03 UTC>) "
        ":ballot_box_with_check: *Decision* <@UALICE>: Roll back deploy 42 _(edited)_ "
        "<https://x.slack.com/archives/C1/p1|message>")
    system = render_line(TimelineItem(AT, "system", "HOT-1 resolved"))
    assert system.endswith(":robot_face: *System* HOT-1 resolved")


def test_split_keeps_every_line_in_order_within_the_limit():
    lines = [f"line {n} " + "y" * (n % 70) for n in range(500)]
    chunks = split_messages(lines, limit=1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert "\n".join(chunks).splitlines() == lines


def test_a_line_longer_than_a_message_is_split_not_cut():
    words = " ".join(f"w{n:05d}" for n in range(2000))  # ~14,000 characters
    chunks = split_messages(["short", words, "after"], limit=3800)
    assert all(len(chunk) <= 3800 for chunk in chunks)
    joined = " ".join(chunks)
    assert all(f"w{n:05d}" in joined for n in range(2000))
    assert chunks[0].startswith("short") and chunks[-1].endswith("after")


def test_messages_are_numbered_only_when_there_are_several():
    one = render_messages("HOT-1", [TimelineItem(AT, "note", "x")])
    assert len(one) == 1 and one[0].startswith("*Timeline of HOT-1*\n")
    many = render_messages("HOT-1", [TimelineItem(AT + timedelta(seconds=n), "note", "z" * 300) for n in range(40)])
    assert len(many) > 1
    assert [m.splitlines()[0] for m in many] == [f"*Timeline of HOT-1* ({n}/{len(many)})" for n in
                                                 range(1, len(many) + 1)]
    assert all(len(m) < 4000 for m in many)
    assert render_messages("HOT-1", [])[0].endswith("Nothing on the timeline yet._")


def test_slack_tokens_become_markdown():
    names = {"UALICE": "alice"}
    text = "<@UALICE> see <https://grafana.example/d/1|the dashboard> in <#C123|hot-1> &lt;now&gt; <!here> <@UNOBODY>"
    assert slack_to_markdown(text, names) == (
        "@alice see [the dashboard](https://grafana.example/d/1) in #hot-1 <now> @here @UNOBODY")


def test_markdown_export_lists_every_entry_in_utc():
    items = [TimelineItem(AT, "system", "HOT-1 declared by <@UALICE>", actor_id="UALICE"),
             TimelineItem(AT + timedelta(minutes=5), "observation", "line one\nline two", actor_id="UBOB",
                          permalink="https://x/p1", edited=True)]
    document = render_markdown("HOT-1", "Checkout down", items, {"UALICE": "alice", "UBOB": "bob"}, now=AT)
    assert document.splitlines() == [
        "# Timeline of HOT-1: Checkout down",
        "",
        "Exported 2024-05-01 12:03 UTC. Times are UTC.",
        "",
        "- **2024-05-01 12:03:05** System @alice: HOT-1 declared by @alice",
        "- **2024-05-01 12:08:05** Observation @bob: line one",
        "  line two *(edited)* ([message](https://x/p1))",
    ]
