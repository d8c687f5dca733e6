"""The postmortem as Markdown: uploaded to the incident channel, or printed by `incident-bot export <key>`."""

from __future__ import annotations

import re
import sys

from bot.core.postmortem import render_markdown
from bot.core.topic import mention
from bot.services import Services
from bot.settings import Settings
from commands.errors import CommandError
from storage import incidents, postmortems


def export(services: Services, incident_id: int, user_id: str) -> None:
    """The document as a Markdown file in the incident channel (names instead of user IDs)."""
    with services.sessions.begin() as s:
        doc = postmortems.document(s, incident_id)
    if doc is None:
        raise CommandError("This incident has no postmortem yet: `/incident postmortem` creates it.")
    people = {doc.postmortem.owner_id, *doc.postmortem.approvers, *(i.actor_id for i in doc.timeline if i.actor_id),
              *re.findall(r"<@([UW][A-Z0-9]+)", " ".join(i.text for i in doc.timeline))}
    names = {}
    for person in people:
        record = services.slack.user(person) or {}
        names[person] = record.get("real_name") or record.get("name") or person
    markdown = render_markdown(doc, names)
    key = doc.incident.key
    if not doc.incident.channel_id:
        raise CommandError(f"{key} has no channel to upload the export to; `incident-bot export {key}` prints it.")
    services.slack.upload_file(doc.incident.channel_id, f"{key}-postmortem.md", markdown.encode("utf-8"),
                               title=f"{key} postmortem", comment=f"{mention(user_id)} exported the postmortem of {key}.")


def export_cli(settings: Settings, key: str) -> int:
    """Prints the postmortem's Markdown (user IDs as @U..., no Slack call); 1 if there is none."""
    from bot.cli import _safe_url
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    try:
        with make_sessions(engine).begin() as s:
            incident = incidents.get_by_key(s, key)
            doc = postmortems.document(s, incident.id) if incident else None
    finally:
        engine.dispose()
    if incident is None:
        print(f"incident-bot: no incident {key} in {_safe_url(settings.database_url)}", file=sys.stderr)
        return 1
    if doc is None:
        print(f"incident-bot: {incident.key} has no postmortem yet (`/incident postmortem` in its channel creates it)",
              file=sys.stderr)
        return 1
    sys.stdout.write(render_markdown(doc))
    return 0
