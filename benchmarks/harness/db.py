"""The benchmarks' databases: scratch PostgreSQL databases, SQLite files and what they hold,
read directly (so a figure never depends on the code being measured)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from harness.timing import Log

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1/mealink_bench"


def pg_admin_url(url: str) -> tuple[str, str]:
    """The URL of the server's ``postgres`` database and the name of the bench database."""
    u = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return u.set(database="postgres").render_as_string(hide_password=False), str(u.database)


def pg_recreate(url: str, drop_only: bool = False) -> None:
    """Drop the scratch database at ``url`` and (unless ``drop_only``) create it empty."""
    admin, name = pg_admin_url(url)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == "postgres":
        raise SystemExit(f"refusing to (re)create database {name!r}; give a scratch one")
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        eng.dispose()


def analyze(store: Any) -> None:
    """Refresh the planner statistics, as a maintained database would have them."""
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def remove_sqlite(db: Path) -> None:
    """Delete a SQLite file with its write-ahead log and shared-memory file."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def sqlite_bytes(db: Path) -> int:
    """Bytes of a SQLite file and its write-ahead log."""
    return sum(Path(str(db) + s).stat().st_size for s in ("", "-wal")
               if Path(str(db) + s).exists())


@contextmanager
def read_only(db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a SQLite file, closed afterwards."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        yield con
    finally:
        con.close()


def scalar(con: sqlite3.Connection, sql: str) -> int:
    """The single integer a counting query returns."""
    return int(con.execute(sql).fetchone()[0])


def reuse_or_build(db: Path, record: Path, reuse: bool, build: Callable[[], dict[str, Any]],
                   log: Log) -> dict[str, Any]:
    """The build record of the database ``db``: read back from ``record`` when ``reuse`` is
    asked and both exist, else what ``build()`` returns; marked ``reused`` either way."""
    if reuse and db.exists() and record.exists():
        meta: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        log(f"reusing {db} (built {meta.get('built')})")
        meta["reused"] = True
        return meta
    if reuse:
        log(f"no database to reuse at {db}: building it")
    meta = build()
    meta["reused"] = False
    return meta
