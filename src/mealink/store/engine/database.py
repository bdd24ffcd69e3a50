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
import os
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

from mealink.errors import DiskFullError, ReadOnlyStoreError, StoreBusyError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DEFAULT_DB", "Store", "database_url", "describe_fault", "open_store", "writing"]

#: Where the embedded database lives unless ``--db`` or ``MEALINK_DB`` say otherwise.
DEFAULT_DB = "mealink.db"

#: The newest schema revision (the head of ``migrations/versions``): a database at it opens
#: without loading Alembic. A new migration moves it (tests/test_migrations.py checks).
SCHEMA_HEAD = "0012"

#: Environment variables that bound the waits, in seconds, with their defaults. A server that
#: accepts and never answers must not hang a command; a statement is not limited by default
#: (linking a large corpus takes a while), a writer waits ten minutes for another's lock.
CONNECT_TIMEOUT = ("MEALINK_CONNECT_TIMEOUT", 10.0)
STATEMENT_TIMEOUT = ("MEALINK_STATEMENT_TIMEOUT", 0.0)
LOCK_TIMEOUT = ("MEALINK_LOCK_TIMEOUT", 600.0)

#: How long one SQLite statement waits for a lock (at most) before the writer loop in
#: ``writing`` tries again (and other writers give up with one line).
_BUSY_MS = 30000

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


def _typed(db: str | None) -> str:
    """What the user gave: ``db``, else ``$MEALINK_DB``, else ``mealink.db``."""
    return db or os.environ.get("MEALINK_DB") or DEFAULT_DB


def database_url(db: str | None = None) -> str:
    """The URL of the database to use: ``db``, else ``$MEALINK_DB``, else ``mealink.db`` in
    the current folder. A plain path means SQLite."""
    value = _typed(db)
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _seconds(setting: tuple[str, float]) -> float:
    """A wait in seconds from the environment (0 = no limit), or its default."""
    var, default = setting
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise StoreError(f"{var}={raw!r}: give a number of seconds (0 for no limit)")
    return value


def _busy_ms() -> int:
    """SQLite's busy timeout: 30 s, or the lock timeout when that is shorter."""
    lock = _seconds(LOCK_TIMEOUT)
    return _BUSY_MS if lock == 0 else max(1, min(_BUSY_MS, round(lock * 1000)))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, busy_ms: int = _BUSY_MS,
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


def _why_read_only(path: Path) -> str:
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


def _sqlite_read_mode(path: Path) -> dict[str, str]:
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


def _check_sqlite_path(path: Path, create: bool) -> None:
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
                             f"{_why_read_only(path)}; choose another file with --db or "
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


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("mealink.store.engine").joinpath("migrations")))
    return cfg


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe_fault(exc: BaseException, name: str, *, path: Path | None = None,
                   connecting: bool = False, disconnected: bool = False
                   ) -> StoreError | None:
    """The one line for a database error that is no bug of mealink's and no refusal of
    one document (disk full, read-only, a lock or statement past its time, a server gone),
    or None. ``exc`` is the driver's exception; ``path`` the SQLite file."""
    reason = _reason(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        if primary == 13:  # SQLITE_FULL
            return DiskFullError(f"disk full ({reason}): could not write to the database "
                                 f"{name}; what was stored before stays whole; free some "
                                 "space and run the command again")
        if code in (778, 1034, 1546, 4874):  # SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE, _SHMSIZE
            return DiskFullError(f"disk full or write error ({reason}): could not write to "
                                 f"the database {name} (a full disk, a file-size limit or a "
                                 "failing disk); what was stored before stays whole")
        if primary == 8:  # SQLITE_READONLY and its kinds
            why = _why_read_only(path) if path is not None else reason
            return ReadOnlyStoreError(f"the database {name} is read-only ({why}); nothing "
                                      "was written")
        if primary in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            return StoreBusyError(f"the database {name} is busy: another process kept it "
                                  f"locked ({reason}); try again when it is done "
                                  f"({LOCK_TIMEOUT[0]} sets how long mealink waits)")
        if primary == 26:  # SQLITE_NOTADB
            return StoreError(f"{name} is not a mealink database ({reason}); point --db at "
                              "a database made by `mealink ingest`")
        if primary == 11:  # SQLITE_CORRUPT
            return StoreError(f"the database {name} is damaged ({reason}); restore it from "
                              "a copy, or ingest the texts again into a new one")
        if primary == 14:  # SQLITE_CANTOPEN
            return StoreError(f"cannot open the database {name} ({reason})")
        return None
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate == "53100":  # disk_full
        return DiskFullError(f"disk full ({reason}): the server of {name} has no room left; "
                             "what was stored before stays whole")
    if sqlstate == "25006":  # read_only_sql_transaction: a standby, a read-only default
        return ReadOnlyStoreError(f"the database {name} is read-only ({reason}); nothing was "
                                  "written")
    if sqlstate == "42501":  # insufficient_privilege
        return StoreError(f"the database {name} does not allow this user to do this "
                          f"({reason}); ask its administrator for the rights mealink needs")
    if sqlstate == "55P03":  # lock_not_available: lock_timeout
        return StoreBusyError(f"the database {name} is busy: another process kept it locked "
                              f"for longer than {_seconds(LOCK_TIMEOUT):g} s; try again when "
                              f"it is done ({LOCK_TIMEOUT[0]} sets how long mealink waits)")
    if sqlstate == "57014" and "statement timeout" in reason:
        return StoreBusyError(f"the database {name} did not finish a statement within "
                              f"{_seconds(STATEMENT_TIMEOUT):g} s ({STATEMENT_TIMEOUT[0]}); "
                              "it was cancelled and its transaction undone")
    if connecting:
        if "timeout" in reason:
            reason += (f" (no answer within {_seconds(CONNECT_TIMEOUT):g} s; "
                       f"{CONNECT_TIMEOUT[0]} sets how long mealink waits)")
        return StoreError(f"cannot connect to the database {name}: {reason}")
    if disconnected or (sqlstate or "").startswith("08"):
        return StoreError(f"lost the connection to the database {name} ({reason}); what "
                          "was committed before stays, run the command again")
    return None


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
        limit = _seconds(LOCK_TIMEOUT)
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
    connect = _seconds(CONNECT_TIMEOUT)
    if "connect_timeout" not in url.query and connect > 0:
        args["connect_timeout"] = max(1, math.ceil(connect))
    sets = []
    if "lock_timeout" not in str(url.query.get("options") or ""):
        sets.append(f"SET lock_timeout = {round(_seconds(LOCK_TIMEOUT) * 1000)}")
    statement = _seconds(STATEMENT_TIMEOUT)
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
    typed = _typed(db)
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
        _check_sqlite_path(path, create)
        name = str(path)
        mode = {} if create else _sqlite_read_mode(path)
        url = parsed if not mode else URL.create(
            "sqlite", database="file:" + quote(str(path.absolute())),
            query={**mode, "uri": "true"})
        busy = _busy_ms()
        engine = create_engine(url, connect_args={"timeout": busy / 1000})
        event.listen(engine, "connect",
                     lambda c, r: _sqlite_pragmas(c, r, busy_ms=busy, read_only=bool(mode)))
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
                         f"{_reason(exc.orig or exc)}") from None
    migrate(store, write=create)
    return store
