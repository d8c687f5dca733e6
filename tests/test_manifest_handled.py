"""What manifest.yml subscribes to is what the app handles: every command verb and bot event
reaches a listener (Bolt answers 404 "unhandled request" otherwise)."""

from __future__ import annotations

from pathlib import Path

import yaml

from commands.registry import VERBS

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text(encoding="utf-8"))

# Events API envelopes for each manifest event name (message.channels / .groups are `message` events).
EVENTS = {
    "app_home_opened": {"type": "app_home_opened", "user": "UALICE", "channel": "D0001", "tab": "home",
                        "event_ts": "1700000000.000100"},
    "reaction_added": {"type": "reaction_added", "user": "UALICE", "reaction": "thumbsup",
                       "item": {"type": "message", "channel": "CNOTOURS", "ts": "1700000000.000100"},
                       "item_user": "UBOB", "event_ts": "1700000000.000200"},
    "reaction_removed": {"type": "reaction_removed", "user": "UALICE", "reaction": "thumbsup",
                         "item": {"type": "message", "channel": "CNOTOURS", "ts": "1700000000.000100"},
                         "item_user": "UBOB", "event_ts": "1700000000.000200"},
    "message.channels": {"type": "message", "channel": "CNOTOURS", "channel_type": "channel", "user": "UALICE",
                         "text": "hello", "ts": "1700000000.000300", "event_ts": "1700000000.000300"},
    "message.groups": {"type": "message", "channel": "GNOTOURS", "channel_type": "group", "user": "UALICE",
                       "text": "hello", "ts": "1700000000.000400", "event_ts": "1700000000.000400"},
    "member_joined_channel": {"type": "member_joined_channel", "user": "UALICE", "channel": "CNOTOURS",
                              "channel_type": "C", "team": "T1", "event_ts": "1700000000.000500"},
    "channel_rename": {"type": "channel_rename", "channel": {"id": "CNOTOURS", "name": "x", "created": 1},
                       "event_ts": "1700000000.000700"},
    "group_rename": {"type": "group_rename", "channel": {"id": "GNOTOURS", "name": "x", "created": 1},
                     "event_ts": "1700000000.000800"},
    "channel_archive": {"type": "channel_archive", "channel": "CNOTOURS", "user": "UALICE",
                        "event_ts": "1700000000.000900"},
    "channel_unarchive": {"type": "channel_unarchive", "channel": "CNOTOURS", "user": "UALICE",
                          "event_ts": "1700000000.001000"},
    "group_archive": {"type": "group_archive", "channel": "GNOTOURS", "user": "UALICE",
                      "event_ts": "1700000000.001100"},
    "group_unarchive": {"type": "group_unarchive", "channel": "GNOTOURS", "user": "UALICE",
                        "event_ts": "1700000000.001200"},
    "member_left_channel": {"type": "member_left_channel", "user": "UALICE", "channel": "CNOTOURS",
                            "channel_type": "C", "team": "T1", "event_ts": "1700000000.000600"},
}


def test_the_manifest_declares_one_command_and_the_app_handles_it(bot, slack):
    commands = MANIFEST["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/incident"]
    response = bot.command("help", user="UALICE", channel=slack.general_channel_id)
    assert response.status == 200


def test_every_verb_in_the_usage_hint_is_registered(bot):
    hint = MANIFEST["features"]["slash_commands"][0]["usage_hint"]
    named = {part.strip().split(" ")[0] for part in hint.split(",")}
    assert named - {"help"} <= set(VERBS), f"verbs in the hint the app does not know: {named - set(VERBS) - {'help'}}"


def test_every_subscribed_event_reaches_a_listener(bot):
    subscribed = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(subscribed) == set(EVENTS)
    for name in subscribed:
        response = bot.event(EVENTS[name])
        assert response.status == 200, f"{name}: no listener ({response.status} {response.body})"
