"""A private incident never shows its summary where a non-member can see it (issue 7.3).

The whole life of a private incident runs (declare, roles, severity, update, note, nags,
resolve, postmortem), while non-members use list, stats, status and the Home tab. Then every
place a non-member can see is searched for the summary and the impact.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bot import scheduler
from bot.views.ids import Callback
from tests.commands.test_resolve import resolve_values
from tests.commands.test_update import update_values
from tests.support import deliver_due

SECRET_SUMMARY = "Zebracorn credentials leaked"
SECRET_IMPACT = "Zebracorn customer tokens exposed"
MEMBERS = {"UBOT", "UREPORTER", "UALICE"}
OUTSIDERS = ("UBOB", "UCAROL")
# Monday 2026-11-16 12:00 in New York (UALICE's zone), 17:00 UTC.
DECLARED = datetime(2026, 11, 16, 17, 0, tzinfo=timezone.utc)


def _visible_to_outsiders(slack, private_channel_id: str) -> list[str]:
    seen: list[str] = []
    for channel in slack.channels.values():
        if channel.id == private_channel_id:
            continue
        if channel.is_im and channel.user not in OUTSIDERS:
            continue  # a member's own DMs
        if channel.is_private and not (set(OUTSIDERS) & channel.members):
            continue
        seen.append(channel.topic or "")
        seen.extend(json.dumps(m) for m in channel.messages)
        seen.extend(json.dumps(b) for b in channel.bookmarks)
    seen.extend(json.dumps(e) for e in slack.ephemerals if e["user"] in OUTSIDERS)
    seen.extend(json.dumps(v) for user, v in slack.home_views.items() if user in OUTSIDERS)
    seen.extend(f["content"].decode("utf-8", "replace") + (f.get("initial_comment") or "")
                for f in slack.files if f.get("channel_id") != private_channel_id)
    return seen


def test_the_summary_of_a_private_incident_reaches_no_non_member(bot, slack, deps):
    bot.clock.set(DECLARED)
    bot.command(f"declare {SECRET_SUMMARY}", user="UREPORTER", channel=slack.general_channel_id)
    from tests.support import declare_values

    bot.submit(bot.last_view(Callback.DECLARE), declare_values(SECRET_SUMMARY, impact=SECRET_IMPACT, severity=3,
                                                               private=True), user="UREPORTER")
    channel = slack.channels[bot.latest_incident_channel()]
    assert channel.is_private and channel.members == {"UBOT", "UREPORTER"}

    bot.command("role incident-manager <@UALICE|alice>", user="UREPORTER", channel=channel.id)
    bot.command("severity 1", user="UALICE", channel=channel.id)
    bot.command(f"note observation: {SECRET_SUMMARY} seen in logs", user="UALICE", channel=channel.id)
    bot.clock.advance(minutes=25)
    scheduler.tick(deps, "w1")
    deliver_due(deps)  # initial-comms nag
    bot.command("update", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.UPDATE),
               update_values(deps.now() + timedelta(minutes=60), state=f"{SECRET_SUMMARY}: rotating keys."),
               user="UALICE")
    bot.clock.advance(minutes=40)
    scheduler.tick(deps, "w1")
    deliver_due(deps)

    for outsider in OUTSIDERS:
        bot.command("list", user=outsider, channel=slack.general_channel_id)
        bot.command("stats", user=outsider, channel=slack.general_channel_id)
        bot.command("status", user=outsider, channel=slack.general_channel_id)
        bot.event({"type": "app_home_opened", "user": outsider, "channel": "D0HOME", "tab": "home",
                   "event_ts": "1700000000.000100"})

    bot.command("resolve", user="UALICE", channel=channel.id)
    bot.submit(bot.last_view(Callback.RESOLVE),
               resolve_values(("2026-11-16", "11:50"), ("2026-11-16", "12:00"), ("2026-11-16", "12:55")),
               user="UALICE")
    bot.command("postmortem", user="UALICE", channel=channel.id)
    bot.command("postmortem export", user="UALICE", channel=channel.id)
    for outsider in OUTSIDERS:
        bot.command("list", user=outsider, channel=slack.general_channel_id)
        bot.event({"type": "app_home_opened", "user": outsider, "channel": "D0HOME", "tab": "home",
                   "event_ts": "1700000000.000200"})

    # The bot did work that members see...
    inside = " ".join(json.dumps(m) for m in channel.messages)
    assert SECRET_SUMMARY in inside and "Resolved" in channel.topic
    assert any("private incident" in m["text"].lower() for m in slack.messages_in(slack.incidents_channel_id))
    assert set(slack.home_views) >= set(OUTSIDERS)
    # ...and nothing a non-member can see carries the summary or the impact.
    leaks = [text for text in _visible_to_outsiders(slack, channel.id)
             if "Zebracorn" in text or "zebracorn" in text.lower()]
    assert leaks == []
    assert channel.members <= MEMBERS
