"""Opening the database: SQLite by default (one file, nothing to start), PostgreSQL for a
shared server; the schema brought up to date by the Alembic migrations.

``open_store`` checks what can go wrong before anything is written: a folder that is not
writable, a server that does not answer, a database made by a newer mealink. Each gives one
``StoreError`` line that names the database (as the user typed it, without password) and
the fix. What goes wrong later (disk full, a read-only file, a lock held too long, a lost
connection) is turned into one such line too, by a ``handle_error`` hook on the engine.

Writers are serialized: ``writing`` is a transaction that first takes the database's write
lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``pg_advisory_xact_lock``), so that two
``mealink ingest`` processes on one database check and write one document at a time and
never act on what they read before the other wrote.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from mealink.errors import StoreBusyError, StoreError
from mealink.store.engine.faults import describe_fault, first_line
from mealink.store.engine.place import (
    CONNECT_TIMEOUT,
    DEFAULT_DB,
    LOCK_TIMEOUT,
    SCHEMA_HEAD,
    STATEMENT_TIMEOUT,
    busy_timeout_ms,
    check_sqlite_path,
    database_url,
    seconds,
    sqlite_pragmas,
    sqlite_read_mode,
    typed_db,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DEFAULT_DB", "Store", "database_url", "describe_fault", "open_store", "writing"]

#: The PostgreSQL advisory lock every mealink writer of one database takes (advisory locks
#: are per database, so two databases on one server do not wait for each other).
_WRITE_LOCK = zlib.crc32(b"mealink-writers")


@dataclass(frozen=True, slots=True)
class Store:
    """An open database: its engine and a printable name (no password)."""

    engine: Engine
    name: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("mealink.store.engine").joinpath("migrations")))
    return cfg


def _on_error(name: str, path: Path | None) -> Callable[[ExceptionContext], Any]:
    """The engine's ``handle_error`` hook: a database fault becomes its one-line error."""
    def translate(ctx: ExceptionContext) -> StoreError | None:
        if ctx.is_pre_ping:  # the pool reconnects on its own
            return None
        return describe_fault(ctx.original_exception, name, path=path,
                              connecting=ctx.connection is None,
                              disconnected=ctx.is_disconnect)
    return translate


@contextmanager
def writing(store: Store) -> Iterator[Connection]:
    """One write transaction that first takes the database's write lock, so that what it
    reads is what it writes on: no other mealink writer commits in between. Waits for the
    lock up to ``MEALINK_LOCK_TIMEOUT`` seconds."""
    with store.engine.begin() as conn:
        take_write_lock(conn)
        yield conn


def take_write_lock(conn: Connection) -> None:
    """Begin the write transaction of ``conn`` under the database's write lock (SQLite:
    ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock held to the end of the transaction),
    waiting up to ``MEALINK_LOCK_TIMEOUT`` seconds. The migrations take it too (env.py)."""
    if conn.dialect.name == "sqlite":
        limit = seconds(LOCK_TIMEOUT)
        deadline = time.monotonic() + (limit or math.inf)
        while True:
            try:  # each try waits up to the busy timeout, then the loop tries again
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except StoreBusyError:
                if time.monotonic() >= deadline:
                    raise
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})


def _at_head(store: Store) -> bool:
    """Whether the database's schema is at ``SCHEMA_HEAD``, read as Alembic reads it (the one
    row of ``alembic_version``) without loading Alembic: the common case of every command."""
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows == [SCHEMA_HEAD]


