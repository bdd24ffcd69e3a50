"""Reading the store with plain SQL, through whichever connection is at hand.

The quick questions (``mealink status``, a text's lineage, the meeting calendar) are asked
in SQL that SQLite and PostgreSQL both run, bound by name (``:doc``), through a ``Reader``.
A reader over a SQLAlchemy connection serves the web application, the API and every
command that has opened the store anyway. ``open_reader`` opens a SQLite file whose schema
is current with the standard library's ``sqlite3`` alone: importing SQLAlchemy costs a
command 0.2-0.3 s at start, more than ``status`` may take in all. It checks the file and
sets up the connection as ``open_store`` does (``place``), tells a fault the same way
(``faults``), and hands anything else (a server, an older or newer schema) to
``open_store``, which says what is wrong and what to do.

Values come back as the driver gives them: a date stored by SQLite is text there and a
``date`` on PostgreSQL, a boolean 0/1 or ``bool``; ``as_date`` reads either.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import quote, urlencode

from mealink.store.engine.faults import describe_fault
from mealink.store.engine.place import (
    SCHEMA_HEAD,
    busy_timeout_ms,
    check_sqlite_path,
    sqlite_pragmas,
    sqlite_read_mode,
    typed_db,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from mealink.store.engine.database import Store

__all__ = ["Reader", "SqlReader", "SqliteReader", "as_date", "expand", "first", "open_reader",
           "reading"]

Row = tuple[Any, ...]


@runtime_checkable
class Reader(Protocol):
    """Runs one SQL statement with ``:name`` parameters and returns its rows as tuples."""

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Every row of ``sql``; a tuple or list parameter fills an ``IN :name``."""


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def expand(sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``IN :names`` with ``names`` a tuple or list, as ``IN (:names_0, :names_1, …)``: what
    neither ``sqlite3`` nor a plain SQLAlchemy ``text()`` does. An empty one matches nothing."""
    flat: dict[str, Any] = {}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        value = params.get(name)
        if not isinstance(value, (tuple, list, set, frozenset)):
            if name in params:
                flat[name] = value
            return m.group(0)
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        if not items:
            return "(NULL)"
        for i, item in enumerate(items):
            flat[f"{name}_{i}"] = item
        return "(" + ", ".join(f":{name}_{i}" for i in range(len(items))) + ")"

    return _NAMED.sub(one, sql), flat


def as_date(value: Any) -> date | None:
    """A stored date as a ``date``: SQLite gives back the ISO text it keeps."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class SqlReader:
    """A reader over an open SQLAlchemy connection (its transaction, its error hook)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        from sqlalchemy import text  # loaded already: the connection is SQLAlchemy's

        statement, flat = expand(sql, params or {})
        return [tuple(r) for r in self._conn.execute(text(statement), flat)]


class SqliteReader:
    """A reader over a ``sqlite3`` connection: a fault is one line naming the database."""

    def __init__(self, conn: sqlite3.Connection, name: str, path: Path) -> None:
        self._conn, self._name, self._path = conn, name, path

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        statement, flat = expand(sql, params or {})
        try:
            found: list[Row] = self._conn.execute(statement, flat).fetchall()
        except sqlite3.Error as exc:
            raise _fault(exc, self._name, self._path) from None
        return found


def _fault(exc: sqlite3.Error, name: str, path: Path, *, connecting: bool = False
           ) -> Exception:
    """The one-line error for ``exc``, or ``exc`` itself when it is no fault of the file's."""
    return describe_fault(exc, name, path=path, connecting=connecting) or exc


def _connect_current(path: Path) -> sqlite3.Connection | None:
    """``path`` opened as ``open_store(create=False)`` opens it, or None when its schema is
    not the current one (``open_store`` then says what to do)."""
    check_sqlite_path(path, create=False)
    mode = sqlite_read_mode(path)
    busy = busy_timeout_ms()
    target = "file:" + quote(str(path.absolute())) + (f"?{urlencode(mode)}" if mode else "")
    try:
        conn = sqlite3.connect(target, uri=True, timeout=busy / 1000)
    except sqlite3.Error as exc:
        raise _fault(exc, str(path), path, connecting=True) from None
    try:
        sqlite_pragmas(conn, None, busy_ms=busy, read_only=bool(mode))
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'alembic_version'").fetchall()
        current = has and [r[0] for r in conn.execute(
            "SELECT version_num FROM alembic_version").fetchall()] == [SCHEMA_HEAD]
    except sqlite3.Error as exc:
        conn.close()
        raise _fault(exc, str(path), path) from None
    if not current:
        conn.close()
        return None
    return conn


def _sqlite_file(typed: str) -> Path | None:
    """The SQLite file a plain path or a plain ``sqlite:///`` URL names; None for anything
    else (a server, a URL with options), which ``open_store`` reads."""
    if typed.startswith("sqlite:///") and "?" not in typed:
        typed = typed.removeprefix("sqlite:///")
    elif "://" in typed:
        return None
    return Path(typed).expanduser()


@contextmanager
def reading(store: Store | Reader) -> Iterator[Reader]:
    """A reader for the length of the block: ``store`` itself when it is one, else a
    connection of the open store."""
    if isinstance(store, Reader):
        yield store
        return
    with store.engine.connect() as conn:
        yield SqlReader(conn)


@contextmanager
def open_reader(db: str | None = None) -> Iterator[Reader]:
    """A reader of the database ``db`` names (as ``open_store`` takes it), for a command that
    only reads: a current SQLite file through ``sqlite3``, anything else through
    ``open_store(db, create=False)``."""
    path = _sqlite_file(typed_db(db))
    if path is not None:
        conn = _connect_current(path)
        if conn is not None:
            try:
                yield SqliteReader(conn, str(path), path)
            finally:
                conn.close()
            return
    from mealink.store.engine.database import open_store  # SQLAlchemy: only when needed

    store = open_store(db, create=False)
    try:
        with reading(store) as reader:
            yield reader
    finally:
        store.dispose()


def first(rows: Sequence[Row]) -> Any:
    """The first value of the first row, or None (a scalar query that may find nothing)."""
    return rows[0][0] if rows else None
