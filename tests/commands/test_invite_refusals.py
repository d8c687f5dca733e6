"""Slack refuses to invite guests, Slack Connect users and people of another workspace of the
organisation (conversations.invite: user_is_restricted, ura_max_channels,
invitee_cant_see_channel, org_user_not_in_team, no_permission). Everyone else is invited, the
change stands, and the person who acted is told once who stayed out and why."""

from __future__ import annotations

import pytest

from bot.settings import Service, TeamConfig
from storage import effects
from tests.support import Bot, make_deps

REFUSED = ("UGUEST", "USINGLE", "UCONNECT", "UORG", "UORGFAR")


def _people(slack):
    slack.add_user("UGUEST", "guest", is_restricted=True)
    slack.add_user("USINGLE", "single", is_ultra_restricted=True)
    slack.channels[slack.general_channel_id].members.add("USINGLE")  # their one channel
    slack.add_user("UCONNECT", "partner", team_id="T0PARTNER")
    slack.add_user("UORG", "sister", enterprise_teams=("T0SISTER",))
    slack.add_user("UORGFAR", "cousin", enterprise_teams=("T0COUSIN",))


@pytest.fixture
def bot(slack, database_url, clock):
    _people(slack)
    team = TeamConfig(services=(Service("payments-api", on_call=("UALICE", *REFUSED, "UBOB")),))
    deps = make_deps(slack, database_url, clock, team=team)
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()


def dms_to(slack, user):
    return [m["text"] for m in slack.dm_messages(user)]


def test_declaration_invites_everyone_it_can_and_tells_the_reporter_once(bot, slack, deps):
    channel = bot.declare(service="payments-api")

    # One call: the valid ones are in, the refused ones are out; the declaration went on.
    invites = slack.calls_to("conversations.invite")
    assert len(invites) == 1 and invites[0]["force"] == "true"
    assert {"UREPORTER", "UALICE", "UBOB"} <= slack.channels[channel.id].members
    assert not set(REFUSED) & slack.channels[channel.id].members
    assert slack.channels[channel.id].topic and slack.channels[channel.id].pins
    assert any("HOT-1" in m["text"] for m in slack.messages_in(slack.incidents_channel_id))

    told = [t for t in dms_to(slack, "UREPORTER") if "would not let me invite" in t]
    assert len(told) == 1
    text = told[0]
    assert f"<#{channel.id}>" in text and "you declared the incident" in text
    assert "<@UGUEST> is a guest account" in text
    assert "<@USINGLE> is a single-channel guest who is already in their one channel" in text
    assert "<@UCONNECT> is an external (Slack Connect) user" in text
    assert "<@UORG> belongs to your organisation but not to this workspace" in text
    assert "<@UORGFAR> belongs to your organisation but not to this workspace" in text
    assert "<@UALICE>" not in text and "workspace admin" in text

    with deps.sessions() as s:
        rows = effects.for_incident(s, 1, kinds=["declare.invite"])
        assert [(r.outcome, r.error) for r in rows] == [("sent", None)]
        assert rows[0].result["refused"]["UGUEST"] == "user_is_restricted"
    # A restart (another worker, later) sends nothing again.
    calls = len(slack.calls)
    bot.clock.advance(minutes=10)
    assert bot.deliver() == 0
    assert len(slack.calls) == calls
    assert len([t for t in dms_to(slack, "UREPORTER") if "would not let me invite" in t]) == 1


def test_an_org_shared_channel_names_those_who_cannot_see_it(slack):
    slack.add_user("UORGFAR", "cousin", enterprise_teams=("T0COUSIN",))
    slack.add_user("UORG", "sister", enterprise_teams=("T0SISTER",))
    channel = slack.create_channel("hot-org", members=["UBOT"])
    slack.channels[channel].shared_team_ids = ("T0001", "T0SISTER")
    answer = slack.handle_api("conversations.invite", {"channel": channel, "users": "UORGFAR,UORG", "force": "true"},
                              "xoxb-test")[2]
    assert answer["ok"] is True
    assert answer["errors"] == [{"user": "UORGFAR", "ok": False, "error": "invitee_cant_see_channel"}]
    assert "UORG" in slack.channels[channel].members


def test_naming_a_guest_to_a_role_keeps_the_role_and_tells_who_named_them(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    bot.command("role tech-lead <@UCONNECT>", user="UREPORTER", channel=channel.id)

    assert "UCONNECT" not in slack.channels[channel.id].members
    assert any("<@UCONNECT>" in m["text"] for m in slack.messages_in(channel.id))  # the role stands
    told = [t for t in dms_to(slack, "UREPORTER") if "would not let me invite" in t]
    assert len(told) == 1
    assert "you named them tech lead" in told[0] and "<@UCONNECT> is an external (Slack Connect) user" in told[0]

    bot.command("handover <@UGUEST>", user="UREPORTER", channel=channel.id)
    told = [t for t in dms_to(slack, "UREPORTER") if "would not let me invite" in t]
    assert len(told) == 2 and "<@UGUEST> is a guest account" in told[1] and "handed" in told[1]


def test_inviting_someone_already_there_is_not_a_refusal(bot, slack):
    channel = bot.declare()
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    bot.command("role tech-lead <@UALICE>", user="UREPORTER", channel=channel.id)
    bot.command("role comms <@UALICE>", user="UREPORTER", channel=channel.id)
    assert not [t for t in dms_to(slack, "UREPORTER") if "would not let me invite" in t]
