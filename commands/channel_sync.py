"""Keeps the incident channel true: its topic and its pinned info message follow the database."""

from __future__ import annotations

import logging

from bot.core.topic import render_topic
from bot.services import Services
from bot.views.declare import info_message
from bot.views.slack_text import inert_incident
from storage import incidents

log = logging.getLogger(__name__)


def sync_topic(services: Services, incident_id: int) -> str:
    """Re-renders the topic from the database and sets it; returns the topic."""
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        snap = incidents.snapshot(incident)
    # The topic is mrkdwn too: a typed summary must not become a link or a ping.
    topic = render_topic(inert_incident(snap))
    if snap.channel_id:
        services.slack.set_topic(snap.channel_id, topic)
    return topic


def sync_info_message(services: Services, incident_id: int) -> None:
    """Edits the pinned info message so it shows the current roles, status and links."""
    with services.sessions.begin() as s:
        incident = incidents.get(s, incident_id)
        snap = incidents.snapshot(incident)
        ts = incident.info_message_ts
    if snap.channel_id and ts:
        text, blocks = info_message(snap)
        services.slack.update_message(snap.channel_id, ts, text, blocks=blocks)


def sync_channel(services: Services, incident_id: int) -> None:
    sync_topic(services, incident_id)
    sync_info_message(services, incident_id)
