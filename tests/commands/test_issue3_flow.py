"""Issue 3's "Done when": one incident channel, every verb and every bad form, through signed requests."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import TimelineEntry
from tests.commands.test_roles import state, told
from tests.support import ack_text

TOPIC_LIMIT = 250


def test_im_tech_lead_severity_video_handover_and_every_bad_form(bot, slack, deps):
    channel = bot.declare("Checkout fails for EU customers", severity=3)
    topics: list[str] = [channel.topic]

    def run(text: str, user: str) -> str:
        answer = ack_text(bot.command(text, user=user, channel=channel.id))
        topics.append(channel.topic)
        return answer

    run("role incident-manager me", "UALICE")
    assert channel.topic == "HOT-1 | Sev 3 | Fixing | IM: <@UALICE> | Checkout fails for EU customers"

    run("role tech-lead <@UBOB|bob>", "UALICE")
    assert "UBOB" in channel.members and channel.topic.endswith("| TL: <@UBOB>")

    run("severity 1", "UALICE")
    assert channel.topic.startswith("HOT-1 | Sev 1 | Fixing | IM: <@UALICE>")
    assert "postmortem will be required" in slack.messages_in(slack.incidents_channel_id)[-1]["text"]

    run("link video https://meet.example.com/hot-1", "UALICE")
    assert [b["link"] for b in channel.bookmarks] == ["https://meet.example.com/hot-1"]

    run("handover <@UCAROL>", "UALICE")
    assert channel.topic.startswith("HOT-1 | Sev 1 | Fixing | IM: <@UCAROL> |") and "UCAROL" in channel.members

    # Every bad form: answered, nothing changed.
    before = state(slack, deps, channel.id)
    in_ack = {
        "role tl": "Say which role and who",
        "role tl bob": "is not a person",
        "severity 7": "give 1, 2 or 3",
        "link video not-a-url": "is not an http(s) URL",
        "link video": "Give one http(s) URL",
        "handover": "Say who takes over",
    }
    acks: dict[str, list[str]] = {}
    for text, expected in in_ack.items():
        assert expected in run(text, "UCAROL"), text
    for text, user in (("role wizard me", "UCAROL"), ("role tl <@UOTHERBOT>", "UCAROL"),
                       ("role tl <@UNOSUCH1>", "UCAROL"), ("role im none", "UCAROL"),
                       ("severity 1", "UCAROL"), ("severity 2", "UBOB"), ("handover <@UBOB>", "UALICE"),
                       ("role im me", "UALICE")):
        acks.setdefault(user, []).append(run(text, user))
    carol, bob, alice = (told(slack, u) + "\n".join(acks.get(u, [])) for u in ("UCAROL", "UBOB", "UALICE"))
    assert "`wizard` is not an incident role" in carol and "<@UOTHERBOT> is a bot" in carol
    assert "Slack does not know the user `UNOSUCH1`" in carol
    assert "needs an incident manager while it is open" in carol
    assert "HOT-1 is already Sev 1" in carol
    assert "Only the incident manager <@UCAROL> may change the severity of HOT-1" in bob
    assert "Only the incident manager <@UCAROL> may hand over HOT-1" in alice
    assert "Only the incident manager <@UCAROL> may assign the incident manager role in HOT-1" in alice
    assert state(slack, deps, channel.id) == before

    assert all(len(topic) <= TOPIC_LIMIT for topic in topics)
    assert all(len(args["topic"]) <= TOPIC_LIMIT for args in slack.calls_to("conversations.setTopic"))
    with deps.sessions() as s:
        events = [e.data["event"] for e in s.scalars(select(TimelineEntry).order_by(TimelineEntry.id))]
    assert events == ["declared", "role", "status", "role", "severity", "link", "handover", "handover"]
