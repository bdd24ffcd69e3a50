"""Statements handed to the driver, compiled once for the dialect: ingest's writer runs a
dozen small statements a document, and SQLAlchemy's building, cache-keying and binding of
each cost more than the database's own work (issue 18: two thirds of the writer's time).

``run`` takes SQL both engines run with ``:name`` parameters (``IN :names`` filled from a
tuple, list or set, as a ``Reader`` does); ``insert_rows`` inserts dicts into a mapped
table, each value made as the column's type makes it (a date, a boolean, JSON) and a
column's default filled in, so that a row is stored exactly as an ORM insert stores it.
Both go through the connection's ``exec_driver_sql``: the transaction, the savepoints and
the error translation of the connection stay as they are. Rows come back as the driver
gives them (a SQLite date is its ISO text, a boolean 0 or 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect, bindparam, insert, text
from sqlalchemy.orm import DeclarativeBase

from mealink.store.engine.reader import expand

__all__ = ["insert_rows", "run"]

#: statements kept compiled, per dialect (an ``IN`` list of another length is another one)
_KEPT = 512


@lru_cache(maxsize=_KEPT)
def _compiled(dialect: Dialect, sql: str) -> tuple[str, tuple[str, ...] | None]:
    """``sql`` as the driver takes it, and the order of its positional parameters (None
    when the driver takes them by name)."""
    compiled = text(sql).compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None


def _bound(order: tuple[str, ...] | None, values: Mapping[str, Any]) -> Any:
    return values if order is None else tuple(values[name] for name in order)


def run(conn: Connection, sql: str, params: Mapping[str, Any] | None = None
        ) -> CursorResult[Any]:
    """Run ``sql`` (``:name`` parameters) on ``conn``; its rows are the driver's values.
    Take a result of many rows with ``.all()``: iterating it fetches them one at a time
    (0.44 against 0.24 ms for 100 rows)."""
    statement, flat = expand(sql, params or {})
    string, order = _compiled(conn.dialect, statement)
    return conn.exec_driver_sql(string, _bound(order, flat))


Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Insert:
    """An INSERT compiled for one dialect and one set of keys: its driver SQL, its
    parameters in the driver's order (by name when ``positional`` is false), the defaults
    of the columns the rows leave out, and the type processing of each column that has one
    (with its place among the parameters)."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    defaults: tuple[tuple[str, Any], ...]
    processed: tuple[tuple[int, str, Processor], ...]

    def values(self, row: Mapping[str, Any]) -> Any:
        """One row's parameters, as the driver takes them."""
        if self.defaults:
            row = {**row, **{name: default.arg(None) if default.is_callable else default.arg
                             for name, default in self.defaults}}
        if self.positional:
            listed = [row[name] for name in self.names]
            for i, _, process in self.processed:
                listed[i] = process(listed[i])
            return tuple(listed)  # SQLAlchemy takes a list of tuples (or dicts) as many rows
        named = dict(row)
        for _, name, process in self.processed:
            named[name] = process(named[name])
        return named


@lru_cache(maxsize=_KEPT)
def _insert(dialect: Dialect, table: type[DeclarativeBase], given: tuple[str, ...]) -> _Insert:
    """The INSERT of ``table`` for rows with the keys ``given``."""
    columns = table.__table__.columns
    unknown = [c for c in given if c not in columns]
    if unknown:
        raise KeyError(f"{table.__tablename__} has no column {unknown[0]!r}")
    defaults: list[tuple[str, Any]] = []
    for col in columns:
        default: Any = col.default
        if col.key in given or default is None:
            continue
        if not (default.is_scalar or default.is_callable):  # a SQL expression or sequence
            raise KeyError(f"{table.__tablename__}.{col.key} has a default computed in SQL; "
                           "give its value")
        defaults.append((col.key, default))
    every = (*given, *(name for name, _ in defaults))
    compiled = insert(table).values({c: bindparam(c) for c in every}).compile(dialect=dialect)
    names = tuple(compiled.positiontup or ()) if compiled.positional else every
    processed = []
    for i, name in enumerate(names):
        process = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processed.append((i, name, process))
    return _Insert(compiled.string, names, bool(compiled.positional), tuple(defaults),
                   tuple(processed))


def insert_rows(conn: Connection, table: type[DeclarativeBase],
                rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (mappings with the same keys) into ``table`` in one executemany of
    the statement compiled once, each value processed as the column's type does it and
    each column the rows leave out given its default, as an ORM insert gives it."""
    if not rows:
        return
    plan = _insert(conn.dialect, table, tuple(rows[0]))
    conn.exec_driver_sql(plan.sql, [plan.values(row) for row in rows])