def migrate(store: Store, *, write: bool = True) -> None:
    """Bring the schema up to date; refuse a database made by a newer mealink. Two processes
    opening a new database at once migrate it once: the second waits for the write lock and
    finds the schema done."""
    if _at_head(store):
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()

    def check(current: str | None) -> bool:
        if current is not None and current not in known:
            raise StoreError(f"{store.name} was created by a newer version of mealink "
                             f"(schema revision {current}); upgrade mealink to use it")
        return current == head

    with store.engine.connect() as conn:
        if check(MigrationContext.configure(conn).get_current_revision()):
            return
    if not write:
        raise StoreError(f"{store.name} has an older schema; run `mealink ingest` or "
                         "`mealink reparse` once to upgrade it")
    # outside a transaction: env.py makes the one transaction of the run and takes the write
    # lock in it, so a second process waits, then finds the revision this one left
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["write_lock"] = take_write_lock
        command.upgrade(cfg, "head")


def _postgresql_setup(url: URL) -> tuple[dict[str, Any], list[str]]:
    """What bounds every wait on a server: the connect timeout (unless the URL sets one), and
    the lock and, when asked, statement timeouts, set on each new session (not as startup
    ``options``, which connection poolers such as PgBouncer refuse); a lock timeout in the
    URL's own options wins."""
    args: dict[str, Any] = {}
    connect = seconds(CONNECT_TIMEOUT)
    if "connect_timeout" not in url.query and connect > 0:
        args["connect_timeout"] = max(1, math.ceil(connect))
    sets = []
    if "lock_timeout" not in str(url.query.get("options") or ""):
        sets.append(f"SET lock_timeout = {round(seconds(LOCK_TIMEOUT) * 1000)}")
    statement = seconds(STATEMENT_TIMEOUT)
    if statement > 0:
        sets.append(f"SET statement_timeout = {max(1, round(statement * 1000))}")
    return args, sets


def _session_settings(sets: list[str]) -> Callable[[Any, Any], None]:
    """An engine ``connect`` hook that runs ``sets`` once on each new connection."""
    def apply(dbapi_conn: Any, _record: Any) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # a SET outside any transaction lasts the session
        with dbapi_conn.cursor() as cur:
            for statement in sets:
                cur.execute(statement)
        dbapi_conn.autocommit = autocommit
    return apply


def _shown(typed: str) -> str:
    """The database as the user typed it, without password."""
    if "://" not in typed:
        return typed
    try:
        return make_url(typed).render_as_string(hide_password=True)
    except ArgumentError:
        return typed


def open_store(db: str | None = None, *, create: bool = True) -> Store:
    """Open (and, when ``create``, create or upgrade) the database named by ``db``. Without
    ``create`` a database that cannot be written is opened read-only."""
    typed = typed_db(db)
    name = _shown(typed)
    try:
        parsed = make_url(database_url(db))
    except ArgumentError:
        raise StoreError(f"{name!r} is not a database path or URL (give a file name, or "
                         "postgresql://user@host/dbname)") from None
    path: Path | None = None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = Path(parsed.database or DEFAULT_DB)
        check_sqlite_path(path, create)
        name = str(path)
        mode = {} if create else sqlite_read_mode(path)
        url = parsed if not mode else URL.create(
            "sqlite", database="file:" + quote(str(path.absolute())),
            query={**mode, "uri": "true"})
        busy = busy_timeout_ms()
        engine = create_engine(url, connect_args={"timeout": busy / 1000})
        event.listen(engine, "connect",
                     lambda c, r: sqlite_pragmas(c, r, busy_ms=busy, read_only=bool(mode)))
    elif backend == "postgresql":
        try:
            args, sets = _postgresql_setup(parsed)
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=args)
        except ImportError as exc:
            raise StoreError(f"{name}: the database driver is missing ({exc})") from None
        event.listen(engine, "connect", _session_settings(sets))
    else:
        raise StoreError(f"{name}: unsupported database (mealink stores in SQLite or "
                         "PostgreSQL); give a file path or postgresql://user@host/dbname")
    event.listen(engine, "handle_error", _on_error(name, path))
    store = Store(engine, name)
    try:
        with engine.connect():
            pass
    except StoreError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot connect to the database {name}: "
                         f"{first_line(exc.orig or exc)}") from None
    migrate(store, write=create)
    return store
