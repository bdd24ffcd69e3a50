"""Kill -9 during ingest, on both engines: `mealink ingest` of a folder of twenty real
texts, run as a user runs it, is killed with SIGKILL at a random moment (fixed seed) after
it opened the database, so that kills land in the migrations, in the middle of storing texts
and in linking. Whatever moment it dies at, the database is consistent: either empty or at
the newest schema, every stored text with all the rows parsing that file gives, no row that
refers to a missing one; and `mealink ingest` of the same folder then completes and stores
everything exactly once, as one uninterrupted run does."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from mealink import parse_source
from mealink.link.lineage import document_links
from mealink.load import iter_paths, load
from mealink.store.corpus.records import document_record
from mealink.store.engine.database import _alembic_config, database_url
from tests.conftest import PG_ADMIN, make_db

MEALINK = str(Path(sys.executable).parent / "mealink")
SEED = 19
TRIALS = 3  # per engine: one in the migrations, two while texts are stored and linked
#: the longest any one wait may take: a hang fails the test instead of blocking it
TIMEOUT = 90.0
HEAD = ScriptDirectory.from_config(_alembic_config()).get_current_head()


@dataclass(frozen=True, slots=True)
class Expected:
    """What parsing one file through the library gives: its paragraphs' texts in order and
    how many rows of each kind its document has."""

    texts: tuple[str, ...]
    counts: dict[str, int]


#: nineteen real texts of five conventions and IPBES, the longest ones among them
TEXTS = ["cms-res-11.10.txt", "cms-res-11.28.txt", "cms-res-10.8-rev-cop14.txt",
         "cms-res-1.3.txt", "cms-dec-12.81-12.82.txt", "cms-dec-13.1-13.3.txt",
         "cms-dec-13.7-13.8.txt", "ipbes-res-panama-2012.txt", "cbd-dec-i-1.txt",
         "cbd-dec-i-5.txt", "cbd-dec-ii-19.txt", "cbd-dec-x-46.txt", "cbd-dec-xi-10.txt",
         "cites-res-conf-13.3.txt", "cites-res-conf-13.10.fr.txt",
         "cites-dec-19.243-19.245.txt", "cites-dec-19.254-19.256.txt",
         "vienna-dec-vc-iii-4.txt", "vienna-dec-vc-v-2.txt"]


@pytest.fixture(scope="module")
def folder(realdocs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twenty files: the real texts, and a second copy of one of them (stored once)."""
    out = tmp_path_factory.mktemp("texts")
    for name in TEXTS:
        shutil.copy(realdocs_dir / name, out / name)
    shutil.copy(realdocs_dir / TEXTS[0], out / "zz-copy-of-cms-res-11.10.txt")
    return out


@pytest.fixture(scope="module")
def expected(folder: Path) -> dict[str, Expected]:
    """Each file of ``folder`` parsed through the library, by the path ingest records."""
    out = {}
    for path in iter_paths([folder]):
        doc = parse_source(load(path))
        rec = document_record(doc, document_links(doc), source=str(path), content_hash="",
                              parser_version="", now=datetime(2000, 1, 1))
        out[str(path.resolve())] = Expected(
            tuple(p["text"] for p in rec.paragraphs),
            {"paragraphs": len(rec.paragraphs),
             "paragraph_actors": sum(len(a) for a in rec.actors),
             "citations": sum(len(c) for c in rec.citations),
             "paragraph_topics": sum(len(t) for t in rec.topics),
             "edges": len(rec.edges), "mandates": len(rec.mandates)})
    return out


