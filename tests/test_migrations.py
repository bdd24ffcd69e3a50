"""Every Alembic migration round-trips on a populated database, on both engines: stepping
down one revision at a time and back up to head leaves every row of every table that exists
at the lower revision in place, and brings back the schema (columns, indexes, unique and
foreign keys, triggers) exactly as a fresh database has it at each revision. Search still
finds words afterwards, also in texts stored after the round trip."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from mealink.reporting.answers import AnswerFile, FilledAnswer
from mealink.store import Store, ingest, open_store, reparse
from mealink.store.engine.database import _alembic_config
from mealink.store.progress import add_progress
from mealink.store.reporting import import_answers, make_template, save_template
from mealink.store.search.keyword import search
from mealink.store.search.vectors import embed_paragraphs
from mealink.store.users import (
    ThrottleRule,
    add_user,
    create_token,
    record_failure,
    secret_key,
    start_session,
)
from mealink.store.workplans.plans import import_plan
from mealink.store.workplans.progress import add_activity_progress
from mealink.workplans.read import read_plan
from tests.conftest import REPO, make_db
from tests.model import ENCODER

#: real texts with actors, citations, topics, mandates and lineage among them
TEXTS = ["cms-res-11.10.txt", "cms-res-10.8-rev-cop14.txt", "cms-res-11.28.txt",
         "cites-dec-19.30-19.31.txt", "cbd-dec-x-46.txt", "vienna-dec-vc-v-2.txt",
         # two versions of one text: where the earlier one's mandate went (mandate_carries)
         "cites-dec-17.170-rev-cop18.txt", "cites-dec-17.170-rev-cop19.txt"]
#: stored after the round trips: its words must be found through the triggers
LATER = "cms-dec-13.1-13.3.txt"
FINDINGS = REPO / "tests" / "data" / "ipbes-key-messages-sample.txt"

#: Columns a downgrade below 0006 drops that no migration can compute again (what the
#: parser said of a text's adoption and status): `mealink reparse` brings them back.
NOT_RECOMPUTED = {
    "documents": {"adoption", "adopted_by", "adoption_evidence", "identified_by",
                  "status_evidence", "page_status"},
    "citations": {"title", "title_key"},
    "sources": {"meta"},
}
#: Columns a downgrade below 0012 drops that nothing computes again: why a template's
#: questions were merged, which for a merge asked by a person only the template kept.
NOT_RECOMPUTED_0012 = {"report_questions": {"basis"}}

_CFG = _alembic_config()
#: every revision, oldest first
REVISIONS = [r.revision for r in reversed(list(ScriptDirectory.from_config(_CFG)
                                               .walk_revisions()))]


def _move(store: Store, direction: str, target: str) -> None:
    """Run the migrations to ``target``, on a connection handed over as mealink does."""
    with store.engine.connect() as conn:
        _CFG.attributes["connection"] = conn
        (command.upgrade if direction == "up" else command.downgrade)(_CFG, target)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- what a database holds ----------------------------------------------------------------
def _schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, indexes, unique and foreign keys; triggers (and, on
    PostgreSQL, the functions they call)."""
    with engine.connect() as conn:
        insp = inspect(conn)
        # every table at once (one catalogue query a kind on PostgreSQL, not one a table)
        columns, indexes = insp.get_multi_columns(), insp.get_multi_indexes()
        unique, foreign = insp.get_multi_unique_constraints(), insp.get_multi_foreign_keys()
        tables: dict[str, Any] = {}
        for t in sorted(insp.get_table_names()):
            tables[t] = {
                "columns": sorted((c["name"], str(c["type"]), bool(c["nullable"]))
                                  for c in columns[(None, t)]),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in indexes[(None, t)]),
                "unique": sorted(tuple(u["column_names"]) for u in unique[(None, t)]),
                "foreign_keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"],
                     tuple(f["referred_columns"]), (f.get("options") or {}).get("ondelete"))
                    for f in foreign[(None, t)]),
            }
        if engine.dialect.name == "sqlite":
            triggers = conn.execute(text("SELECT name, tbl_name FROM sqlite_master "
                                         "WHERE type = 'trigger'")).all()
            functions: list[Any] = []
        else:
            triggers = conn.execute(text(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = "
                "t.tgrelid WHERE NOT t.tgisinternal")).all()
            functions = conn.execute(text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public'")).scalars().all()
    return {"tables": tables, "triggers": sorted(tuple(t) for t in triggers),
            "functions": sorted(functions)}


def _norm(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _data_tables(engine: Engine) -> list[str]:
    """The tables holding data (not Alembic's bookkeeping, not SQLite's full-text index,
    which is checked by its own integrity check)."""
    with engine.connect() as conn:
        return [t for t in inspect(conn).get_table_names()
                if t != "alembic_version" and not t.startswith("paragraphs_fts")]


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every data table, values made comparable."""
    out = {}
    with engine.connect() as conn:
        for t in _data_tables(engine):
            result = conn.execute(text(f'SELECT * FROM "{t}"'))
            keys = list(result.keys())
            out[t] = [{k: _norm(v) for k, v in zip(keys, r, strict=True)} for r in result]
    return out


def _checksum(rows: list[dict[str, Any]], columns: set[str]) -> tuple[int, str]:
    """Row count and a checksum of the rows, over ``columns``, in no particular order."""
    lines = sorted(repr([(c, r[c]) for c in sorted(columns)]) for r in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _assert_rows_kept(engine: Engine, baseline: dict[str, list[dict[str, Any]]],
                      lost: dict[str, set[str]], gone: set[str], where: str) -> None:
    """Every table present now has every row it had at the start, over the columns it has
    now; left out are the tables a downgrade dropped (``gone``: they come back empty) and the
    columns no migration computes again (``lost``). Records in ``gone`` the tables absent
    now."""
    now = _rows(engine)
    assert now, where
    gone |= set(baseline) - set(now)
    for table, rows in now.items():
        if table in gone:
            continue
        # the columns it has now, as ``SELECT *`` gave them (an empty table, which lost
        # every row, fails below whatever the columns)
        cols = set(rows[0]) if rows else set()
        cols = (cols & set(baseline[table][0])) - lost.get(table, set())
        assert _checksum(rows, cols) == _checksum(baseline[table], cols), \
            f"{where}: table {table} lost or changed rows ({len(rows)} now, " \
            f"{len(baseline[table])} before)"


def _check_consistent(store: Store, where: str) -> None:
    """Foreign keys hold, SQLite enforces them again, and its full-text index matches the
    paragraphs."""
    if store.dialect != "sqlite":
        return
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == [], where
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1, where
        if "paragraphs_fts" in inspect(conn).get_table_names():
            conn.execute(text("INSERT INTO paragraphs_fts(paragraphs_fts, rank) "
                              "VALUES ('integrity-check', 1)"))


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def texts(realdocs_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "texts"
    folder.mkdir()
    for name in [*TEXTS, LATER]:
        shutil.copy(realdocs_dir / name, folder / name)
    return folder


@pytest.fixture
def expected_schemas(db_url: str, tmp_path: Path, request: pytest.FixtureRequest
                     ) -> Iterator[dict[str | None, dict[str, Any]]]:
    """The schema of a fresh, empty database at each revision, reached from the base one
    step at a time: what the populated database must look like at that revision."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    gen = make_db("sqlite" if "://" not in db_url else "postgresql", folder, request)
    store = open_store(next(gen))
    try:
        _move(store, "down", "base")
        schemas = {None: _schema(store.engine)}
        for rev in REVISIONS:
            _move(store, "up", "+1")
            assert _revision(store.engine) == rev
            schemas[rev] = _schema(store.engine)
        yield schemas
    finally:
        store.dispose()
        for _ in gen:
            pass


def _populate(store: Store, texts: Path) -> None:
    """Real texts, IPBES findings, their vectors, a user with a token and a session, a
    failed sign-in, the application's secret, a progress entry, a work plan with
    progress on an activity and a Party's answer to a national-report questionnaire: a row
    in every table."""
    summary = ingest(store, [texts / name for name in TEXTS] + [FINDINGS])
    assert summary.counts()["failed"] == 0, summary.outcomes
    embed_paragraphs(store, model=ENCODER)
    ana = add_user(store, "ana", "editor", "correct horse battery")
    create_token(store, "ana", "migrations")
    secret_key(store)
    start_session(store, ana.id, datetime.now(UTC))
    record_failure(store, {"name:ana": ThrottleRule()}, datetime.now(UTC))
    with store.engine.connect() as conn:
        mandate = conn.execute(text("SELECT id FROM mandates ORDER BY id LIMIT 1")).scalar()
    add_progress(store, str(mandate), "ana", status="implemented", note="Guidance published",
                 evidence=["UNEP/CMS/Resolution 11.10"])
    plan = import_plan(store, read_plan(REPO / "tests" / "data" / "workplan-cms-cites.yaml"))
    add_activity_progress(store, plan.plan_id, "1.2", "ana", status="active",
                          note="Outline agreed", evidence=["UNEP/CMS/Resolution 11.10"])
    template = make_template(store, ["CMS", "CITES"], model=ENCODER)
    save_template(store, template)
    q = template.questions[0]
    import_answers(store, AnswerFile("answers", template.id, template.conventions, None,
                                     {x.id: tuple(m.mandate_id for m in x.mandates)
                                      for x in template.questions},
                                     (FilledAnswer(q.id, "yes", "Focal points meet", "row 2"),)),
                   "Kenya", "2026")


# --- the test ------------------------------------------------------------------------------
def test_every_migration_round_trips_a_populated_database(
        db_url: str, texts: Path, expected_schemas: dict[str | None, dict[str, Any]]) -> None:
    store = open_store(db_url)
    _populate(store, texts)
    head = REVISIONS[-1]
    assert _revision(store.engine) == head
    baseline = _rows(store.engine)
    empty = sorted(t for t, rows in baseline.items() if not rows)
    assert empty == [], f"the test database should have rows in every table: {empty}"
    assert _schema(store.engine) == expected_schemas[head]
    word = "synergies"
    before = [h.paragraph_id for h in search(store, word)]
    assert before

    lost: dict[str, set[str]] = {}
    gone: set[str] = set()
    # head -> each earlier revision -> head, one revision at a time, deepest last
    for depth, target in enumerate(reversed(REVISIONS[:-1]), start=1):
        for step in range(depth):
            _move(store, "down", "-1")
            rev = REVISIONS[-2 - step]
            where = f"down to {rev} (round trip to {target})"
            assert _revision(store.engine) == rev
            if REVISIONS.index(rev) < REVISIONS.index("0012"):
                lost = {**lost, **NOT_RECOMPUTED_0012}
            if REVISIONS.index(rev) < REVISIONS.index("0006"):
                lost = {**NOT_RECOMPUTED, **NOT_RECOMPUTED_0012}
            assert _schema(store.engine) == expected_schemas[rev], where
            _assert_rows_kept(store.engine, baseline, lost, gone, where)
            _check_consistent(store, where)
        assert _revision(store.engine) == target
        for step in range(depth):
            _move(store, "up", "+1")
            rev = REVISIONS[-depth + step]
            where = f"up to {rev} (round trip to {target})"
            assert _revision(store.engine) == rev
            assert _schema(store.engine) == expected_schemas[rev], where
            _assert_rows_kept(store.engine, baseline, lost, gone, where)
            _check_consistent(store, where)
        assert [h.paragraph_id for h in search(store, word)] == before, f"round trip to {target}"

    # what no migration can compute again, `mealink reparse` brings back (texts known only
    # from citations keep NULL for who adopted them, which reads as "unknown", as before)
    assert reparse(store).counts()["failed"] == 0
    again = _rows(store.engine)
    for table, cols in NOT_RECOMPUTED.items():
        keys = {"documents": {"id"}, "citations": {"document_id", "written", "start", "end"},
                "sources": {"document_id"}}[table]
        was, now = ([r for r in rows if not r.get("is_stub")]
                    for rows in (baseline[table], again[table]))
        assert _checksum(now, cols | keys) == _checksum(was, cols | keys), \
            f"reparse did not restore {table}"

    # the full-text index follows inserts and deletes after the round trips: a text stored
    # now is found, and storing one again leaves no stale entries (integrity check)
    summary = ingest(store, [texts / LATER])
    assert summary.counts()["added"] == 1
    later = summary.outcomes[0].document_id
    assert any(h.document_id == later for h in search(store, "indicators"))
    summary = ingest(store, [texts / LATER], force=True)
    assert summary.counts()["updated"] == 1
    _check_consistent(store, "after storing a text again")
    store.dispose()


def test_a_failed_migration_leaves_the_database_as_it_was(db_url: str, texts: Path) -> None:
    """All the migrations of a run share one transaction, also on SQLite (whose driver would
    run DDL outside any): one that fails half-way leaves nothing of its first statements
    behind, and the next open migrates as if nothing had happened."""
    store = open_store(db_url)
    _move(store, "down", "0004")
    # a table in the way of the one 0005 creates after it added a column to the paragraphs
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE embeddings (model VARCHAR(60))"))
    schema = _schema(store.engine)
    with pytest.raises(DBAPIError, match="embeddings"):
        _move(store, "up", "head")
    assert _revision(store.engine) == "0004"
    assert _schema(store.engine) == schema
    _check_consistent(store, "after a failed migration")
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE embeddings"))
    store.dispose()
    store = open_store(db_url)
    assert _revision(store.engine) == REVISIONS[-1]
    assert ingest(store, [texts / TEXTS[0]]).counts()["added"] == 1
    assert search(store, "synergies")
    store.dispose()
