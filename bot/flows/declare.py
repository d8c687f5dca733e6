"""Declaring an incident: the row, its first timeline entry, where it came from (an alert, a
message), and its Slack set-up and page as effects, in one transaction that commits before the
declare modal closes (once the reporter sees it accepted, it exists)."""

from __future__ import annotations

from bot.core.declaration import Declaration
from bot.core.incident import channel_name
from bot.deps import Deps
from bot.effects import declaration as declaration_effects
from bot.flows import declare_sources
from bot.views.slack_text import mention
from storage import db, incidents, pages, timeline


def declare(deps: Deps, declaration: Declaration, *, reporter: str, source: declare_sources.Source,
            permalink: str | None) -> int:
    """Returns the new incident's id."""
    settings, team, now = deps.settings, deps.team, deps.now()
    # before_ack: this transaction goes ahead of set-up steps queued for SQLite's writer.
    with db.before_ack(), deps.sessions.begin() as s:
        incident = incidents.create(
            s, declaration=declaration, prefix=settings.incident_key_prefix, reporter_id=reporter,
            origin_channel_id=source.origin_channel_id, now=now,
            initial_comms_due=now + settings.initial_comms_deadline,
        )
        if settings.video_url_template:
            incidents.set_video_url(incident, settings.video_url_template.format(
                channel=channel_name(settings.incident_key_prefix, incident.number), key=incident.key))
        timeline.record_system(
            s, incident.id,
            f"{incident.key} declared by {mention(reporter)} as Sev "
            f"{incident.severity}: {incident.summary}",
            now=now, actor_id=reporter, data={"event": "declared"},
        )
        declare_sources.attach(s, incident.id, source, permalink=permalink, now=now)
        # The Slack side (channel, invite, topic, pin, announcement, the alert card...) leaves
        # as effects, delivered right after this commit.
        declaration_effects.plan(s, incident_id=incident.id, reporter_id=reporter, now=now,
                                 then=declare_sources.after_channel(source))
        # A paged severity with a faulty service that has a routing key pages its on-call (queued after
        # the channel, so the page can link to it).
        pages.page_faulty_service(s, incident=incident, team=team, settings=settings, old_severity=None,
                                  by=reporter, now=now)
        return incident.id
