"""Rails-style form bodies, as Statuspage reads them: `incident[name]=x`,
`incident[component_ids][]=a`, `incident[components][a]=major_outage`.

>>> parse_form("incident[name]=Down&incident[component_ids][]=a&incident[component_ids][]=b"
...            "&incident[components][a]=major_outage&incident[deliver_notifications]=false")
{'incident': {'name': 'Down', 'component_ids': ['a', 'b'], 'components': {'a': 'major_outage'}, 'deliver_notifications': False}}
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_form(text: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)):
        match = _KEY.match(key)
        if not match:
            raise ValueError(f"cannot read the field name {key!r}")
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node: Any = result
        for i, part in enumerate(path):
            last = i == len(path) - 1
            following = None if last else path[i + 1]
            if last:
                typed: Any = {"true": True, "false": False}.get(value, value)
                if part == "":
                    node.append(typed)
                else:
                    node[part] = typed
                break
            child_type: type = list if following == "" else dict
            if part == "":
                raise ValueError(f"cannot nest under [] in {key!r}")
            node = node.setdefault(part, child_type())
            if not isinstance(node, child_type):
                raise ValueError(f"{key!r} mixes a list and an object")
    return result
