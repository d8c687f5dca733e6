"""`/incident handover` end to end."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.core.handbook import HANDOVER_CHECKLIST
from storage.models import RoleAssignment
from tests.commands.test_roles import state, told
from tests.support import ack_text


def test_handover_moves_the_im_role_posts_the_checklist_and_tells_both(bot, slack, deps):
    channel = bot.declare("Checkout fails")
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.command("role tl <@UBOB>", user="UALICE", channel=channel.id)
    bot.command("handover <@UCAROL|carol>", user="UALICE", channel=channel.id)

    assert channel.topic == "HOT-1 | Sev 2 | Fixing | IM: <@UCAROL> | Checkout fails | TL: <@UBOB>"
    assert "UCAROL" in channel.members
    message = slack.messages_in(channel.id)[-1]
    blocks = json.dumps(message["blocks"], ensure_ascii=False)
    assert message["text"].startswith("Handover: <@UCAROL> is now the incident manager of HOT-1")
    assert "*In:* <@UCAROL> as incident manager" in blocks and "*Out:* <@UALICE> as incident manager" in blocks
    assert "Incident manager: <@UCAROL>" in blocks and "Tech lead: <@UBOB>" in blocks
    for item in HANDOVER_CHECKLIST:
        assert item in blocks
    assert "Next handover expected by <!date^" in blocks
    assert "handed *HOT-1*" in told(slack, "UCAROL") and "you are the incident manager now" in told(slack, "UCAROL")
    assert "You handed *HOT-1*" in told(slack, "UALICE")
    with deps.sessions() as s:
        current = s.scalars(select(RoleAssignment.user_id).where(
            RoleAssignment.role == "incident-manager", RoleAssignment.relieved_at.is_(None))).all()
        assert current == ["UCAROL"]


def test_bad_handovers_change_nothing(bot, slack, deps):
    channel = bot.declare()
    bot.command("handover <@UBOB>", user="UREPORTER", channel=channel.id)
    assert "Nobody holds the incident manager role" in told(slack, "UREPORTER")
    bot.command("role im me", user="UALICE", channel=channel.id)
    before = state(slack, deps, channel.id)

    assert "Say who takes over" in ack_text(bot.command("handover", user="UALICE", channel=channel.id))
    assert "is not a person" in ack_text(bot.command("handover bob", user="UALICE", channel=channel.id))
    bot.command("handover <@UOTHERBOT>", user="UALICE", channel=channel.id)
    bot.command("handover me", user="UALICE", channel=channel.id)
    refused = ack_text(bot.command("handover <@UCAROL>", user="UBOB", channel=channel.id))
    assert "<@UOTHERBOT> is a bot" in told(slack, "UALICE")
    assert "You are already the incident manager" in told(slack, "UALICE")
    assert refused == "Only the incident manager <@UALICE> may hand over HOT-1."
    assert state(slack, deps, channel.id) == before
