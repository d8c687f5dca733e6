"""Every callback, block and action ID in one place, so listeners and builders agree."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    DECLARE = "incident_declare"
    UPDATE = "incident_update"
    RESOLVE = "incident_resolve"
    POSTMORTEM_EDIT = "postmortem_edit"


class Block(StrEnum):
    SUMMARY = "summary"
    IMPACT = "impact"
    SEVERITY = "severity"
    FAULTY_SERVICE = "faulty_service"
    AFFECTED_PRODUCTS = "affected_products"
    PRIVATE = "private"


class Action(StrEnum):
    VALUE = "value"
    OPEN_UPDATE = "open_update_modal"
    TAKE_IM = "take_incident_manager"
