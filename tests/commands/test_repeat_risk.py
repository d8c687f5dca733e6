"""`/incident stats` reports repeat-incident risk: open priority actions by severity, and the
incidents whose root cause is not yet mitigated. Signed requests, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.commands.test_list_stats import make_incident
from tests.support import ack_text


def test_stats_counts_open_priority_actions_by_severity_and_incidents_at_risk(bot, slack, deps):
    # Sev 1: two open priority actions; Sev 2: one open, one done; Sev 2: all done; Sev 3: none.
    make_incident(deps, severity=1, started_ago=timedelta(days=100), ttd=5, ttr=60,
                  priority_actions=[(timedelta(days=-1), False), (timedelta(days=20), False)])
    make_incident(deps, severity=2, started_ago=timedelta(days=2), ttd=10, ttr=90,
                  priority_actions=[(timedelta(days=10), False), (timedelta(days=-5), True)])
    make_incident(deps, severity=2, started_ago=timedelta(days=3), ttd=30, ttr=240,
                  priority_actions=[(timedelta(days=10), True)])
    make_incident(deps, severity=3, started_ago=timedelta(days=4))

    response = bot.command("stats", user="UCAROL", channel=slack.general_channel_id)

    seen = ack_text(response)
    assert "Open priority actions by severity: Sev 1: 2, Sev 2: 1, Sev 3: 0" in seen
    assert ("Repeat-incident risk: 2 incidents whose root cause is not yet mitigated "
            "(priority actions not all done)") in seen
    assert "Repeat-incident risk: 2 incidents" in json.dumps(json.loads(response.body)["blocks"])


def test_no_open_priority_actions_means_no_repeat_risk(bot, slack):
    seen = ack_text(bot.command("stats", user="UCAROL", channel=slack.general_channel_id))
    assert "Open priority actions by severity: Sev 1: 0, Sev 2: 0, Sev 3: 0" in seen
    assert "Repeat-incident risk: 0 incidents" in seen
