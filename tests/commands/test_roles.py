"""`/incident role` end to end: signed requests, the fake Slack, SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select

from bot.settings import TeamConfig
from storage.models import Incident, RoleAssignment, TimelineEntry
from tests.support import Bot, ack_text, make_deps

TOPIC_LIMIT = 250


def told(slack, user: str) -> str:
    """Everything the bot told `user` privately: ephemerals, and DMs (the ephemeral's fallback)."""
    texts = [e["text"] for e in slack.ephemerals if e["user"] == user]
    texts += [m["text"] for m in slack.dm_messages(user)]
    return "\n".join(texts)


def state(slack, deps, channel_id: str) -> tuple:
    """What a refused command must leave alone: topic, channel messages, roles, timeline."""
    with deps.sessions() as s:
        roles = [(r.role, r.user_id, r.relieved_at) for r in s.scalars(select(RoleAssignment))]
        entries = len(s.scalars(select(TimelineEntry)).all())
        incident = s.scalars(select(Incident)).one()
        columns = (incident.status, incident.severity, incident.video_url, dict(incident.bookmark_ids or {}))
    channel = slack.channels[channel_id]
    return channel.topic, len(channel.messages), len(channel.bookmarks), roles, entries, columns


def test_taking_the_im_role_sets_fixing_topic_timeline_and_tells_the_holder(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    bot.command("role incident-manager me", user="UALICE", channel=channel.id)

    assert channel.topic == "HOT-1 | Sev 2 | Fixing | IM: <@UALICE> | Checkout fails"
    assert "UALICE" in channel.members
    assert "Has overall responsibility and authority for the incident" in told(slack, "UALICE")
    assert any("<@UALICE> is now the incident manager" in m["text"] for m in slack.messages_in(channel.id))
    pinned = next(m for m in slack.messages_in(channel.id) if m["ts"] == channel.pins[0])
    assert "<@UALICE> is the incident manager." in str(pinned["blocks"])
    with deps.sessions() as s:
        entries = {e.data["event"]: e for e in s.scalars(select(TimelineEntry))}
        assert entries["status"].data["from"] == "Pending" and entries["status"].data["to"] == "Fixing"
        assert entries["status"].actor_id == "UALICE" and entries["status"].occurred_at == bot.clock()
        assert entries["role"].data == {"event": "role", "action": "assigned", "role": "incident-manager",
                                        "user": "UALICE", "by": "UALICE"}


def test_assigning_a_tech_lead_invites_them_and_several_may_hold_it(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    bot.command("role tl <@UBOB|bob>", user="UREPORTER", channel=channel.id)
    bot.command("role tech-lead <@UCAROL>", user="UREPORTER", channel=channel.id)

    assert {"UBOB", "UCAROL"} <= channel.members
    assert channel.topic.endswith("TL: <@UBOB>, <@UCAROL>")
    assert "Responsible for developing theories about what's broken" in told(slack, "UBOB")
    assert "assigned by <@UREPORTER>" in told(slack, "UCAROL")


def test_a_new_im_relieves_the_old_one_who_is_told(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role backup-im <@UCAROL>", user="UALICE", channel=channel.id)
    # The backup IM may steer: she makes Bob the IM, and Alice learns she is relieved.
    bot.command("role im <@UBOB>", user="UCAROL", channel=channel.id)

    assert channel.topic == "HOT-1 | Sev 2 | Fixing | IM: <@UBOB> | Checkout fails for EU customers | Backup IM: <@UCAROL>"
    assert "You are no longer the incident manager of *HOT-1*" in told(slack, "UALICE")
    assert "<@UBOB> holds it now" in told(slack, "UALICE")
    with deps.sessions() as s:
        current = s.scalars(select(RoleAssignment.user_id).where(
            RoleAssignment.role == "incident-manager", RoleAssignment.relieved_at.is_(None))).all()
        assert current == ["UBOB"]


def test_configured_extra_roles_are_valid(slack, database_url, clock):
    team = TeamConfig(extra_roles={"problem-manager": "Owns the problem record after the incident."})
    deps = make_deps(slack, database_url, clock, team=team)
    bot = Bot.build(deps, slack)
    try:
        channel = bot.declare()
        bot.command("role problem-manager <@UBOB>", user="UREPORTER", channel=channel.id)
        assert "problem-manager: <@UBOB>" in channel.topic
        assert "Owns the problem record after the incident." in told(slack, "UBOB")
        bot.command("role scribe me", user="UREPORTER", channel=channel.id)
        assert "`scribe` is not an incident role" in told(slack, "UREPORTER")
        assert "`problem-manager`" in told(slack, "UREPORTER")
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()


def test_bad_forms_are_answered_and_change_nothing(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UREPORTER", channel=channel.id)
    before = state(slack, deps, channel.id)

    assert "Say which role and who" in ack_text(bot.command("role tl", user="UREPORTER", channel=channel.id))
    assert "is not a person" in ack_text(bot.command("role tl bob", user="UREPORTER", channel=channel.id))
    bot.command("role scribe <@UBOB>", user="UREPORTER", channel=channel.id)
    bot.command("role tl <@UOTHERBOT>", user="UREPORTER", channel=channel.id)
    bot.command("role tl <@UNOBODY1>", user="UREPORTER", channel=channel.id)
    slack.add_user("UGONE", "gone", deleted=True)
    bot.command("role tl <@UGONE>", user="UREPORTER", channel=channel.id)
    bot.command("role im none", user="UREPORTER", channel=channel.id)

    answers = told(slack, "UREPORTER")
    assert "`scribe` is not an incident role. The roles are: `incident-manager` (`im`)" in answers
    assert "<@UOTHERBOT> is a bot" in answers
    assert "Slack does not know the user `UNOBODY1`" in answers
    assert "<@UGONE> is deactivated" in answers
    assert "needs an incident manager while it is open" in answers
    assert state(slack, deps, channel.id) == before


def test_others_are_refused_politely_with_the_ims_name_but_may_take_a_free_role(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UALICE", channel=channel.id)
    before = state(slack, deps, channel.id)

    bot.command("role im me", user="UBOB", channel=channel.id)
    bot.command("role comms <@UCAROL>", user="UBOB", channel=channel.id)
    assert "Only the incident manager <@UALICE> may assign the incident manager role in HOT-1." in told(slack, "UBOB")
    assert "Only the incident manager <@UALICE> may assign the communications manager role" in told(slack, "UBOB")
    assert state(slack, deps, channel.id) == before

    bot.command("role comms me", user="UBOB", channel=channel.id)
    assert "Comms: <@UBOB>" in channel.topic


def test_two_people_taking_the_im_role_at_once_one_wins_the_other_is_told(bot, slack, deps):
    channel = bot.declare()
    start = threading.Barrier(2)

    def take(user: str) -> None:
        start.wait()
        bot.caller.command("role im me", user_id=user, channel_id=channel.id)

    threads = [threading.Thread(target=take, args=(u,)) for u in ("UALICE", "UBOB")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.drain()

    with deps.sessions() as s:
        holders = s.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role == "incident-manager")).all()
    assert len(holders) == 1
    winner = holders[0]
    loser = "UBOB" if winner == "UALICE" else "UALICE"
    assert f"IM: <@{winner}>" in channel.topic
    assert f"Only the incident manager <@{winner}>" in told(slack, loser)


def test_clearing_a_role_updates_the_topic(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role tl <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("role tl none", user="UALICE", channel=channel.id)

    assert "TL:" not in channel.topic
    assert "You are no longer the tech lead" in told(slack, "UBOB")
    assert len(channel.topic) <= TOPIC_LIMIT
