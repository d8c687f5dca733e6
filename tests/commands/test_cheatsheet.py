"""The handbook's assess questions and cheat sheet: in the new IM's role DM, and on demand."""

from __future__ import annotations

from tests.commands.test_roles import told
from tests.support import ack_text


def test_a_new_im_gets_the_assess_questions_and_the_cheat_sheet_in_the_role_dm(bot, slack):
    channel = bot.declare("Checkout fails")
    bot.command("role tl @UBOB", user="UREPORTER", channel=channel.id)
    bot.command("role im me", user="UALICE", channel=channel.id)

    dm = slack.dm_messages("UALICE")[-1]["text"]
    assert "*Assess the severity: ask*\n• What is the impact to customers (internal or external)?" in dm
    assert "• How many support cases have customers opened?" in dm
    assert "*Incident manager cheat sheet*" in dm
    assert "Post update communications regularly: max 180m interval." in dm
    # A tech lead is told about their own role, not the IM's cheat sheet.
    assert "cheat sheet" not in told(slack, "UBOB")


def test_handover_gives_the_incoming_im_the_cheat_sheet(bot, slack):
    channel = bot.declare("Checkout fails")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("handover <@UBOB>", user="UALICE", channel=channel.id)
    assert "*Incident manager cheat sheet*" in slack.dm_messages("UBOB")[-1]["text"]


def test_anyone_anywhere_gets_the_cheat_sheet(bot, slack):
    answer = ack_text(bot.command("cheatsheet", user="UCAROL", channel=slack.general_channel_id))
    assert answer.startswith("*Incident manager cheat sheet*")
    for stage in ("*Assess*", "*Escalate*", "*Delegate*", "*Periodic tasks*", "*Communicate*", "*Fix*", "*Resolve*"):
        assert stage in answer
    assert "Post initial communications quickly (<=30m), internal and external." in answer
