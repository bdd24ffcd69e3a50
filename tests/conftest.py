"""Shared fixtures: where the gold corpus is, and whether a missing one is an error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from mealink.store import Store

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MEALINK_CORPUS", REPO.parent / "shared" / "corpus"))
#: 39 real, complete texts with their sources and the lineage they state (SOURCES.md there)
REALDOCS = Path(os.environ.get("MEALINK_REALDOCS", REPO.parent / "shared" / "realdocs"))
#: The invented texts the tests read (see its README.md): NOT official texts; every symbol
#: they carry or cite has an item number of 900 or more, so that none can be mistaken for a
#: real one. Never ingested into a user's corpus.
INVENTED = REPO / "tests" / "fixtures" / "invented"

# pytest-xdist's workers export a made-up terminal (COLUMNS=80, LINES=24). The CLI's Rich
# consoles are built at import and would keep that width, overriding the width each test
# gives its own invocation; a worker has no terminal, as a plain run has none.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)


def skip_or_fail(message: str, required_by: str) -> NoReturn:
    """Skip on a developer machine; fail where the environment variable ``required_by``
    is 1 (CI), so a missing component never passes silently."""
    if os.environ.get(required_by) == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The gold corpus. Absent: skipped on a bare clone, an error where it is required (CI)."""
    if not (CORPUS / "README.md").is_file():
        skip_or_fail(f"gold corpus not found at {CORPUS}; put ../shared beside the repository "
                     "or set MEALINK_CORPUS", "MEALINK_REQUIRE_CORPUS")
    return CORPUS


@pytest.fixture(scope="session")
def realdocs_dir() -> Path:
    """The real texts of ../shared/realdocs. Absent: skipped on a bare clone, an error where
    the shared folder is required (CI)."""
    if not (REALDOCS / "SOURCES.md").is_file():
        skip_or_fail(f"real texts not found at {REALDOCS}; put ../shared beside the "
                     "repository or set MEALINK_REALDOCS", "MEALINK_REQUIRE_CORPUS")
    return REALDOCS


# --- databases ---------------------------------------------------------------------------
PG_ADMIN = os.environ.get("MEALINK_TEST_PG", "postgresql://postgres@127.0.0.1/postgres")


def _pg_available() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_admin() -> str:
    """The PostgreSQL server for storage tests. Absent: skipped on a developer machine,
    an error where it is required (CI sets MEALINK_REQUIRE_PG=1)."""
    why = _pg_available()
    if why is not None:
        skip_or_fail(f"PostgreSQL not reachable at {PG_ADMIN} ({why}); the PostgreSQL half of "
                     "the storage tests is skipped (set MEALINK_TEST_PG to point at a server)",
                     "MEALINK_REQUIRE_PG")
    return PG_ADMIN


def _new_pg_database(admin: str) -> tuple[str, str]:
    import uuid

    import psycopg

    name = f"mealink_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_db(engine: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database of ``engine``: a file in ``folder``, or a new PostgreSQL
    database dropped afterwards."""
    if engine == "sqlite":
        yield str(folder / "corpus.db")
        return
    admin = request.getfixturevalue("pg_admin")
    name, url = _new_pg_database(admin)
    try:
        yield url
    finally:
        _drop_pg_database(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each engine."""
    yield from make_db(request.param, tmp_path, request)


@pytest.fixture
def invented_store(db_url: str) -> Iterator[Store]:
    """A fresh database on each engine holding the invented texts (no sentence vectors)."""
    from mealink.store import ingest, open_store

    store = open_store(db_url)
    ingest(store, [INVENTED])
    yield store
    store.dispose()


def refuse_inserts(store: Store, table: str, when: str) -> None:
    """A trigger that makes the database refuse a row of ``table`` for which ``when`` holds
    (an SQL condition on ``new``, read alike by SQLite and PL/pgSQL): a real database error
    in the middle of storing a document."""
    from sqlalchemy import text

    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {when} "
                              "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"))
        else:
            conn.execute(text("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                              f"IF {when} THEN RAISE EXCEPTION 'refused by test trigger'; "
                              "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW "
                              "EXECUTE FUNCTION refuse()"))
