"""The topic: always within 250 characters, always key, severity, status and the IM;
the summary shortens first (with an ellipsis), then role holders go; mentions stay whole."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.handbook import ROLES
from bot.core.incident import FIXING, INCIDENT_MANAGER, PENDING, RESOLVED, IncidentSnapshot, RoleHolder
from bot.core.topic import ELLIPSIS, MIN_SUMMARY, SEPARATOR, TOPIC_LIMIT, render_topic

DECLARED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def snapshot(summary: str = "Checkout fails", *, roles: tuple[RoleHolder, ...] = (), links: dict | None = None,
             key: str = "HOT-1", severity: int = 2, status: str = FIXING) -> IncidentSnapshot:
    return IncidentSnapshot(key=key, summary=summary, severity=severity, status=status, declared_at=DECLARED,
                            reporter_id="UREPORTER", roles=roles, links=links or {})


def test_short_topic_has_every_part_in_order():
    roles = (RoleHolder(INCIDENT_MANAGER, "UALICE"), RoleHolder("tech-lead", "UBOB"),
             RoleHolder("tech-lead", "UCAROL"), RoleHolder("communications-manager", "UDAVE"))
    topic = render_topic(snapshot(roles=roles, links={"video": "https://meet.example.com/hot-1"}))
    assert topic == ("HOT-1 | Sev 2 | Fixing | IM: <@UALICE> | Checkout fails | TL: <@UBOB>, <@UCAROL> | "
                     "Comms: <@UDAVE> | video: https://meet.example.com/hot-1")


def test_without_an_im_the_topic_says_unassigned():
    assert render_topic(snapshot(status=PENDING)) == "HOT-1 | Sev 2 | Pending | IM: unassigned | Checkout fails"


def test_a_long_summary_is_shortened_with_an_ellipsis_and_roles_are_kept():
    roles = (RoleHolder(INCIDENT_MANAGER, "UALICE"), RoleHolder("tech-lead", "UBOB"))
    topic = render_topic(snapshot("word " * 100, roles=roles))
    assert len(topic) <= TOPIC_LIMIT
    assert f"{ELLIPSIS}{SEPARATOR}TL: <@UBOB>" in topic


def test_links_appear_only_when_they_fit():
    long_link = "https://docs.example.com/" + "x" * 200
    topic = render_topic(snapshot(links={"doc": long_link, "video": "https://meet.example.com/1"}))
    assert long_link not in topic
    assert topic.endswith("video: https://meet.example.com/1")


def test_many_role_holders_are_left_out_last_first_and_counted():
    tech_leads = tuple(RoleHolder("tech-lead", f"U{n:010d}") for n in range(30))
    topic = render_topic(snapshot("Payments failing", roles=(RoleHolder(INCIDENT_MANAGER, "UALICE"), *tech_leads)))
    assert len(topic) <= TOPIC_LIMIT
    assert topic.startswith("HOT-1 | Sev 2 | Fixing | IM: <@UALICE> | Payments failing | TL: <@U0000000000>")
    shown = topic.count("<@U00")
    assert topic.endswith(f"+{30 - shown} more")


def test_a_mention_in_the_summary_is_never_cut_in_half():
    summary = "x" * 180 + " ask <@UVERYLONGUSERID123> about it and more words after"
    topic = render_topic(snapshot(summary, roles=(RoleHolder(INCIDENT_MANAGER, "UALICE"),)))
    assert len(topic) <= TOPIC_LIMIT
    assert "<@UVERY" not in topic or "<@UVERYLONGUSERID123>" in topic


# --- Properties over long summaries and many role holders ---------------------------

# Generated cheaply (from_regex is slow): role holders are U..., people named in summaries W....
USER_IDS = st.integers(0, 10**11).map(lambda n: f"U{n:09d}")
WORDS = st.text(alphabet=st.characters(blacklist_characters="<>…", blacklist_categories=("Cs",)), max_size=30)
SUMMARY_PIECES = st.one_of(WORDS, st.integers(0, 10**11).map(lambda n: f"<@W{n:09d}>"), st.just(" "), st.just(" | "))
SUMMARIES = st.lists(SUMMARY_PIECES, max_size=40).map(" ".join)
ROLE_NAMES = st.sampled_from([*ROLES, "problem-manager", "a-very-long-configured-role-name-for-scribes"])
LINKS = st.dictionaries(st.sampled_from(["video", "doc", "issue"]),
                        st.integers(0, 160).map(lambda n: "https://meet.example.com/" + "x" * n))


@st.composite
def incidents(draw: st.DrawFn) -> IncidentSnapshot:
    im = draw(st.one_of(st.none(), USER_IDS))
    others = draw(st.lists(st.tuples(ROLE_NAMES.filter(lambda r: r != INCIDENT_MANAGER), USER_IDS), max_size=25))
    roles = ([RoleHolder(INCIDENT_MANAGER, im)] if im else []) + [RoleHolder(r, u) for r, u in others]
    draw(st.randoms()).shuffle(roles)
    return snapshot(
        draw(SUMMARIES), roles=tuple(roles), links=draw(LINKS),
        key=f"{draw(st.sampled_from(['HOT', 'INCIDENTPREFIX']))}-{draw(st.integers(1, 10**6))}",
        severity=draw(st.integers(1, 3)), status=draw(st.sampled_from([PENDING, FIXING, RESOLVED])),
    )


def essentials(incident: IncidentSnapshot) -> str:
    im = incident.incident_manager
    return SEPARATOR.join([incident.key, f"Sev {incident.severity}", incident.status,
                           f"IM: <@{im}>" if im else "IM: unassigned"])


def other_mentions(incident: IncidentSnapshot) -> list[str]:
    return [f"<@{h.user_id}>" for h in incident.roles if h.role != INCIDENT_MANAGER]


@settings(max_examples=300, deadline=None)
@given(incidents())
def test_topic_fits_keeps_key_severity_status_and_im_and_every_mention_whole(incident):
    topic = render_topic(incident)
    assert len(topic) <= TOPIC_LIMIT
    assert topic.startswith(essentials(incident))
    assert render_topic(incident) == topic  # pure: same input, same topic
    for start in (m.start() for m in re.finditer("<@", topic)):
        assert re.match(r"<@[UW][0-9]{9,12}>", topic[start:]), topic


@settings(max_examples=300, deadline=None)
@given(incidents())
def test_summary_shortens_first_then_role_holders_go_and_links_only_fit_last(incident):
    topic = render_topic(incident)
    summary = " ".join(incident.summary.split())
    rest = topic[len(essentials(incident)):]
    holders = len(other_mentions(incident))
    shown = rest.count("<@U")
    complete = ELLIPSIS not in topic and (not summary or rest.startswith(SEPARATOR + summary))
    if ELLIPSIS in topic:
        # Shortened: a prefix of the summary, marked with the ellipsis.
        assert summary.startswith(rest[len(SEPARATOR):rest.index(ELLIPSIS)])
    elif not complete:
        # No room for even a word: the summary is left out, never cut without a mark.
        assert re.match(r"^( \| ([\w -]+: <@|\+\d+ more))", rest), topic
    if shown < holders:
        assert topic.endswith(f"+{holders - shown} more")
    # Holders are left out only when even MIN_SUMMARY characters of summary could not stay beside them.
    all_roles = render_topic(replace(incident, summary="", links={}))
    if "more" not in all_roles and len(all_roles) + len(SEPARATOR) + min(MIN_SUMMARY, len(summary)) <= TOPIC_LIMIT:
        assert shown == holders, topic
    if any(f"{kind}: {url}" in topic for kind, url in incident.links.items()):
        assert complete and shown == holders