@contextmanager
def fresh_db(engine: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    folder.mkdir()
    gen = make_db(engine, folder, request)
    try:
        yield next(gen)
    finally:
        for _ in gen:
            pass


def _engine_of(url: str) -> str:
    return "sqlite" if "://" not in url else "postgresql"


class Watcher:
    """Looks at the database a process writes, from outside: whether the process has
    opened it, how many texts it has stored (committed) so far."""

    NAME = "mealink-test-watcher"

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = _engine_of(url) == "sqlite"
        self._conn: Any = None
        self._admin: psycopg.Connection[Any] | None = None

    def opened(self) -> bool:
        if self.sqlite:
            return Path(self.url).exists()
        if self._admin is None:  # one connection: each new one costs the server a process
            self._admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5,
                                          application_name=self.NAME)
        row = self._admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name "
            "<> %s", (self.url.rsplit("/", 1)[1], self.NAME)).fetchone()
        return bool(row and row[0])

    def _query(self, sql: str) -> Any:
        """The first value ``sql`` gives; None while it cannot be read."""
        if self._conn is None:
            if self.sqlite and not Path(self.url + "-wal").exists():
                # not yet in WAL mode: a reader now could make the command's switch to it
                # fail (and connecting before the file exists would create it)
                return None
            self._conn = sqlite3.connect(self.url, isolation_level=None, timeout=5) \
                if self.sqlite else psycopg.connect(self.url, autocommit=True, connect_timeout=5,
                                                   application_name=self.NAME)
        try:
            row = self._conn.execute(sql).fetchone()
        except (sqlite3.Error, psycopg.Error):  # no such table yet
            return None
        return row[0] if row else None

    def migrated(self) -> bool:
        """The migrations have committed."""
        return bool(self._query("SELECT version_num FROM alembic_version") == HEAD)

    def has_stored(self) -> bool:
        """A text has been stored (committed)."""
        return bool(self._query("SELECT count(*) FROM documents WHERE NOT is_stub"))

    def close(self) -> None:
        for conn in (self._conn, self._admin):
            if conn is not None:
                conn.close()


