"""INSERT ... ON CONFLICT, written once per table and reused.

Racing replicas and redelivered events make "insert unless it exists" the commonest write
on the hot paths (a timeline entry, a processed event, a remembered message, an effect).
SQLAlchemy's dialect `insert().on_conflict_*()` constructs are never cached
(`inherit_cache = False`), so each call builds and compiles its statement again: about a
third of the bot's CPU per reaction event (measured with bench/timeline_ingest.py). The
statement here is built once per (database, table, columns, conflict) as a typed text
statement, which SQLAlchemy's compiled cache keeps; only the values change per call.

PostgreSQL and SQLite (3.24+, RETURNING 3.35+) spell ON CONFLICT the same way, and the
bind parameters carry each column's type, so datetimes and JSON are stored exactly as the
ORM stores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


def insert_new(s: Session, table: Table, values: Mapping[str, Any], *, key: Sequence[str] = (),
               returning: str | None = None) -> Any:
    """Inserts the row unless one with the same `key` (a unique index; empty: any unique
    constraint) exists. With `returning`, that column of the new row, or None when nothing
    was inserted."""
    statement = _statement(s.get_bind().dialect, table, tuple(values), tuple(key), (), returning)
    result = s.execute(statement, dict(values))
    return result.scalar() if returning else None


def insert_new_rows(s: Session, table: Table, rows: Iterable[Mapping[str, Any]], *, key: Sequence[str] = ()) -> None:
    """`insert_new` for several rows with the same columns (one executemany)."""
    rows = [dict(r) for r in rows]
    if rows:
        s.execute(_statement(s.get_bind().dialect, table, tuple(rows[0]), tuple(key), (), None), rows)


def upsert(s: Session, table: Table, values: Mapping[str, Any], *, key: Sequence[str], refresh: Sequence[str]) -> None:
    """Inserts the row, or when one with the same `key` exists, sets its `refresh` columns to
    the new values (one statement: safe when two writers race)."""
    s.execute(_statement(s.get_bind().dialect, table, tuple(values), tuple(key), tuple(refresh), None), dict(values))


def _statement(dialect: Dialect, table: Table, columns: tuple[str, ...], key: tuple[str, ...],
               refresh: tuple[str, ...], returning: str | None) -> TextClause:
    # Keyed by the database's name, not its engine: tests and benches make many engines.
    return _build(dialect.name, table, columns, key, refresh, returning)


# How each supported database quotes a name (both quote reserved words such as "key").
_DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


@cache
def _build(database: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...],
           refresh: tuple[str, ...], returning: str | None) -> TextClause:
    quote = _DIALECTS[database].identifier_preparer.quote
    target = f" ({', '.join(quote(k) for k in key)})" if key else ""
    if refresh:
        action = "UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in refresh)
    else:
        action = "NOTHING"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(f':{c}' for c in columns)}) ON CONFLICT{target} DO {action}")
    if returning:
        sql += f" RETURNING {quote(returning)}"
    statement = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return statement.columns(table.c[returning]) if returning else statement  # type: ignore[return-value]
