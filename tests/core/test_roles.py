"""Role parsing and the decisions on who may do what (pure, no Slack, no database)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.core.authority import Actor
from bot.core.handbook import ROLES
from bot.core.incident import FIXING, INCIDENT_MANAGER, PENDING, IncidentSnapshot, RoleHolder
from bot.core.roles import (
    Person, RoleError, check_person, parse_person, plan_handover, plan_role_change, resolve_role, valid_roles_text,
)

IM, TL, BACKUP = ROLES["incident-manager"], ROLES["tech-lead"], ROLES["backup-im"]


def incident(*roles: tuple[str, str], status: str = FIXING) -> IncidentSnapshot:
    return IncidentSnapshot(key="HOT-1", summary="Checkout fails", severity=2, status=status,
                            declared_at=datetime(2024, 5, 1, tzinfo=timezone.utc), reporter_id="UREPORTER",
                            roles=tuple(RoleHolder(r, u) for r, u in roles))


@pytest.mark.parametrize("text, expected", [("<@U42|alice>", "U42"), ("<@U42>", "U42"), ("me", "UCALLER"),
                                            ("ME", "UCALLER"), ("<@W0ABC>", "W0ABC")])
def test_people_are_named_by_escaped_mention_or_me(text, expected):
    assert parse_person(text, "UCALLER").user_id == expected


@pytest.mark.parametrize("text", ["@alice", "alice", "<#C123|incidents>", "U42", "<@U42"])
def test_anything_else_is_not_a_person(text):
    with pytest.raises(RoleError, match="mention them"):
        parse_person(text, "UCALLER")


def test_none_clears_only_where_allowed():
    assert parse_person("none", "U1", allow_none=True).is_nobody
    with pytest.raises(RoleError):
        parse_person("none", "U1")


def test_unknown_bot_and_deactivated_users_are_refused():
    with pytest.raises(RoleError, match="does not know"):
        check_person("UNOPE", None)
    with pytest.raises(RoleError, match="is a bot"):
        check_person("UBOT", {"is_bot": True})
    with pytest.raises(RoleError, match="deactivated"):
        check_person("UOLD", {"deleted": True})
    check_person("UALICE", {"is_bot": False, "deleted": False})


def test_roles_by_name_alias_and_configured_extras():
    assert resolve_role("im", {}).name == "incident-manager"
    assert resolve_role("TL", {}).name == "tech-lead"
    assert resolve_role("Problem-Manager", {"problem-manager": "Owns the problem record."}).description == \
        "Owns the problem record."
    with pytest.raises(RoleError) as refused:
        resolve_role("scribe", {"problem-manager": "x"})
    assert "`incident-manager` (`im`)" in str(refused.value) and "`problem-manager`" in str(refused.value)
    assert "`backup-im`" in valid_roles_text({})


def test_taking_the_im_role_moves_pending_to_fixing():
    change = plan_role_change(incident(status=PENDING), IM, Person("UALICE"), actor=Actor("UALICE", in_channel=True))
    assert (change.assign, change.relieve, change.status_after) == ("UALICE", (), FIXING)


def test_a_new_im_relieves_the_old_one_but_tech_leads_accumulate():
    snap = incident((INCIDENT_MANAGER, "UALICE"), ("tech-lead", "UBOB"))
    assert plan_role_change(snap, IM, Person("UCAROL"), actor=Actor("UALICE", in_channel=True)).relieve == ("UALICE",)
    assert plan_role_change(snap, TL, Person("UCAROL"), actor=Actor("UALICE", in_channel=True)).relieve == ()


def test_anyone_may_take_a_free_role_but_not_assign_or_take_a_held_one():
    snap = incident((INCIDENT_MANAGER, "UALICE"))
    assert plan_role_change(snap, ROLES["communications-manager"], Person("UBOB"), actor=Actor("UBOB", in_channel=True)).assign == "UBOB"
    with pytest.raises(RoleError, match="Only the incident manager <@UALICE>"):
        plan_role_change(snap, TL, Person("UCAROL"), actor=Actor("UBOB", in_channel=True))
    with pytest.raises(RoleError, match="<@UALICE>"):
        plan_role_change(snap, IM, Person("UBOB"), actor=Actor("UBOB", in_channel=True))
    # Someone outside the channel may not even take a free role.
    with pytest.raises(RoleError, match="Only people in"):
        plan_role_change(snap, TL, Person("UBOB"), actor=Actor("UBOB", in_channel=False))


def test_nobody_makes_themselves_backup_im_the_im_or_the_backup_im_names_one():
    snap = incident((INCIDENT_MANAGER, "UALICE"))
    with pytest.raises(RoleError, match="Only the incident manager <@UALICE> may assign the backup incident manager role"):
        plan_role_change(snap, BACKUP, Person("UBOB"), actor=Actor("UBOB", in_channel=True))
    assert plan_role_change(snap, BACKUP, Person("UBOB"), actor=Actor("UALICE", in_channel=True)).assign == "UBOB"


def test_the_backup_im_steers_too():
    snap = incident((INCIDENT_MANAGER, "UALICE"), ("backup-im", "UBOB"))
    assert plan_role_change(snap, TL, Person("UCAROL"), actor=Actor("UBOB", in_channel=True)).assign == "UCAROL"
    with pytest.raises(RoleError, match="someone other than the IM"):
        plan_role_change(snap, BACKUP, Person("UALICE"), actor=Actor("UALICE", in_channel=True))


def test_clearing_a_role_but_never_the_ims_while_open():
    snap = incident((INCIDENT_MANAGER, "UALICE"), ("tech-lead", "UBOB"), ("tech-lead", "UCAROL"))
    assert plan_role_change(snap, TL, Person(None), actor=Actor("UALICE", in_channel=True)).relieve == ("UBOB", "UCAROL")
    assert plan_role_change(snap, TL, Person(None), actor=Actor("UBOB", in_channel=True)).relieve == ("UBOB",)
    with pytest.raises(RoleError, match="handover"):
        plan_role_change(snap, IM, Person(None), actor=Actor("UALICE", in_channel=True))
    assert plan_role_change(snap, BACKUP, Person(None), actor=Actor("UALICE", in_channel=True)).note


def test_holding_the_role_already_is_a_polite_no_change():
    change = plan_role_change(incident((INCIDENT_MANAGER, "UALICE")), IM, Person("UALICE"), actor=Actor("UALICE", in_channel=True))
    assert not change.changes_anything and change.note == "You are already the incident manager."


def test_handover_needs_an_im_someone_else_and_the_right_person():
    snap = incident((INCIDENT_MANAGER, "UALICE"))
    assert plan_handover(snap, Person("UBOB"), actor=Actor("UALICE", in_channel=True)).relieve == ("UALICE",)
    with pytest.raises(RoleError, match="already the incident manager"):
        plan_handover(snap, Person("UALICE"), actor=Actor("UALICE", in_channel=True))
    with pytest.raises(RoleError, match="<@UALICE>"):
        plan_handover(snap, Person("UCAROL"), actor=Actor("UBOB", in_channel=True))
    with pytest.raises(RoleError, match="Nobody holds"):
        plan_handover(incident(status=PENDING), Person("UBOB"), actor=Actor("UBOB", in_channel=True))
