"""Opening databases: migrations that match the models, bad databases refused in one line
with nothing written, readers that go on while another process ingests, and the corpus
commands run as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from mealink.errors import StoreError
from mealink.store import open_store
from mealink.store.engine.schema import Base
from mealink.store.search.keyword import search
from tests.conftest import INVENTED, REPO

MEALINK = [sys.executable, "-m", "mealink.cli"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(user or []), *MEALINK, *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=120)


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the full-text structures are the migrations' own (FTS5 table, tsvector column)
    diff = [d for d in diff if "paragraphs_fts" not in str(d) and "search" not in str(d)]
    assert diff == []


def test_newer_schema_is_refused_and_left_alone(db_url: str) -> None:
    open_store(db_url).dispose()
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.dispose()
    before = Path(db_url).read_bytes() if "://" not in db_url else b""
    with pytest.raises(StoreError, match="newer version of mealink"):
        open_store(db_url)
    r = run("ingest", str(INVENTED / "cites-dec-19.930.txt"), "--db", db_url)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "newer version of mealink" in r.stderr
    if "://" not in db_url:
        assert Path(db_url).read_bytes() == before


def test_unreachable_postgresql_is_one_line() -> None:
    r = run("ingest", str(INVENTED), "--db", "postgresql://nobody@127.0.0.1:9/none")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to the database" in lines[0]
    assert "Traceback" not in r.stderr


def test_missing_folder_and_missing_database_are_one_line(tmp_path: Path) -> None:
    r = run("ingest", str(INVENTED), "--db", str(tmp_path / "no" / "such" / "c.db"))
    assert r.returncode == 1 and "does not exist" in r.stderr
    r = run("search", "bycatch", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 1 and "no database at" in r.stderr
    assert not (tmp_path / "none.db").exists()


def _as_nobody() -> list[str] | None:
    """A prefix that runs a command as an unprivileged user (root ignores permissions)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


def test_unwritable_database_is_one_line_and_nothing_written(tmp_path: Path) -> None:
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot take write permission away")
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="mealink-locked-", dir="/tmp"))
    base.chmod(0o755)  # reachable by the unprivileged user, unlike pytest's own tmp folders
    folder = base / "locked"
    folder.mkdir()
    db = folder / "corpus.db"
    open_store(str(db)).dispose()
    for p in folder.iterdir():
        p.chmod(0o444)
    folder.chmod(0o555)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    try:
        env = {"PYTHONPATH": str(REPO / "src"), "HOME": str(base)}
        r = run("ingest", str(INVENTED / "cites-dec-19.930.txt"), "--db", str(db),
                env=env, user=prefix)
        assert r.returncode == 1, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot write to the database" in lines[0], r.stderr
        after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
        assert after == before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_search_goes_on_while_another_process_ingests(tmp_path: Path, corpus_dir: Path
                                                      ) -> None:
    """SQLite in WAL mode: a reader is never blocked by the writer of another process."""
    db = tmp_path / "c.db"
    store = open_store(str(db))
    from mealink.store import ingest

    ingest(store, [INVENTED])
    batch = tmp_path / "batch"
    batch.mkdir()
    for i, src in enumerate(sorted(corpus_dir.glob("*.txt")) * 2):
        # a distinct operative paragraph makes each copy a text of its own
        body = src.read_text(encoding="utf-8") + f"\n\n99. Requests the Secretariat to " \
            f"report on zq{i}x.\n"
        (batch / f"{i:03d}-{src.name}").write_text(body, encoding="utf-8")
    writer = subprocess.Popen([*MEALINK, "ingest", str(batch), "--db", str(db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    searched_while_writing = 0
    try:
        while writer.poll() is None:
            t0 = time.perf_counter()
            hits = search(store, "invasive species")
            assert hits and time.perf_counter() - t0 < 5
            searched_while_writing += 1
            time.sleep(0.02)
    finally:
        writer.wait(timeout=300)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert searched_while_writing >= 3
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM documents WHERE source LIKE "
                                   "'%batch%'")).scalar_one()
    assert stored >= 35  # copies that share a symbol with an earlier one are duplicates


def test_cli_corpus_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    r = run("ingest", str(INVENTED), "--db", db)
    assert r.returncode == 0, r.stderr
    assert "added" in r.stdout and "paragraphs stored" in r.stdout
    r = run("status", "CMS Resolution 11.928", "--db", db)
    assert "repealed by CMS Resolution 13.905 (COP13, Gandhinagar, 2020)" in \
        " ".join(r.stdout.split())
    r = run("status", "CMS Resolution 11.928", "--as-of", "COP12", "--db", db, "-f", "json")
    # known only from citations, and not yet repealed at COP12: no evidence either way
    said = json.loads(r.stdout)
    assert (said["state"], said["in_force"], said["in_corpus"]) == ("no repeal known", None,
                                                                   False)
    r = run("lineage", "cites/resolution/13.910-rev-cop19", "--db", db, "-f", "json")
    assert {c["relation"] for c in json.loads(r.stdout)["ancestors"]["children"]} == \
        {"repeals", "revises"}
    r = run("in-force", "--convention", "CMS", "--db", db, "-f", "csv")
    assert r.stdout.startswith("document_id,") and "cms/resolution/13.905" in r.stdout
    r = run("refs", "--unresolved", "--db", db, "-f", "json")
    assert any(u["key"] == "cbd/decision/XIV-911" for u in json.loads(r.stdout))
    r = run("search", "invasive alien species", "--convention", "CMS", "--kind", "operative",
            "--db", db, "-f", "json")
    hits = json.loads(r.stdout)
    assert hits and all(h["paragraph_id"].startswith("cms/") for h in hits)
    r = run("status", "CMS Resolution 99.1", "--db", db)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    r = run("status", "CMS Resolution 11.928", "--as-of", "next year", "--db", db)
    assert r.returncode == 1 and "--as-of" in r.stderr


def test_default_database_is_mealink_db_in_the_current_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MEALINK_DB"}
    r = subprocess.run([*MEALINK, "ingest", str(INVENTED / "cites-dec-19.930.txt")],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "mealink.db").is_file()
    r = subprocess.run([*MEALINK, "search", "invasive"], capture_output=True, text=True,
                       cwd=tmp_path, env={**env, "MEALINK_DB": str(tmp_path / "mealink.db")},
                       timeout=120)
    assert r.returncode == 0 and "cites/decision/19.930" in r.stdout


def test_refs_lists_every_cited_text_and_whether_it_is_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    assert run("ingest", str(INVENTED), "--db", db).returncode == 0
    every = json.loads(run("refs", "--db", db, "-f", "json").stdout)
    missing = json.loads(run("refs", "--unresolved", "--db", db, "-f", "json").stdout)
    stored = {r["key"] for r in every if r["in_corpus"]}
    assert "cms/resolution/13.905" in stored
    assert {r["key"] for r in missing} == {r["key"] for r in every if not r["in_corpus"]}
