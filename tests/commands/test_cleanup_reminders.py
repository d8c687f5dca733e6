"""Fatigue, clean-up and approval reminders, as effects with a due time: every role holder is
asked once about a handover; ARCHIVE_AFTER archives the channel (reopen cancels it); undecided
approvers are reminded once per POSTMORTEM_APPROVAL_REMINDER. Signed requests, the effect
worker on the injected clock, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.settings import Service, TeamConfig
from bot.views.ids import Action
from storage.models import Postmortem, TimelineEntry
from tests.commands.test_postmortem import join_channel
from tests.commands.test_postmortem_handbook import incident_of, resolve
from tests.support import Bot, make_deps


def dms_about(slack, user: str, words: str) -> list[str]:
    return [m["text"] for m in slack.dm_messages(user) if words in m["text"]]


def events(deps) -> list[str]:
    with deps.sessions() as s:
        return [(e.data or {}).get("event") for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]


def test_every_role_holder_is_asked_once_about_a_handover(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    join_channel(slack, channel.id, "UALICE", "UBOB", "UCAROL")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role tl <@UBOB>", user="UALICE", channel=channel.id)
    bot.clock.advance(hours=1)
    bot.command("role comms <@UCAROL>", user="UALICE", channel=channel.id)

    bot.clock.advance(hours=3, minutes=1)
    bot.deliver()
    tl = dms_about(slack, "UBOB", "Do you need to be relieved?")
    assert len(tl) == 1 and "You have been the tech lead of *HOT-1*" in tl[0] and "for 4h 1m" in tl[0]
    assert "/incident role tech-lead @them" in tl[0]
    assert dms_about(slack, "UCAROL", "Do you need to be relieved?") == []  # an hour less in the role

    bot.clock.advance(hours=1)
    bot.deliver()
    assert len(dms_about(slack, "UCAROL", "Do you need to be relieved?")) == 1
    bot.clock.advance(hours=5)
    bot.deliver()
    assert len(dms_about(slack, "UBOB", "Do you need to be relieved?")) == 1  # once, never again
    assert events(deps).count("role_handover_nudge") == 2


def test_a_relieved_holder_or_a_resolved_incident_is_not_asked(bot, slack, deps):
    channel = bot.declare("Checkout fails", severity=2)
    join_channel(slack, channel.id, "UALICE", "UBOB", "UCAROL")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role comms <@UBOB>", user="UALICE", channel=channel.id)
    bot.clock.advance(hours=1)
    bot.command("role comms <@UCAROL>", user="UALICE", channel=channel.id)  # Bob is relieved
    bot.clock.advance(hours=4)
    bot.deliver()
    assert dms_about(slack, "UBOB", "Do you need to be relieved?") == []
    assert len(dms_about(slack, "UCAROL", "Do you need to be relieved?")) == 1


@pytest.fixture
def archiving_bot(slack, database_url, clock):
    # Both approvers of payments-api must approve, so one approval leaves the other undecided.
    team = TeamConfig(services=(Service("payments-api", postmortem_approvers=("UBOB", "UCAROL")),))
    deps = make_deps(slack, database_url, clock, team=team, archive_after=timedelta(days=2),
                             postmortem_approval_reminder=timedelta(days=1))
    bot = Bot.build(deps, slack)
    yield bot
    bot.executor.shutdown(wait=True)
    deps.sessions.kw["bind"].dispose()


def test_archive_after_archives_the_channel_and_says_when(archiving_bot, slack):
    bot = archiving_bot
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    notice = [m["text"] for m in slack.messages_in(channel.id) if "will be archived" in m["text"]]
    assert len(notice) == 1 and "`/incident reopen` before then keeps it open" in notice[0]
    assert "2024-05-08 13:00 UTC" in notice[0]  # resolved 2024-05-06 13:00, ARCHIVE_AFTER 2d

    bot.clock.advance(hours=47, minutes=59)
    bot.deliver()
    assert not channel.is_archived
    bot.clock.advance(minutes=1)
    bot.deliver()
    assert channel.is_archived
    assert "archiving this channel now" in slack.messages_in(channel.id)[-1]["text"]
    assert "archived" in events(bot.deps)
    # Recorded like a person's archive (Slack does not tell the bot of its own): what is meant
    # for the channel now stops without asking Slack.
    from storage.models import Incident
    with bot.deps.sessions() as s:
        assert s.scalars(select(Incident.channel_archived_at)).one() == bot.clock()


def test_reopening_cancels_the_archive(archiving_bot, slack):
    bot = archiving_bot
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    bot.clock.advance(days=1)
    bot.command("reopen", user="UALICE", channel=channel.id)
    assert "this channel will not be archived" in slack.messages_in(channel.id)[-1]["text"]
    bot.clock.advance(days=3)
    bot.deliver()
    assert not channel.is_archived


def test_without_archive_after_nothing_is_archived(bot, slack):
    channel = incident_of(bot, slack)
    resolve(bot, channel)
    assert not [m for m in slack.messages_in(channel.id) if "will be archived" in m["text"]]
    bot.clock.advance(days=30)
    bot.deliver()
    assert not channel.is_archived


def test_undecided_approvers_are_reminded_once_per_period_until_they_decide(archiving_bot, slack):
    bot, deps = archiving_bot, archiving_bot.deps
    channel = incident_of(bot, slack, service="payments-api")
    resolve(bot, channel)
    bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)

    bot.clock.advance(hours=23)
    bot.deliver()
    assert dms_about(slack, "UBOB", "Reminder: the postmortem of HOT-1") == []
    bot.clock.advance(hours=1)
    bot.deliver()
    reminder = [m for m in slack.dm_messages("UBOB") if "Reminder: the postmortem of HOT-1" in m["text"]]
    assert len(reminder) == 1
    buttons = [el["action_id"] for b in reminder[0]["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert buttons == [Action.POSTMORTEM_APPROVE, Action.POSTMORTEM_REQUEST_CHANGES]
    assert len(dms_about(slack, "UCAROL", "Reminder: the postmortem of HOT-1")) == 1

    with deps.sessions() as s:
        pm_id = str(s.scalars(select(Postmortem.id)).one())
    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UBOB", message=reminder[0])
    assert "You approved" in slack.dm_messages("UBOB")[-1]["text"]  # the reminder's buttons are gone
    # Down for three days: one reminder for Carol, not three; none for Bob, who decided.
    bot.clock.advance(days=3)
    bot.deliver()
    assert dms_about(slack, "UBOB", "Reminder: the postmortem of HOT-1") == []
    assert len(dms_about(slack, "UCAROL", "Reminder: the postmortem of HOT-1")) == 2
    assert "sent late" in dms_about(slack, "UCAROL", "Reminder: the postmortem of HOT-1")[-1]

    bot.action(Action.POSTMORTEM_APPROVE, pm_id, user="UCAROL", message=slack.dm_messages("UCAROL")[-1])
    with deps.sessions() as s:
        assert s.scalars(select(Postmortem.status)).one() == "approved"
    before = len(slack.dm_messages("UCAROL"))
    bot.clock.advance(days=5)
    bot.deliver()
    assert len(slack.dm_messages("UCAROL")) == before  # approved: no more reminders


def test_approval_reminders_of_a_private_incident_carry_no_details_and_typed_text_stays_inert(archiving_bot, slack):
    from tests.commands.test_inert_text import LIVE, PING
    from tests.commands.test_postmortem import field_values
    from bot.views.ids import Block, Callback

    bot, deps = archiving_bot, archiving_bot.deps
    channel = incident_of(bot, slack, service="payments-api", private=True)
    resolve(bot, channel)
    bot.command("postmortem edit cause", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    keys = [b["block_id"].removeprefix(Block.POSTMORTEM_FIELD_PREFIX) for b in view["blocks"]
            if b.get("block_id", "").startswith(Block.POSTMORTEM_FIELD_PREFIX)
            and b["element"]["type"] == "plain_text_input"]
    bot.submit(view, field_values("cause", {key: f"Leak {PING}" for key in keys}), user="UALICE")
    bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    bot.clock.advance(days=1)
    bot.deliver()

    [reminder] = [m for m in slack.dm_messages("UBOB") if "Reminder: the postmortem of HOT-1" in m["text"]]
    shown = str(reminder)
    assert "Checkout" not in shown and "Leak" not in shown and "Sev" not in shown  # no details outside
    assert f"<#{channel.id}>" in shown
    buttons = [el["action_id"] for b in reminder["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert buttons == [Action.POSTMORTEM_APPROVE, Action.POSTMORTEM_REQUEST_CHANGES]
    assert not [m for m in slack.dm_messages("UBOB") + slack.dm_messages("UCAROL") if LIVE.search(str(m))]


def test_an_approval_request_and_its_reminder_show_a_typed_root_cause_inert(archiving_bot, slack):
    from tests.commands.test_inert_text import LIVE, PING
    from tests.commands.test_postmortem import field_values
    from bot.views.ids import Block, Callback

    bot = archiving_bot
    channel = incident_of(bot, slack, service="payments-api")
    resolve(bot, channel)
    bot.command("postmortem edit cause", user="UALICE", channel=channel.id)
    view = bot.last_view(Callback.POSTMORTEM_EDIT)
    keys = [b["block_id"].removeprefix(Block.POSTMORTEM_FIELD_PREFIX) for b in view["blocks"]
            if b.get("block_id", "").startswith(Block.POSTMORTEM_FIELD_PREFIX)
            and b["element"]["type"] == "plain_text_input"]
    bot.submit(view, field_values("cause", {key: f"Leak {PING}" for key in keys}), user="UALICE")
    bot.command("action priority prevent-future Fix the pool leak", user="UALICE", channel=channel.id)
    bot.command("postmortem request-approval", user="UALICE", channel=channel.id)
    bot.clock.advance(days=1)
    bot.deliver()

    asked = [m for m in slack.dm_messages("UBOB") if "HOT-1" in m["text"]]
    assert len(asked) == 2  # the request and one reminder
    for message in asked:
        shown = str(message)
        assert "Root cause:* Leak &lt;!channel&gt;" in shown
        assert not LIVE.search(shown), shown
