"""DESIGN.md's "Who may do what" table, row by row, as the one pure function answers it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.core.authority import STEERING, Act, Actor, NotAllowed, PostmortemPeople, may, require
from bot.core.incident import BACKUP_IM, FIXING, INCIDENT_MANAGER, PENDING, IncidentSnapshot, RoleHolder

IN, OUT = True, False


def incident(*roles: tuple[str, str], private: bool = False, status: str = FIXING) -> IncidentSnapshot:
    return IncidentSnapshot(key="HOT-1", summary="Checkout fails", severity=2, status=status,
                            declared_at=datetime(2024, 5, 1, tzinfo=timezone.utc), reporter_id="UREPORTER",
                            private=private, channel_id="C1", roles=tuple(RoleHolder(r, u) for r, u in roles))


def who(user: str, in_channel: bool = IN) -> Actor:
    return Actor(user, in_channel=in_channel)


LED = incident((INCIDENT_MANAGER, "UIM"), (BACKUP_IM, "UBACKUP"), ("communications-manager", "UCOMMS"),
               ("internal-comms", "UINTERNAL"))


@pytest.mark.parametrize("act", [Act.DECLARE, Act.LIST, Act.STATS, Act.HELP])
def test_declare_list_stats_help_are_for_everyone(act):
    assert may(who("UANYONE", OUT), act, None)


@pytest.mark.parametrize("act", [Act.NOTE, Act.TIMELINE, Act.STATUS, Act.TIMELINE_EMOJI])
def test_seeing_a_public_incident_is_for_everyone_a_private_one_for_its_members(act):
    assert may(who("UANYONE", OUT), act, LED)
    private = incident((INCIDENT_MANAGER, "UIM"), private=True)
    assert may(who("UMEMBER", IN), act, private)
    refused = may(who("UOUTSIDER", OUT), act, private)
    assert not refused and refused.reason.startswith("HOT-1 is a private incident: only members of <#C1> may")


@pytest.mark.parametrize("act", sorted(STEERING))
def test_steering_is_the_im_or_the_backup_im_and_the_refusal_names_them(act):
    assert may(who("UIM"), act, LED) and may(who("UBACKUP"), act, LED)
    for plain in ("UCOMMS", "UREPORTER", "UANYONE"):
        refused = may(who(plain), act, LED)
        assert not refused
        assert refused.reason.startswith("Only the incident manager <@UIM> or the backup IM <@UBACKUP> may ")


@pytest.mark.parametrize("act", sorted(STEERING))
def test_while_no_one_is_im_anyone_in_the_channel_steers_but_not_outsiders(act):
    pending = incident(status=PENDING)
    assert may(who("UANYONE", IN), act, pending)
    refused = may(who("UANYONE", OUT), act, pending)
    assert not refused and "Only people in <#C1>" in refused.reason


def test_a_free_role_for_oneself_is_for_anyone_in_the_channel():
    assert may(who("UANYONE", IN), Act.TAKE_ROLE, LED)
    assert not may(who("UANYONE", OUT), Act.TAKE_ROLE, LED)


def test_updates_are_for_the_im_the_backup_comms_and_internal_comms():
    for writer in ("UIM", "UBACKUP", "UCOMMS", "UINTERNAL"):
        assert may(who(writer), Act.UPDATE, LED)
    refused = may(who("UTL"), Act.UPDATE, LED)
    assert refused.reason == ("Only the incident manager <@UIM>, the backup IM <@UBACKUP>, the communications "
                              "manager <@UCOMMS> or the internal communications manager <@UINTERNAL> may post "
                              "an update for HOT-1.")
    assert may(who("UANYONE", IN), Act.UPDATE, incident(status=PENDING))
    assert not may(who("UANYONE", OUT), Act.UPDATE, incident(status=PENDING))


def test_a_nag_button_works_only_for_whoever_holds_its_role_now():
    handed_over = incident((INCIDENT_MANAGER, "UNEW"))
    refused = may(who("UOLD"), Act.UPDATE_FROM_NAG, handed_over, nag_role=INCIDENT_MANAGER)
    assert not refused and "which is now <@UNEW>" in refused.reason
    assert may(who("UNEW"), Act.UPDATE_FROM_NAG, handed_over, nag_role=INCIDENT_MANAGER)
    # While nobody is IM the reporter gets the IM's reminders and may use them; nobody else.
    assert may(who("UREPORTER"), Act.UPDATE_FROM_NAG, incident(status=PENDING), nag_role=INCIDENT_MANAGER)
    assert not may(who("UANYONE"), Act.UPDATE_FROM_NAG, incident(status=PENDING), nag_role=INCIDENT_MANAGER)


PM = PostmortemPeople(owner_id="UOWNER", approvers=("UAPPROVER", "UCONFIGURED"), configured_approvers=("UCONFIGURED",))


@pytest.mark.parametrize("act", [Act.POSTMORTEM_EDIT, Act.POSTMORTEM_OWNER])
def test_postmortem_edit_and_owner_are_for_the_owner_the_im_and_an_approver(act):
    for person in ("UOWNER", "UIM", "UAPPROVER", "UCONFIGURED"):
        assert may(who(person), act, LED, postmortem=PM)
    refused = may(who("UBACKUP"), act, LED, postmortem=PM)
    assert refused.reason.startswith("Only the postmortem owner <@UOWNER>, the incident manager <@UIM> or an "
                                     "approver (<@UAPPROVER> and <@UCONFIGURED>) may ")


def test_approvers_are_added_by_the_owner_or_im_and_configured_ones_stay():
    assert may(who("UOWNER"), Act.POSTMORTEM_APPROVERS_ADD, LED, postmortem=PM)
    assert may(who("UIM"), Act.POSTMORTEM_APPROVERS_ADD, LED, postmortem=PM)
    assert not may(who("UAPPROVER"), Act.POSTMORTEM_APPROVERS_ADD, LED, postmortem=PM)
    assert may(who("UOWNER"), Act.POSTMORTEM_APPROVERS_REMOVE, LED, postmortem=PM, removing=("UAPPROVER",))
    kept = may(who("UOWNER"), Act.POSTMORTEM_APPROVERS_REMOVE, LED, postmortem=PM, removing=("UCONFIGURED",))
    assert not kept and "<@UCONFIGURED> is a configured approver" in kept.reason


def test_only_a_named_approver_who_is_not_the_owner_decides():
    assert may(who("UAPPROVER"), Act.POSTMORTEM_REVIEW, LED, postmortem=PM)
    owner_approver = PostmortemPeople(owner_id="UAPPROVER", approvers=("UAPPROVER", "UOTHER"))
    refused = may(who("UAPPROVER"), Act.POSTMORTEM_REVIEW, LED, postmortem=owner_approver)
    assert not refused and refused.reason.startswith("You own the HOT-1 postmortem") and "<@UOTHER>" in refused.reason
    assert not may(who("UIM"), Act.POSTMORTEM_REVIEW, LED, postmortem=PM)


def test_an_action_is_closed_by_its_owner_the_postmortem_owner_or_the_im():
    for person in ("UDOER", "UOWNER", "UIM"):
        assert may(who(person), Act.CLOSE_ACTION, LED, postmortem=PM, action_owner="UDOER")
    refused = may(who("UBACKUP"), Act.CLOSE_ACTION, LED, postmortem=PM, action_owner="UDOER")
    assert refused.reason == ("Only the action's owner <@UDOER>, the postmortem owner <@UOWNER> or the incident "
                              "manager <@UIM> may close actions of HOT-1.")


def test_require_raises_the_refusal():
    with pytest.raises(NotAllowed, match="Only the incident manager <@UIM>"):
        require(who("UANYONE"), Act.RESOLVE, LED)
