"""`POST /webhooks/pagerduty` (v3): acknowledged, escalated and resolved pages are told in the
incident channel and put on its timeline. Resolving in PagerDuty does not resolve the incident.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from bot.core.alerts import parse_time
from bot.core.paging import incident_key_of, read_webhook, signature_valid
from bot.deps import Deps
from bot.views.slack_text import escape
from storage import effects, events, incidents, timeline

log = logging.getLogger(__name__)


def receive(deps: Deps, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    secrets = deps.settings.pagerduty_webhook_secrets
    if not secrets:
        return 404, "PagerDuty webhooks are off: PAGERDUTY_WEBHOOK_SECRET is not set"
    if not signature_valid(body, headers.get("x-pagerduty-signature"), secrets):
        log.warning("PagerDuty webhook refused: no valid X-PagerDuty-Signature")
        return 401, "invalid signature"
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return 400, "the body is not JSON"
    news = read_webhook(payload)
    if news is None:
        return 200, "ignored: not an event the bot tells"
    now = deps.now()
    delivery = news.event_id or headers.get("x-webhook-id") or ""
    with deps.sessions.begin() as s:
        incident = incidents.get_by_key(s, incident_key_of(news.dedup_key))
        if incident is None:
            # Logged once per page: PagerDuty may send many events about a page we did not send.
            if not events.seen(s, f"pagerduty-unknown:{news.dedup_key}", now):
                log.warning("PagerDuty %s for %r: no such incident here; ignored", news.event_type, news.dedup_key)
            return 200, "ignored: unknown incident"
        line = f"{news.who} {news.what} ({news.dedup_key})"
        inserted = timeline.record_system(
            s, incident.id, line, now=now, occurred_at=parse_time(news.occurred_at) or now, source="webhook",
            dedupe_key=f"pagerduty:{delivery}",
            data={"event": "pagerduty", "event_type": news.event_type, "dedup_key": news.dedup_key,
                  "html_url": news.html_url},
        )
        if inserted:
            # The channel hears it through the effect pipeline: PagerDuty wants its answer in 5 s.
            link = f" <{news.html_url}|PagerDuty>" if news.html_url else ""
            effects.enqueue(s, kind="slack.post", incident_id=incident.id, now=now,
                            ordering_key=effects.channel_key(incident.id),
                            payload={"channel": "incident", "text": f":pager: {escape(line)}{link}"})
    return 200, "recorded" if inserted else "already recorded"
