"""`incident-bot check` for paging and alerts: the routing keys' shape, the REST token
(GET /abilities), each escalation policy's on-call people (GET /oncalls), the webhooks."""

from __future__ import annotations

from bot.settings import Settings, TeamConfig
from bot.vendors.pagerduty import PagerDuty, PagerDutyError

ROUTING_KEY_LENGTH = 32
WHERE_ROUTING_KEY = ("PagerDuty > Services > <service> > Integrations > Events API v2 > Integration Key")
WHERE_TOKEN = "PagerDuty > Integrations > API Access Keys (a read-only key is enough)"


def check_pagerduty(settings: Settings, team: TeamConfig) -> tuple[list[str], list[str]]:
    """(lines to print, problems)."""
    lines: list[str] = []
    problems: list[str] = []
    if not settings.page_severities <= {1, 2, 3}:
        problems.append(f"PAGE_SEVERITIES {sorted(settings.page_severities)}: severities are 1, 2 and 3")
    paged = [s for s in team.services if s.pagerduty_routing_key]
    for service in paged:
        if len(service.pagerduty_routing_key) != ROUTING_KEY_LENGTH:
            problems.append(f"service {service.name}: pagerduty_routing_key has {len(service.pagerduty_routing_key)} "
                            f"characters; an Events API v2 integration key has 32 ({WHERE_ROUTING_KEY})")
        else:
            lines.append(f"PagerDuty: service {service.name} is paged at Sev "
                         f"{', '.join(str(n) for n in sorted(settings.page_severities))} (routing key "
                         f"…{service.pagerduty_routing_key[-4:]})")
    policies = [s for s in team.services if s.pagerduty_escalation_policy]
    if policies and not settings.pagerduty_api_token:
        lines.append("note: services name a pagerduty_escalation_policy but PAGERDUTY_API_TOKEN is not set, so who "
                     f"is on call is not looked up ({WHERE_TOKEN})")
    if settings.pagerduty_api_token:
        client = PagerDuty(events_url=settings.pagerduty_events_url, api_url=settings.pagerduty_api_url,
                           api_token=settings.pagerduty_api_token, timeout=10)
        try:
            client.abilities()
            lines.append(f"PagerDuty REST API: ok ({settings.pagerduty_api_url})")
        except PagerDutyError as exc:
            hint = {401: f"PAGERDUTY_API_TOKEN was refused: create or copy one at {WHERE_TOKEN}",
                    403: "PAGERDUTY_API_TOKEN may not read on-call schedules (needs oncalls.read and users.read)"}
            problems.append(hint.get(exc.status or 0) or f"PagerDuty could not be checked: {exc} "
                                                          "(is PAGERDUTY_API_URL right?)")
            return lines, problems
        for service in policies:
            try:
                people = client.on_call(service.pagerduty_escalation_policy)
            except PagerDutyError as exc:
                problems.append(f"service {service.name}: escalation policy {service.pagerduty_escalation_policy}: "
                                f"{exc.error}")
                continue
            if people:
                lines.append(f"  service {service.name}: on call now " + ", ".join(
                    f"{p.name} <{p.email or 'no email'}> (level {p.escalation_level})" for p in people))
            else:
                lines.append(f"  note: service {service.name}: nobody is on call for escalation policy "
                             f"{service.pagerduty_escalation_policy} (is the id right? PagerDuty > People > "
                             "Escalation Policies, the id is in the address)")
    if settings.pagerduty_webhook_secrets:
        lines.append("PagerDuty webhooks: POST /webhooks/pagerduty is served (v3 signatures, "
                     f"{len(settings.pagerduty_webhook_secrets)} secret(s))")
    if settings.alertmanager_webhook_token:
        lines.append("Alertmanager: POST /webhooks/alertmanager is served (bearer token)")
        if not settings.incidents_channel:
            problems.append("ALERTMANAGER_WEBHOOK_TOKEN is set but INCIDENTS_CHANNEL is not: alert cards go there")
    return lines, problems
