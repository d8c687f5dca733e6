"""The postmortem as Markdown: uploaded to the incident channel, or printed by `incident-bot export <key>`."""

from __future__ import annotations

import sys

from bot.core.postmortem_text import people_in, render_markdown, role_names
from bot.effects import outbox
from bot.deps import Deps
from bot.settings import Settings
from bot.slack_edge import Slack, make_web_client
from bot.errors import CommandError
from bot.views.slack_text import mention
from storage import incidents, postmortems


def export(deps: Deps, incident_id: int, user_id: str) -> None:
    """The document as a Markdown file in the incident channel. Blameless: people are named by
    the role they played (`@incident-manager`); `incident-bot export <key> --names` has names."""
    with deps.sessions.begin() as s:
        doc = postmortems.document(s, incident_id)
        if doc is None:
            raise CommandError("This incident has no postmortem yet: `/incident postmortem` creates it.")
        key = doc.incident.key
        if not doc.incident.channel_id:
            raise CommandError(f"{key} has no channel to upload the export to; `incident-bot export {key}` prints it.")
        # Rendered from the database when it is delivered (bot/effects/uploads.py: "postmortem").
        outbox.upload(s, incident_id, render="postmortem", filename=f"{key}-postmortem.md", title=f"{key} postmortem",
                      comment=f"{mention(user_id)} exported the postmortem of {key}.", now=deps.now(),
                      tell=user_id, what=f"The postmortem export of {key}")


def slack_names(slack: Slack, people: set[str]) -> dict[str, str]:
    """user ID -> the name Slack shows (real name, else handle, else the ID)."""
    names = {}
    for person in people:
        record = slack.user(person) or {}
        names[person] = record.get("real_name") or record.get("name") or person
    return names


def export_cli(settings: Settings, key: str, *, names: bool = False) -> int:
    """Prints the postmortem's Markdown, people by role (no Slack call); with `names`, by the
    names Slack has for them (`users.info` with the bot token). 1 if there is none."""
    from bot.startup import safe_url
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    try:
        with make_sessions(engine).begin() as s:
            incident = incidents.get_by_key(s, key)
            doc = postmortems.document(s, incident.id) if incident else None
    finally:
        engine.dispose()
    if incident is None:
        print(f"incident-bot: no incident {key} in {safe_url(settings.database_url)}", file=sys.stderr)
        return 1
    if doc is None:
        print(f"incident-bot: {incident.key} has no postmortem yet (`/incident postmortem` in its channel creates it)",
              file=sys.stderr)
        return 1
    if names:
        slack = Slack(make_web_client(settings.slack_bot_token, settings.slack_api_url))
        sys.stdout.write(render_markdown(doc, slack_names(slack, people_in(doc))))
    else:
        sys.stdout.write(render_markdown(doc, role_names(doc)))
    return 0
