"""The layers of DESIGN.md, read from the imports (every import, also those inside functions):

    commands/ (listeners) -> bot/flows/ (multi-step work) -> storage/ (the only DB code), bot/effects/ (outbox)
                                                          -> bot/core/ (pure), bot/views/ (Slack text and blocks)

- listeners and flows never touch SQLAlchemy or the models: every read and write goes through a
  `storage` function (the transaction handle they pass along is `storage.Session`);
- nothing below the listeners imports them (only bot/app.py registers them);
- no module imports itself back through others (no import cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "commands", "storage")
# What only storage/ may import (with migrations/, the database edge).
DATABASE = ("sqlalchemy", "storage.models")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported name) of every import; `from a import b` yields `a.b` (b may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def offenders(prefixes: tuple[str, ...], forbidden: tuple[str, ...], *, allowed_files: tuple[str, ...] = (),
              root: Path = ROOT) -> list[str]:
    found = []
    for name, path in modules(root).items():
        if not (name in prefixes or name.startswith(tuple(p + "." for p in prefixes))) or name in allowed_files:
            continue
        for line, imported in imports(path):
            if any(imported == f or imported.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root)}:{line}: {imported}")
    return found


def test_listeners_and_flows_leave_the_database_to_storage():
    assert offenders(("commands", "bot.flows"), DATABASE) == []


def test_only_storage_touches_the_database():
    """Effects, webhooks, jobs, the server: the database only through storage functions. The
    exceptions are the wiring (Deps holds the sessionmaker) and the start-up check, which
    reaches the database before anything else is built."""
    assert offenders(("bot",), DATABASE, allowed_files=("bot.deps", "bot.startup")) == []


# Where rows pass through: listeners, flows, webhooks, jobs. (The effect worker's own objects, its
# lanes and the errors it annotates, are not rows; deliverers write through their recorders.)
WRITERS_OUTSIDE_STORAGE = ("commands", "bot.flows", "bot.webhooks", "bot.scheduler")


def row_writes(root: Path = ROOT, prefixes: tuple[str, ...] = WRITERS_OUTSIDE_STORAGE) -> list[str]:
    """`thing.attribute = ...` (or `+=`) in a listener, a flow, a webhook or a job,
    on anything but `self`/`ctx`: a row changed behind storage's back. Storage functions make the
    change (one writer per column)."""
    found = []
    for name, path in modules(root).items():
        if not name.startswith(tuple(p + "." for p in prefixes)):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in _unpacked(targets):
                while isinstance(target, ast.Subscript):  # row.fields[key] = ... changes the row too
                    target = target.value
                if isinstance(target, ast.Attribute) and _base(target) not in OWN_OBJECTS:
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(target)}")
    return found


# A listener may set its own attributes and its CommandContext's (`ctx.incident_id`): not rows.
OWN_OBJECTS = ("self", "ctx")


def _unpacked(targets: list[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _unpacked(list(target.elts))
        elif isinstance(target, ast.Starred):
            yield from _unpacked([target.value])
        else:
            yield target


def _base(node: ast.expr) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def test_rows_change_only_through_storage():
    assert row_writes() == []


def test_the_row_write_check_sees_one(tmp_path):
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "sneaky.py").write_text(
        "def f(incident, self, errors):\n    incident.status = 'resolved'\n    self.ok = 1\n    a, incident.x = 1, 2\n"
        "    incident.fields['why'] = 'x'\n    errors[Block.SUMMARY] = 'bad'\n")
    assert row_writes(tmp_path) == ["commands/sneaky.py:2: incident.status", "commands/sneaky.py:4: incident.x",
                                    "commands/sneaky.py:5: incident.fields"]


def test_only_the_app_registers_the_listeners():
    """bot/cli.py, the effect deliverers and the flows run without the listeners."""
    assert offenders(("bot", "storage"), ("commands",), allowed_files=("bot.app",)) == []


def test_the_core_and_the_views_reach_no_edge():
    edges = ("commands", "storage", "bot.flows", "bot.effects", "bot.cli", "bot.app", "bot.deps", "sqlalchemy")
    assert offenders(("bot.core", "bot.views"), edges) == []


def test_storage_knows_nothing_of_slack_or_the_listeners():
    assert offenders(("storage",), ("commands", "bot.flows", "bot.slack_edge", "slack_sdk", "slack_bolt")) == []


def graph() -> dict[str, set[str]]:
    known = modules()

    def module_of(imported: str) -> str | None:
        while imported and imported not in known:
            imported = imported.rpartition(".")[0]
        return imported or None

    edges = {}
    for name, path in known.items():
        targets = {module_of(imported) for _, imported in imports(path)}
        edges[name] = {t for t in targets if t and t != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"bot.cli": {"commands.x"}, "commands.x": {"bot.cli"}}) == [["bot.cli", "commands.x"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_checks_see_a_forbidden_import_even_inside_a_function(tmp_path):
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "sneaky.py").write_text(
        "from storage import incidents\n\n\ndef f():\n    from sqlalchemy import select\n    import storage.models\n")
    assert offenders(("commands",), DATABASE, root=tmp_path) == [
        "commands/sneaky.py:5: sqlalchemy.select", "commands/sneaky.py:6: storage.models"]


def test_system_entries_are_written_by_record_system_only():
    """The timeline's system entries have one writer (storage.timeline.record_system): kind "system",
    recorded now, the actor and the event's data, whatever wrote them."""
    found = []
    for name, path in modules().items():
        if name.startswith("storage"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(
                    k.arg == "kind" and isinstance(k.value, ast.Constant) and k.value.value == "system"
                    for k in node.keywords):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_slack_syntax_is_written_in_one_module():
    """Mentions (`<@U1>`) and date tokens (`<!date^...>`) come from bot/views/slack_text.py;
    a copy elsewhere drifts (a different fallback, a regex that misses `<@W...>`)."""
    found = []
    for name, path in modules().items():
        if name == "bot.views.slack_text":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                parts = node.values
                for before, after in zip(parts, parts[1:]):
                    if (isinstance(before, ast.Constant) and str(before.value).endswith(("<@", "<!date^"))
                            and isinstance(after, ast.FormattedValue)):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:60]}")
            elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("re.compile", "re.match", "re.search") \
                    and node.args and isinstance(node.args[0], ast.Constant) and "<@" in str(node.args[0].value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: a mention regex")
    assert found == []
