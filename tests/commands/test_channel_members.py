"""Who is in an incident channel is kept in the database: seeded at declaration, followed by
member events and the bot's own invites; authority reads it for buttons and modals."""

from __future__ import annotations

from storage import members


def in_db(deps, channel_id: str) -> set[str]:
    with deps.sessions() as s:
        return members.members_of(s, channel_id=channel_id)


def test_declaration_seeds_membership_and_events_keep_it(bot, slack, deps):
    channel = bot.declare()
    assert in_db(deps, channel.id) == set(slack.channels[channel.id].members)
    assert "UREPORTER" in in_db(deps, channel.id)

    join = {"type": "member_joined_channel", "user": "UCAROL", "channel": channel.id, "channel_type": "C",
            "team": "T1", "event_ts": "1.1"}
    bot.event(join)
    bot.event(join)  # a redelivery adds nothing twice
    assert "UCAROL" in in_db(deps, channel.id)
    bot.event({**join, "type": "member_left_channel", "event_ts": "1.2"})
    assert "UCAROL" not in in_db(deps, channel.id)
    # Channels that are not incidents are not tracked.
    bot.event({**join, "channel": slack.general_channel_id})
    assert in_db(deps, slack.general_channel_id) == set()


def test_the_bots_own_invites_are_recorded(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im <@UALICE>", user="UREPORTER", channel=channel.id)
    assert "UALICE" in in_db(deps, channel.id)


def test_channels_of_answers_a_whole_list_in_one_query(bot, slack, deps):
    first = bot.declare("one")
    second = bot.declare("two", private=True)
    with deps.sessions() as s:
        assert members.channels_of(s, user_id="UREPORTER", channel_ids=[first.id, second.id, None]) == {
            first.id, second.id}
        assert members.channels_of(s, user_id="UCAROL", channel_ids=[first.id, second.id]) == set()


def test_a_channel_renamed_by_a_person_is_followed(bot, slack, deps):
    from sqlalchemy import select

    from storage.models import Incident, TimelineEntry

    channel = bot.declare()
    bot.event({"type": "channel_rename", "channel": {"id": channel.id, "name": "hot-1-checkout", "created": 1},
               "event_ts": "1.3"})
    with deps.sessions() as s:
        assert s.scalars(select(Incident.channel_name)).one() == "hot-1-checkout"
        texts = [e.text for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]
    assert texts[-1] == "The channel was renamed from #hot-1 to #hot-1-checkout"
