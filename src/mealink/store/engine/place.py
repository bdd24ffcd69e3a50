"""Where the database is and how a command may open it, without SQLAlchemy: the path or URL
the user gave (``--db``, ``$MEALINK_DB``, ``mealink.db``), the waits the environment sets,
the checks a SQLite file gets before anything is opened, and the pragmas every SQLite
connection runs. ``database`` opens through SQLAlchemy with these; ``reader`` opens a
current SQLite file for a quick read (``mealink status``) with the standard library's
``sqlite3`` alone, so both refuse and set up a file the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mealink.environment import env_number
from mealink.errors import StoreError

__all__ = ["CONNECT_TIMEOUT", "DEFAULT_DB", "LOCK_TIMEOUT", "SCHEMA_HEAD", "STATEMENT_TIMEOUT",
           "busy_timeout_ms", "check_sqlite_path", "database_url", "seconds", "sqlite_pragmas",
           "sqlite_read_mode", "typed_db", "why_read_only"]

#: Where the embedded database lives unless ``--db`` or ``MEALINK_DB`` say otherwise.
DEFAULT_DB = "mealink.db"

#: The newest schema revision (the head of ``migrations/versions``): a database at it opens
#: without loading Alembic. A new migration moves it (tests/test_migrations.py checks).
SCHEMA_HEAD = "0014"

#: Environment variables that bound the waits, in seconds, with their defaults. A server that
#: accepts and never answers must not hang a command; a statement is not limited by default
#: (linking a large corpus takes a while), a writer waits ten minutes for another's lock.
CONNECT_TIMEOUT = ("MEALINK_CONNECT_TIMEOUT", 10.0)
STATEMENT_TIMEOUT = ("MEALINK_STATEMENT_TIMEOUT", 0.0)
LOCK_TIMEOUT = ("MEALINK_LOCK_TIMEOUT", 600.0)

#: How long one SQLite statement waits for a lock (at most) before the writer loop in
#: ``writing`` tries again (and other writers give up with one line).
_BUSY_MS = 30000


def typed_db(db: str | None) -> str:
    """What the user gave: ``db``, else ``$MEALINK_DB``, else ``mealink.db``."""
    return db or os.environ.get("MEALINK_DB") or DEFAULT_DB


def database_url(db: str | None = None) -> str:
    """The URL of the database to use: ``db``, else ``$MEALINK_DB``, else ``mealink.db`` in
    the current folder. A plain path means SQLite."""
    value = typed_db(db)
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def seconds(setting: tuple[str, float]) -> float:
    """A wait in seconds from the environment (0 = no limit), or its default."""
    var, default = setting
    value = env_number(var, default, zero=True)
    if value is None:
        raise StoreError(f"{var}={os.environ[var].strip()!r}: give a number of seconds "
                         "(0 for no limit)")
    return value


def busy_timeout_ms() -> int:
    """SQLite's busy timeout: 30 s, or the lock timeout when that is shorter."""
    lock = seconds(LOCK_TIMEOUT)
    return _BUSY_MS if lock == 0 else max(1, min(_BUSY_MS, round(lock * 1000)))


def sqlite_pragmas(dbapi_conn: Any, _record: Any, *, busy_ms: int = _BUSY_MS,
                    read_only: bool = False) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")  # first: two new processes race for WAL
    if not read_only:  # a read-only file keeps the journal mode it has
        cur.execute("PRAGMA journal_mode=WAL")  # readers go on while one process writes
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # 64 MB of page cache (the default is 2 MB): the indexes of a 100,000-paragraph corpus
    # outgrow 2 MB, and every insert then reads index pages back from the OS
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def why_read_only(path: Path) -> str:
    """Why a database file cannot be written, in a few words."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is not writable"
    return "it was opened read-only"


def sqlite_read_mode(path: Path) -> dict[str, str]:
    """How a command that only reads opens a database it cannot write: read-only, and
    immutable (no lock, no ``-shm`` file) when its folder is not writable either, since a
    WAL database can only be opened normally where its ``-shm`` file can be made. A ``-wal``
    file beside it means a writer is at work there: then read-only, through its files."""
    if not os.access(path.parent, os.W_OK):
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        if wal.exists() and shm.exists():
            return {"mode": "ro"}
        return {"immutable": "1"}
    if not os.access(path, os.W_OK):
        return {"mode": "ro"}
    return {}


def check_sqlite_path(path: Path, create: bool) -> None:
    try:
        exists = path.exists()
    except OSError as exc:
        raise StoreError(f"cannot open the database {path}: {exc.strerror or exc}; choose "
                         "another place with --db or MEALINK_DB") from None
    if exists:
        if path.is_dir():
            raise StoreError(f"{path} is a folder; give the path of a database file with --db")
        if create and not os.access(path, os.W_OK):
            raise StoreError(f"cannot write to the database {path}: "
                             f"{why_read_only(path)}; choose another file with --db or "
                             "MEALINK_DB")
        if create and not os.access(path.parent, os.W_OK):
            raise StoreError(f"cannot write to the database {path}: its folder {path.parent} "
                             "is not writable (SQLite needs it for its journal); choose another "
                             "place with --db or MEALINK_DB")
        return
    if not create:
        raise StoreError(f"no database at {path}; run `mealink ingest PATH` first, or point "
                         "--db / MEALINK_DB at an existing one")
    if not path.parent.is_dir():
        raise StoreError(f"cannot create the database {path}: folder {path.parent} does not "
                         "exist")
    if not os.access(path.parent, os.W_OK):
        raise StoreError(f"cannot create the database {path}: folder {path.parent} is not "
                         "writable; choose another place with --db or MEALINK_DB")


