"""Opening the database: SQLite by default (one file, nothing to start), PostgreSQL for a
shared server; the schema brought up to date by the Alembic migrations.

``open_store`` checks what can go wrong before anything is written: a folder that is not
writable, a server that does not answer, a database made by a newer mealink. Each gives one
``StoreError`` line that names the database and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from mealink.errors import StoreError

__all__ = ["DEFAULT_DB", "Store", "database_url", "open_store"]

#: Where the embedded database lives unless ``--db`` or ``MEALINK_DB`` say otherwise.
DEFAULT_DB = "mealink.db"


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


def database_url(db: str | None = None) -> str:
    """The URL of the database to use: ``db``, else ``$MEALINK_DB``, else ``mealink.db`` in
    the current folder. A plain path means SQLite."""
    value = db or os.environ.get("MEALINK_DB") or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers go on while one process writes
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache (the default is 2 MB): the indexes of a 100,000-paragraph corpus
    # outgrow 2 MB, and every insert then reads index pages back from the OS
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


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
            raise StoreError(f"cannot write to the database {path}: permission denied; "
                             "choose another file with --db or MEALINK_DB")
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
    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("mealink.store").joinpath("migrations")))
    return cfg


def migrate(store: Store, *, write: bool = True) -> None:
    """Bring the schema up to date; refuse a database made by a newer mealink."""
    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()
    with store.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current not in known:
        raise StoreError(f"{store.name} was created by a newer version of mealink (schema "
                         f"revision {current}); upgrade mealink to use it")
    if current == head:
        return
    if not write:
        raise StoreError(f"{store.name} has an older schema; run `mealink ingest` or "
                         "`mealink reparse` once to upgrade it")
    with store.engine.connect() as conn:  # outside a transaction: env.py makes its own
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(db: str | None = None, *, create: bool = True) -> Store:
    """Open (and, when ``create``, create or upgrade) the database named by ``db``."""
    url = database_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url!r} is not a database path or URL (give a file name, or "
                         "postgresql://user@host/dbname)") from None
    name = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or DEFAULT_DB)
        _check_sqlite_path(path, create)
        name = str(path)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError:
            raise StoreError(f"{name}: unsupported database; use a file path (SQLite) or a "
                             "postgresql:// URL") from None
        except ImportError as exc:
            raise StoreError(f"{name}: the database driver is missing ({exc})") from None
    store = Store(engine, name)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot connect to the database {name}: {reason}") from None
    migrate(store, write=create)
    return store
