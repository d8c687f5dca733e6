"""Every callback, block and action ID in one place, so listeners and builders agree."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    DECLARE = "incident_declare"
    UPDATE = "incident_update"
    RESOLVE = "incident_resolve"
    EDIT = "incident_edit"
    POSTMORTEM_EDIT = "postmortem_edit"
    POSTMORTEM_CHANGES = "postmortem_request_changes"
    # INTEGRATIONS.md: the message shortcuts' callback ids (a contract).
    DECLARE_FROM_MESSAGE = "declare_from_message"
    ADD_TO_TIMELINE = "add_to_timeline"
    ADD_TO_TIMELINE_SUBMIT = "add_to_timeline_submit"


class Block(StrEnum):
    SUMMARY = "summary"
    IMPACT = "impact"
    SEVERITY = "severity"
    FAULTY_SERVICE = "faulty_service"
    AFFECTED_PRODUCTS = "affected_products"
    PRIVATE = "private"
    # The update modal: the handbook's five-point checklist and the two bullet lists.
    UPDATE_STATE = "update_state_and_impact"
    UPDATE_CUSTOMER_IMPACT = "update_customer_impact"
    UPDATE_CUSTOMERS_AFFECTED = "update_customers_affected"
    UPDATE_ROOT_CAUSE = "update_root_cause"
    UPDATE_ETA = "update_eta"
    UPDATE_NEXT_AT = "update_next_at"
    UPDATE_NEXT_WHERE = "update_next_where"
    UPDATE_CURRENT_STATUS = "update_current_status"
    UPDATE_NEXT_STEPS = "update_next_steps"
    # The update and resolve modals: "How many support cases have customers opened?"
    SUPPORT_CASES = "support_cases"
    # The resolve modal: a date and a time for each of the handbook's three times.
    IMPACT_STARTED_DATE = "impact_started_date"
    IMPACT_STARTED_TIME = "impact_started_time"
    DETECTED_DATE = "detected_date"
    DETECTED_TIME = "detected_time"
    IMPACT_ENDED_DATE = "impact_ended_date"
    IMPACT_ENDED_TIME = "impact_ended_time"
    RESOLUTION_SUMMARY = "resolution_summary"
    # The external (status page) part of the update and resolve modals.
    EXTERNAL_PUBLISH = "external_publish"
    EXTERNAL_STATUS = "external_status"
    EXTERNAL_MESSAGE = "external_message"
    # Postmortem modals: a field's block is this prefix + its handbook key.
    POSTMORTEM_FIELD_PREFIX = "pm_"
    REVIEW_COMMENT = "review_comment"
    TIMELINE_KIND = "timeline_kind"
    TIMELINE_INCIDENT = "timeline_incident"


class Action(StrEnum):
    VALUE = "value"
    OPEN_UPDATE = "open_update_modal"
    TAKE_IM = "take_incident_manager"
    POSTMORTEM_APPROVE = "postmortem_approve"
    POSTMORTEM_REQUEST_CHANGES = "postmortem_request_changes"
    POSTMORTEM_EDIT_SECTION = "postmortem_edit_section"
    POSTMORTEM_EXPORT = "postmortem_export"
    POSTMORTEM_REQUEST_APPROVAL = "postmortem_request_approval"
    POSTMORTEM_REQUEST_APPROVAL_CONFIRMED = "postmortem_request_approval_confirmed"
    ALERT_DECLARE = "alert_declare"