def _start(folder: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([MEALINK, "ingest", str(folder), "--db", url, "--no-embed"],
                                stdout=out, stderr=subprocess.STDOUT)


def _wait(proc: subprocess.Popen[bytes], until: Callable[[], bool], what: str) -> float:
    """Wait until ``until()`` holds or ``proc`` has ended; the moment it did."""
    deadline = time.monotonic() + TIMEOUT
    while not until() and proc.poll() is None:
        assert time.monotonic() < deadline, f"mealink ingest never {what}"
        time.sleep(0.005)
    return time.monotonic()


def _complete_run(folder: Path, url: str, log: Path) -> None:
    with log.open("wb") as out:
        r = subprocess.run([MEALINK, "ingest", str(folder), "--db", url, "--no-embed"],
                           stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    assert r.returncode == 0, log.read_text()


# --- what a database holds ----------------------------------------------------------------
@contextmanager
def reading(url: str) -> Iterator[Engine]:
    """An engine on the database as it is, without migrating it (open_store would)."""
    engine = create_engine(database_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() or 0)
                for t in inspect(conn).get_table_names()
                if t != "alembic_version" and not t.startswith("paragraphs_fts")}


def _assert_consistent(url: str, expected: dict[str, Expected]) -> dict[str, Any]:
    """The database is empty or at head, with no dangling row and every stored text whole.
    Returns what it holds: row counts, documents, paragraph ids."""
    if _engine_of(url) == "sqlite" and not Path(url).exists():
        return {}
    with reading(url) as engine, engine.connect() as conn:
        insp = inspect(conn)
        tables = insp.get_table_names()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            if "alembic_version" in tables else None
        if version is None:  # the migrations never committed: nothing of them is left
            assert tables == [], f"tables without a schema revision: {tables}"
            return {}
        assert version == HEAD
        # no row refers to a missing row, along every foreign key and the ids that are not
        for table in tables:
            for fk in insp.get_foreign_keys(table):
                (col,), (ref,) = fk["constrained_columns"], fk["referred_columns"]
                n = conn.execute(text(
                    f'SELECT count(*) FROM "{table}" c WHERE c."{col}" IS NOT NULL AND NOT '
                    f'EXISTS (SELECT 1 FROM "{fk["referred_table"]}" p WHERE p."{ref}" = '
                    f'c."{col}")')).scalar()
                assert n == 0, f"{n} rows of {table}.{col} refer to missing " \
                    f"{fk['referred_table']} rows"
        for sql, what in [
            ("SELECT count(*) FROM paragraphs c WHERE c.parent_id IS NOT NULL AND NOT EXISTS "
             "(SELECT 1 FROM paragraphs p WHERE p.id = c.parent_id)", "paragraph parents"),
            ("SELECT count(*) FROM mandates m WHERE NOT EXISTS (SELECT 1 FROM paragraphs p "
             "WHERE p.id = m.paragraph_id)", "mandates' paragraphs"),
            ("SELECT count(*) FROM documents d WHERE NOT d.is_stub AND NOT EXISTS "
             "(SELECT 1 FROM sources s WHERE s.document_id = d.id)", "kept sources"),
        ]:
            assert conn.execute(text(sql)).scalar() == 0, f"missing {what}"
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            conn.execute(text("INSERT INTO paragraphs_fts(paragraphs_fts, rank) "
                              "VALUES ('integrity-check', 1)"))
        # every stored text has every row that parsing its file gives, once
        docs = conn.execute(text("SELECT id, source FROM documents WHERE NOT is_stub")).all()
        sources = [d.source for d in docs]
        assert len(sources) == len(set(sources)), "a file stored twice"
        for doc in docs:
            want = expected[doc.source]
            texts = tuple(conn.execute(text(
                "SELECT text FROM paragraphs WHERE document_id = :d ORDER BY seq"),
                {"d": doc.id}).scalars())
            assert texts == want.texts, f"{doc.id}: paragraphs differ from its file's"
            have = {t: conn.execute(text(
                f"SELECT count(*) FROM {t} x JOIN paragraphs p ON p.pk = x.paragraph_pk "
                "WHERE p.document_id = :d"), {"d": doc.id}).scalar()
                for t in ("paragraph_actors", "citations", "paragraph_topics")}
            have["paragraphs"] = len(texts)
            have["edges"] = conn.execute(text(
                "SELECT count(*) FROM edges WHERE source_id = :d AND NOT derived"),
                {"d": doc.id}).scalar()
            have["mandates"] = conn.execute(text(
                "SELECT count(*) FROM mandates WHERE document_id = :d"), {"d": doc.id}).scalar()
            assert have == want.counts, f"{doc.id}: rows differ from its file's"
        return {"counts": _counts(engine),
                "documents": sorted((r.id, bool(r.is_stub)) for r in conn.execute(text(
                    "SELECT id, is_stub FROM documents"))),
                "paragraphs": sorted(conn.execute(text("SELECT id FROM paragraphs")).scalars())}


# --- the test ------------------------------------------------------------------------------
def test_ingest_killed_at_random_moments_leaves_a_consistent_database(
        db_url: str, folder: Path, expected: dict[str, Expected], tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    # one uninterrupted run: what the database must hold in the end, and when the command
    # opened the database, had migrated it, had stored its first text, and ended
    proc = _start(folder, db_url, tmp_path / "reference.log")
    watch = Watcher(db_url)
    try:
        opened = _wait(proc, watch.opened, "opened the database")
        migrated = _wait(proc, watch.migrated, "migrated the database")
        first = _wait(proc, watch.has_stored, "stored a text")
        assert proc.wait(timeout=TIMEOUT) == 0, (tmp_path / "reference.log").read_text()
        ended = time.monotonic()
    finally:
        watch.close()
    reference = _assert_consistent(db_url, expected)
    assert reference["counts"]["documents"] > len(TEXTS)  # with the texts they cite

    rng = random.Random(SEED)
    killed = 0
    for trial in range(TRIALS):
        with fresh_db(_engine_of(db_url), tmp_path / f"trial{trial}", request) as url:
            proc = _start(folder, url, tmp_path / f"trial{trial}.log")
            watch = Watcher(url)
            try:
                if trial == 0:  # while the migrations create the schema
                    _wait(proc, watch.opened, "opened the database")
                    delay, after = rng.uniform(0, migrated - opened), "it opened the database"
                else:  # storing texts and linking them, one kill in each part of the span
                    _wait(proc, watch.has_stored, "stored a text")
                    delay = (ended - first) * (trial - 1 + rng.random()) / (TRIALS - 1)
                    after = "it stored its first text"
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)  # nothing if it has ended
            finally:
                code = proc.wait(timeout=TIMEOUT)
                watch.close()
            killed += code == -signal.SIGKILL
            where = f"trial {trial} (killed {delay:.2f} s after {after})"
            try:
                _assert_consistent(url, expected)
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from exc
            _complete_run(folder, url, tmp_path / f"trial{trial}.rerun.log")
            after_rerun = _assert_consistent(url, expected)
            assert after_rerun == reference, f"{where}: the second run stored something else"
    # the kills are spread over the span of a whole run: they land in it
    assert killed > 0
