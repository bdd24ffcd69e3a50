"""Several ``mealink ingest`` processes on one database at once (issue 19): started together
on a fresh database with overlapping files, every process exits 0, every text is stored
once, and the corpus (documents, paragraphs, citations, links, in-force status, mandates)
is the one a single ingest of all their files makes. Real processes, real texts, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from mealink.errors import MealinkError
from mealink.interop import file_documents
from mealink.store import open_store
from mealink.store.engine.schema import Base
from tests.conftest import make_db

_SCRIPT = Path(sys.executable).with_name("mealink")
MEALINK = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "mealink.cli"]

#: Tables that say how the corpus was written rather than what it holds.
_NOT_CONTENT = {"alembic_version", "app_settings", "embeddings"}
#: Columns that differ between two equal corpora: row numbers, times, which of two
#: identical copies was read first (its path).
_VOLATILE = {"pk", "updated_at", "source", "name", "recorded_at", "created_at"}


def snapshot(url: str, volatile: frozenset[str] | set[str] = _VOLATILE
             ) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every table's rows as a multiset, without the columns that say how it was written
    (``volatile``); a row that points at a paragraph by number names the paragraph instead."""
    store = open_store(url, create=False)
    try:
        with store.engine.connect() as conn:
            para = {pk: pid for pk, pid in conn.execute(text("SELECT pk, id FROM paragraphs"))}
            out: dict[str, Counter[tuple[Any, ...]]] = {}
            for table in Base.metadata.sorted_tables:
                if table.name in _NOT_CONTENT:
                    continue
                cols = [c for c in table.columns if c.name not in volatile]
                out[table.name] = Counter(
                    tuple(para.get(v, v) if c.name == "paragraph_pk" else _hashable(v)
                          for c, v in zip(cols, row, strict=True))
                    for row in conn.execute(select(*cols)))
    finally:
        store.dispose()
    return out


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


def counts(stdout: str) -> dict[str, int]:
    """The summary table of ``mealink ingest``: added, updated, unchanged, duplicate,
    failed."""
    m = re.search(r"│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", stdout)
    assert m, stdout
    return dict(zip(("added", "updated", "unchanged", "duplicate", "failed"),
                    map(int, m.groups()), strict=True))


def parsable_texts(folder: Path) -> list[Path]:
    """The real texts of ``folder`` that the parser reads as resolutions (two are excerpts
    it rightly refuses; an ingest of them exits 1 whatever else happens)."""
    good = []
    for p in sorted(folder.glob("*.txt")):
        if not any(isinstance(doc, MealinkError) for _, doc in file_documents(p)):
            good.append(p)
    return good


@pytest.fixture(params=["sqlite", "postgresql"])
def two_dbs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh, empty databases of one engine: one for the processes, one for the
    reference."""
    gens = []
    for sub in ("together", "alone"):
        (tmp_path / sub).mkdir()
        gens.append(make_db(request.param, tmp_path / sub, request))
    first, second = (next(g) for g in gens)
    yield first, second
    for g in gens:
        next(g, None)


def test_three_ingests_at_once_on_a_fresh_database(two_dbs: tuple[str, str], tmp_path: Path,
                                                   realdocs_dir: Path) -> None:
    db, reference = two_dbs
    texts = tmp_path / "texts"
    copies = tmp_path / "copies"
    texts.mkdir()
    copies.mkdir()
    for p in parsable_texts(realdocs_dir):
        shutil.copy(p, texts / p.name)
    files = sorted(texts.iterdir())
    n = len(files)
    assert n >= 30
    for p in files[::3]:  # the same bytes under another path: a duplicate
        shutil.copy(p, copies / p.name)
    batches = [[str(p) for p in files[: 2 * n // 3]],  # the middle third is in both
               [str(p) for p in files[n // 3:]],
               [str(copies), *(str(p) for p in files[::4])]]
    # vectors too on SQLite, as a user runs it (embedding raced as well); on PostgreSQL the
    # same code path without the model's minute of CPU
    embed = ["--embed"] if "://" not in db else ["--no-embed"]
    procs = [subprocess.Popen([*MEALINK, "ingest", *batch, "--db", db, *embed],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "COLUMNS": "100"})
             for batch in batches]
    results = [p.communicate(timeout=900) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err or out
        assert "error" not in err, err
    said = [counts(out) for out, _ in results]
    assert all(c["failed"] == 0 and c["updated"] == 0 for c in said), said
    given = [2 * n // 3, n - n // 3, len(files[::3]) + len(files[::4])]
    assert [sum(c.values()) for c in said] == given

    r = subprocess.run([*MEALINK, "ingest", str(texts), str(copies), "--db", reference,
                        "--no-embed"], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    alone = counts(r.stdout)
    assert alone["added"] == n and alone["duplicate"] == len(files[::3])
    # each text added by exactly one process; the others found it stored
    assert sum(c["added"] for c in said) == n

    got, want = snapshot(db), snapshot(reference)
    assert sum(got["documents"].values()) > n  # the stubs of cited texts too
    for table in want:
        assert got[table] == want[table], table
    if embed == ["--embed"]:
        store = open_store(db, create=False)
        with store.engine.connect() as conn:
            unembedded = conn.execute(text(
                "SELECT count(*) FROM paragraphs p WHERE p.kind != 'heading' AND "
                "p.text_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE "
                "e.text_hash = p.text_hash)")).scalar_one()
        store.dispose()
        assert unembedded == 0
