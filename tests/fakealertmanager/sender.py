"""Builds Alertmanager webhook notifications (version 4) the way Alertmanager does
(REFERENCE.md): group key `<route key>:<group labels>`, label sets printed sorted and
quoted, fingerprints FNV-1a 64 over sorted label names and values, firing alerts' endsAt
the zero time, and the receiver's bearer token."""

from __future__ import annotations

import json
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"
FNV_OFFSET, FNV_PRIME = 14695981039346656037, 1099511628211


def label_set(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())) + "}"


def fingerprint(labels: dict[str, str]) -> str:
    digest = FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8") + b"\xff":
                digest = ((digest ^ byte) * FNV_PRIME) % (1 << 64)
    return f"{digest:016x}"


def notification(*, labels: dict[str, str], annotations: dict[str, str], status: str = "firing",
                 group_by: tuple[str, ...] = ("alertname", "service"), route: str = '{}/{team="payments"}',
                 starts_at: str = "2026-01-05T09:50:00.000Z", ends_at: str | None = None) -> dict[str, Any]:
    group_labels = {k: labels[k] for k in group_by if k in labels}
    alert = {"status": status, "labels": labels, "annotations": annotations, "startsAt": starts_at,
             "endsAt": ends_at if status == "resolved" and ends_at else ZERO_TIME,
             "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=up", "fingerprint": fingerprint(labels)}
    return {"version": "4", "groupKey": f"{route}:{label_set(group_labels)}", "truncatedAlerts": 0, "status": status,
            "receiver": "incident-bot", "groupLabels": group_labels, "commonLabels": labels,
            "commonAnnotations": annotations, "externalURL": "http://alertmanager.example.com:9093",
            "alerts": [alert]}


def request(payload: dict[str, Any], token: str | None) -> tuple[bytes, dict[str, str]]:
    headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.28.1"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return json.dumps(payload).encode("utf-8"), headers
