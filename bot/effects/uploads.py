"""Files shared into an incident channel, as two effects.

`slack.upload` renders the file from the database when it is delivered (a renderer named in
its payload: no file content is stored in the effects table), asks Slack for an upload URL
and sends the bytes. Nothing is visible yet; its recorder enqueues `slack.share_file` with the
file's ID, which completes the upload into the channel (the message people see). A retry of
the share whose first try may have landed looks for a message carrying that file ID in the
channel's history: one file message, whatever crashes. A crash before the bytes are recorded
leaves an unshared upload nobody sees; the retry renders and uploads again.

Renderers: `@renderer(name)` `fn(deps, effect) -> (markdown, comment or None)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core import timeline as timeline_core
from bot.core.postmortem_text import render_markdown as postmortem_markdown
from bot.core.postmortem_text import role_names
from bot.effects.errors import Skip, VendorError
from bot.effects.registry import deliverer
from bot.effects.slack_messages import INCIDENT_CHANNEL, target_channel
from bot.views import timeline as timeline_views
from bot.views.slack_text import USER_MENTION
from storage import Session, effects, incidents, postmortems, timeline
from storage.effects import PendingEffect

if TYPE_CHECKING:
    from bot.deps import Deps

UPLOAD, SHARE = "slack.upload", "slack.share_file"

Render = Callable[["Deps", PendingEffect], "tuple[str, str | None]"]
_renderers: dict[str, Render] = {}


def renderer(name: str) -> Callable[[Render], Render]:
    def register(fn: Render) -> Render:
        _renderers[name] = fn
        return fn
    return register


@deliverer(UPLOAD)
def upload(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    # The incident's channel (an archived one stops it here, told in plain words).
    channel = target_channel(effect, deps, INCIDENT_CHANNEL)
    content, comment = _renderers[p["render"]](deps, effect)
    data = content.encode("utf-8")
    target = deps.slack.call("files.getUploadURLExternal", filename=p["filename"], length=len(data))
    deps.slack.send_upload(target["upload_url"], data)
    return {"file_id": target["file_id"], "channel": channel, "comment": comment if comment is not None
            else p.get("comment")}


@upload.recorder
def _uploaded(s: Session, effect: PendingEffect, result: dict[str, Any], now: datetime) -> None:
    p = effect.payload
    effects.enqueue(s, kind=SHARE, incident_id=effect.incident_id, now=now, tell=effect.tell,
                    ordering_key=effects.channel_key(effect.incident_id) if effect.incident_id else None,
                    payload={"file_id": result["file_id"], "channel": result["channel"], "title": p["title"],
                             "comment": result.get("comment"), "what": p.get("what")})


@deliverer(SHARE)
def share(effect: PendingEffect, deps: Deps) -> dict[str, Any]:
    p = effect.payload
    if effect.may_have_landed:
        found = deps.slack.find_file_message(p["channel"], p["file_id"])
        if found is not None:
            return {"channel": p["channel"], "ts": found["ts"], "file_id": p["file_id"], "found_in_history": True}
    deps.slack.call("files.completeUploadExternal", files=[{"id": p["file_id"], "title": p["title"]}],
                        channel_id=p["channel"], initial_comment=p.get("comment"))
    return {"channel": p["channel"], "file_id": p["file_id"]}


@upload.explainer
@share.explainer
def _not_shared(effect: PendingEffect, error: VendorError) -> str:
    what = effect.payload.get("what") or "The file"
    if error.error == "is_archived":
        return (f":warning: {what} did not reach the incident channel: it is archived. Unarchive the channel and "
                "ask again.")
    return f":warning: {what} did not reach Slack: Slack: {error.error}."


# -- what is rendered ---------------------------------------------------------------------

@renderer("postmortem")
def _postmortem(deps: Deps, effect: PendingEffect) -> tuple[str, str | None]:
    """Blameless: people named by the role they played (`incident-bot export <key> --names`
    prints names)."""
    assert effect.incident_id is not None
    with deps.sessions() as s:
        doc = postmortems.document(s, effect.incident_id)
    if doc is None:
        raise Skip("the incident has no postmortem")
    return postmortem_markdown(doc, role_names(doc)), None



@renderer("timeline")
def _timeline(deps: Deps, effect: PendingEffect) -> tuple[str, str | None]:
    """The whole timeline as Markdown, as it is now. The file is a document, not mrkdwn (Slack
    pings nobody from a file): it keeps the text raw, people by their display names."""
    assert effect.incident_id is not None
    with deps.sessions() as s:
        incident = incidents.get(s, effect.incident_id)
        key, summary = incident.key, incident.summary
        items = [timeline_core.TimelineItem(occurred_at=e.occurred_at, kind=e.kind, text=e.text, actor_id=e.actor_id,
                                            permalink=e.permalink, edited=e.edited_at is not None)
                 for e in timeline.entries(s, effect.incident_id)]
    ids = {i.actor_id for i in items if i.actor_id} | {m for i in items for m in USER_MENTION.findall(i.text)}
    names = {}
    for user_id in ids:
        user = deps.slack.user(user_id) or {}
        profile = user.get("profile") or {}
        names[user_id] = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    document = timeline_core.render_markdown(key, summary, items, names, now=deps.now())
    asked_by = effect.payload.get("args", {}).get("asked_by")
    return document, timeline_views.file_comment(key, len(items), asked_by) if asked_by else None
