"""`/incident list` and `/incident stats [days]`: answers in the ack, read from the database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.core.declaration import Declaration
from storage import incidents
from storage.models import Action, Postmortem
from tests.support import ack_text


def body(response) -> str:
    """Everything the person sees of the ack: its text and its blocks."""
    data = json.loads(response.body) if response.body.startswith("{") else {"text": response.body}
    return data.get("text", "") + json.dumps(data.get("blocks") or [])


def make_incident(deps, *, severity, started_ago, ttd=None, ttr=None, summary="Stats fixture",
                  private=False, postmortem=None, priority_actions=()):
    """An incident row with known times (minutes after the start of impact), made with storage functions."""
    now = deps.now()
    start = now - started_ago
    with deps.sessions.begin() as s:
        row = incidents.create(
            s, declaration=Declaration(summary, "", severity, "Unknown", (), private), prefix="HOT",
            reporter_id="UREPORTER", origin_channel_id=None, now=start, initial_comms_due=start)
        row.impact_started_at = start
        if ttd is not None:
            row.detected_at = start + timedelta(minutes=ttd)
        if ttr is not None:
            row.impact_ended_at = start + timedelta(minutes=ttr)
            row.resolved_at = row.impact_ended_at
            row.status = "Resolved"
        if postmortem:
            status, due_in = postmortem
            s.add(Postmortem(incident_id=row.id, owner_id="UALICE", status=status, created_at=now,
                             due_at=now + due_in))
        for due_in, done in priority_actions:
            s.add(Action(incident_id=row.id, kind="priority", text="Fix it", owner_id="UALICE", due_at=now + due_in,
                         created_by="UALICE", created_at=start, done_at=now if done else None))
        return row.key


def test_list_shows_open_incidents_with_key_severity_status_im_age_and_channel(bot, slack, deps):
    first = bot.declare("Checkout fails for EU customers", severity=1)
    bot.command("role incident-manager me", user="UREPORTER", channel=first.id)
    bot.clock.advance(minutes=95)
    second = bot.declare("Search is slow", severity=3)
    resolved_key = make_incident(deps, severity=2, started_ago=timedelta(hours=3), ttd=5, ttr=60,
                                 summary="Already over")
    bot.clock.advance(minutes=10)

    response = bot.command("list", user="UCAROL", channel=slack.general_channel_id)

    seen = body(response)
    assert ack_text(response).startswith("2 open incidents")
    assert "*HOT-1*" in seen and f"<#{first.id}>" in seen and "Sev 1 · Fixing · IM <@UREPORTER> · open 1h 45m" in seen
    assert "*HOT-2*" in seen and f"<#{second.id}>" in seen and "Sev 3 · Pending · IM unassigned · open 10m" in seen
    assert "Checkout fails for EU customers" in seen
    assert resolved_key not in seen and "Already over" not in seen
    assert slack.calls_to("chat.postEphemeral") == []  # the answer is the ack itself


def test_list_with_nothing_open(bot, slack):
    response = bot.command("list", user="UCAROL", channel=slack.general_channel_id)
    assert ack_text(response) == "No open incidents. `/incident declare` starts one."


def test_private_incident_is_listed_only_to_members_of_its_channel(bot, slack, deps):
    public = bot.declare("Public outage")
    secret = bot.declare("Payroll data exposed to wrong tenant", private=True)
    bot.join(secret.id, "UALICE")

    member = body(bot.command("list", user="UALICE", channel=slack.general_channel_id))
    outsider_response = bot.command("list", user="UBOB", channel=slack.general_channel_id)
    outsider = body(outsider_response)
    stats = body(bot.command("stats", user="UBOB", channel=slack.general_channel_id))

    assert "Payroll data exposed" in member and "HOT-2" in member and ":lock:" in member
    assert "Public outage" in outsider and ack_text(outsider_response).startswith("1 open incident")
    assert "Payroll" not in outsider and "HOT-2" not in outsider and secret.id not in outsider
    # Stats counts it (both are Sev 2) but names no incident at all.
    assert "Sev 2 (Major): 2" in stats and "Payroll" not in stats and "HOT-" not in stats
    assert public.id not in stats


def test_stats_over_incidents_with_known_times(bot, slack, deps):
    make_incident(deps, severity=1, started_ago=timedelta(days=1), ttd=5, ttr=60,
                  postmortem=("draft", timedelta(days=-2)), priority_actions=[(timedelta(days=-1), False)])
    make_incident(deps, severity=2, started_ago=timedelta(days=2), ttd=10, ttr=90,
                  postmortem=("in_review", timedelta(days=3)), priority_actions=[(timedelta(days=10), False),
                                                                                (timedelta(days=-5), True)])
    make_incident(deps, severity=2, started_ago=timedelta(days=3), ttd=30, ttr=240,
                  postmortem=("approved", timedelta(days=-9)))
    make_incident(deps, severity=3, started_ago=timedelta(days=4))  # open, no times yet
    make_incident(deps, severity=1, started_ago=timedelta(days=45), ttd=1, ttr=1000,
                  postmortem=("draft", timedelta(days=-30)))

    response = bot.command("stats", user="UCAROL", channel=slack.general_channel_id)

    seen = ack_text(response)
    assert seen.startswith("Incident stats, last 30 days")
    assert "Incidents declared: 4 (3 resolved) · Sev 1 (Critical): 1, Sev 2 (Major): 2, Sev 3 (Minor): 1" in seen
    assert "Time to detect (TTD): mean 15m, median 10m (3 incidents)" in seen
    assert "Time to recovery (TTR): mean 2h 10m, median 1h 30m (3 incidents)" in seen
    assert "Minutes of impact: 390" in seen
    # The backlog counts every incident, also the one from 45 days ago.
    assert "Postmortems not yet approved: 3 (2 overdue)" in seen
    assert "Priority actions open: 2 (1 overdue)" in seen

    ninety = ack_text(bot.command("stats 90", user="UCAROL", channel=slack.general_channel_id))
    assert "Incidents declared: 5 (4 resolved)" in ninety and "Minutes of impact: 1390" in ninety
    # (5 + 10 + 30 + 1) / 4 = 11.5 minutes; the median of 1, 5, 10, 30 is 7.5: shown to the minute.
    assert "Time to detect (TTD): mean 11m, median 7m (4 incidents)" in ninety


def test_stats_with_no_incidents(bot, slack):
    seen = ack_text(bot.command("stats 7", user="UCAROL", channel=slack.general_channel_id))
    assert seen.startswith("Incident stats, last 7 days")
    assert "Incidents declared: 0 (0 resolved)" in seen
    assert "Time to detect (TTD): n/a" in seen


@pytest.mark.parametrize("days, reason", [
    ("abc", "`abc` is not a number of days"),
    ("0", "between 1 and 3650, not 0"),
    ("-3", "between 1 and 3650, not -3"),
    ("3651", "between 1 and 3650, not 3651"),
])
def test_stats_refuses_bad_days_with_the_right_form(bot, slack, days, reason):
    seen = ack_text(bot.command(f"stats {days}", user="UCAROL", channel=slack.general_channel_id))
    assert reason in seen
    assert "Usage: `/incident stats [days]`" in seen


def test_list_with_15_private_incidents_never_asks_slack_inside_the_ack(bot, slack, deps):
    """Membership comes from the database (kept by member events): at 250 ms per Slack call,
    one conversations.members per private incident would miss Slack's 3 seconds."""
    channels = [bot.declare(f"Secret {n}", private=True) for n in range(15)]
    for channel in channels[:10]:
        bot.join(channel.id, "UALICE")
    bot.leave(channels[0].id, "UALICE")
    slack.latency = 0.25
    slack.reset_calls()

    answer = body(bot.command("list", user="UALICE", channel=slack.general_channel_id))

    assert slack.calls == []  # nothing asked of Slack, in the ack or after it
    shown = [n for n in range(15) if f"Secret {n}" in answer]
    assert shown == list(range(1, 10))
