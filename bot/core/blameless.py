"""A blameless export names people by the role they played, not by name.

The handbook's postmortems are blameless: the document says what the incident manager or a
tech lead did, so readers look at the system, not at a person. `incident-bot export --names`
is there for the team's own records.

>>> people_by_role([("incident-manager", "U1"), ("tech-lead", "U2"), ("tech-lead", "U3")],
...                reporter="U9", owner="U1", approvers=("U7",), others=("U4",))["U3"]
'tech-lead-2'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def people_by_role(assignments: Sequence[tuple[str, str]], *, reporter: str, owner: str,
                   approvers: Iterable[str] = (), others: Iterable[str] = ()) -> dict[str, str]:
    """user ID -> `incident-manager`, `tech-lead-2`, `reporter`, `approver`, `responder-1`, ...

    Each person gets the first role they held (assignments in the order they were made),
    else reporter, postmortem owner, approver, responder. A label shared by several people
    is numbered in order of appearance; a label held by one person is not."""
    first: dict[str, str] = {}
    order: list[tuple[str, str]] = [*assignments, ("reporter", reporter), ("postmortem-owner", owner),
                                    *(("approver", a) for a in approvers), *(("responder", o) for o in others)]
    for label, user_id in order:
        first.setdefault(user_id, label)
    by_label: dict[str, list[str]] = {}
    for user_id, label in first.items():
        by_label.setdefault(label, []).append(user_id)
    named: dict[str, str] = {}
    for label, people in by_label.items():
        for n, user_id in enumerate(people, start=1):
            named[user_id] = label if len(people) == 1 else f"{label}-{n}"
    return named
