"""The App Home tab: published on app_home_opened, within Slack's 100 blocks, private-safe."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.declaration import Declaration
from storage import incidents
from storage.models import Action, Postmortem


def open_home(bot, user, tab="home"):
    bot.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab,
               "event_ts": "1700000000.000100"})
    return bot.fake.home_views.get(user)


def test_home_shows_open_incidents_roles_postmortems_and_actions(bot, slack, deps):
    checkout = bot.declare("Checkout fails for EU customers", severity=1)
    bot.command("role incident-manager <@UALICE|alice>", user="UREPORTER", channel=checkout.id)
    bot.declare("Search is slow", severity=3)
    bot.command("action priority Add alerting on checkout errors <@UALICE|alice>", user="UREPORTER",
                channel=checkout.id)
    with deps.sessions.begin() as s:
        incident = incidents.get_by_channel(s, checkout.id)
        s.add(Postmortem(incident_id=incident.id, owner_id="UALICE", status="draft", created_at=deps.now(),
                         due_at=deps.now() + timedelta(days=7)))
    bot.clock.advance(minutes=20)

    view = open_home(bot, "UALICE")

    assert view["type"] == "home"
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Open incidents", "Your roles", "Postmortems you own", "Your open actions"]
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert "*HOT-1*" in shown and "Checkout fails for EU customers" in shown and "*HOT-2*" in shown
    assert "*Incident manager* of *HOT-1*" in shown
    assert "Draft · due" in shown
    assert "Add alerting on checkout errors" in shown and "owner <@UALICE>" in shown
    assert len(view["blocks"]) <= 100

    bob = json.dumps(open_home(bot, "UBOB")["blocks"], ensure_ascii=False)
    assert "*HOT-1*" in bob
    assert "You hold no role in an open incident." in bob and "No postmortem waits on you." in bob
    assert "No open actions." in bob


def test_messages_tab_publishes_nothing(bot, slack):
    assert open_home(bot, "UALICE", tab="messages") is None
    assert slack.calls_to("views.publish") == []


def test_private_incident_never_reaches_a_non_member_home(bot, slack, deps):
    secret = bot.declare("Payroll data exposed to wrong tenant", private=True)
    # Bob owns an action and the postmortem, but is not in the private channel.
    bot.command("action priority Rotate the tenant keys <@UBOB|bob>", user="UREPORTER", channel=secret.id)
    with deps.sessions.begin() as s:
        incident = incidents.get_by_channel(s, secret.id)
        s.add(Postmortem(incident_id=incident.id, owner_id="UBOB", status="draft", created_at=deps.now(),
                         due_at=deps.now() + timedelta(days=7)))
    outsider = json.dumps(open_home(bot, "UBOB"), ensure_ascii=False)
    member = json.dumps(open_home(bot, "UREPORTER"), ensure_ascii=False)

    for secret_text in ("Payroll", "HOT-1", secret.id, "Rotate the tenant keys"):
        assert secret_text not in outsider
    assert "Payroll data exposed" in member and ":lock:" in member

    bot.join(secret.id, "UBOB")
    joined = json.dumps(open_home(bot, "UBOB"), ensure_ascii=False)
    assert "Payroll data exposed" in joined and "Rotate the tenant keys" in joined


def test_a_busy_home_stays_within_100_blocks(bot, slack, deps):
    now = deps.now()
    with deps.sessions.begin() as s:
        for n in range(60):
            row = incidents.create(s, declaration=Declaration(f"Outage {n}", "", 2, "Unknown", (), False),
                                   prefix="HOT", reporter_id="UREPORTER", origin_channel_id=None, now=now,
                                   initial_comms_due=now)
            for k in range(2):
                s.add(Action(incident_id=row.id, kind="improvement", text=f"Fix part {k}", owner_id="UCAROL",
                             due_at=now + timedelta(days=n), created_by="UCAROL", created_at=now))
            if n < 20:
                s.add(Postmortem(incident_id=row.id, owner_id="UCAROL", created_at=now, due_at=now))

    view = open_home(bot, "UCAROL")

    assert len(view["blocks"]) <= 100
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert "and 40 more" in shown  # 60 incidents, the first 20 shown
    assert "and 5 more" in shown  # 20 postmortems, 15 shown
    assert "and 25 more" in shown  # the 50 actions the query returns, 25 shown
