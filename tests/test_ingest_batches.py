"""Ingest commits many documents at once, a savepoint each, and parses in worker processes
while one writes (issue 18): what it stores is what storing each file in its own
transaction stores, row for row, whether it parses in its own process or in two others,
and a document the database refuses in the middle of a batch is rolled back alone. Real
texts, real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from mealink.load import DEFAULT_MAX_BYTES, iter_paths
from mealink.store import FileOutcome, IngestSummary, Store, ingest, ingest_file, link, open_store
from mealink.store.corpus.ingest import _record
from mealink.store.corpus.parallel import prepared_in_order, stored_bytes
from mealink.store.corpus.prepare import prepare
from mealink.store.engine.schema import DocumentRow, ParagraphRow, SourceRow
from mealink.workers import CHUNK
from tests.conftest import INVENTED, make_db, refuse_inserts
from tests.test_concurrent_ingest import MEALINK, counts, snapshot

#: what differs between two stores of the same files: row numbers and times
_VOLATILE = frozenset({"pk", "updated_at", "recorded_at", "created_at"})


@pytest.fixture(params=["sqlite", "postgresql"])
def three_stores(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> Iterator[tuple[str, str, str]]:
    """Three fresh, empty databases of one engine."""
    gens = []
    for sub in ("one", "two", "three"):
        (tmp_path / sub).mkdir()
        gens.append(make_db(request.param, tmp_path / sub, request))
    first, second, third = (next(g) for g in gens)
    yield first, second, third
    for g in gens:
        next(g, None)


def _outcomes(outcomes: list[FileOutcome]) -> list[tuple[object, ...]]:
    return [(o.path, o.outcome, o.document_id, o.message, o.paragraphs, o.problems)
            for o in outcomes]


def test_a_batch_stores_what_one_transaction_per_file_stores(
        three_stores: tuple[str, str, str], tmp_path: Path, realdocs_dir: Path) -> None:
    """The real texts (two of them refused as excerpts), the invented ones, and a copy of
    one under another name: every table's rows and every file's outcome are the same when
    each file is stored in its own transaction, and when ingest batches them parsing in
    its own process or in two workers."""
    texts = tmp_path / "texts"
    shutil.copytree(realdocs_dir, texts)
    shutil.copytree(INVENTED, texts / "invented")
    shutil.copy(INVENTED / "cms-res-13.905.txt", texts / "zz-copy.txt")
    alone_url, batched_url, parallel_url = three_stores
    alone = open_store(alone_url)
    try:
        one_by_one = IngestSummary()  # as ingest reports them: a later file may amend one
        for p in iter_paths([texts]):
            _record(one_by_one, ingest_file(alone, p), None)
        link(alone)
    finally:
        alone.dispose()
    want = snapshot(alone_url, _VOLATILE)
    assert sum(o.outcome == "added" for o in one_by_one.outcomes) >= 40
    for url, workers in ((batched_url, 1), (parallel_url, 2)):
        store = open_store(url)
        try:
            summary = ingest(store, [texts], workers=workers)
        finally:
            store.dispose()
        assert _outcomes(summary.outcomes) == _outcomes(one_by_one.outcomes), workers
        assert snapshot(url, _VOLATILE) == want, workers


def _refuse_liaison_group(store: Store) -> None:
    """Every paragraph naming the Liaison Group refused by the database."""
    refuse_inserts(store, "paragraphs", "new.text LIKE '%Liaison Group%'")


def test_a_refused_document_in_the_middle_of_a_batch_rolls_back_alone(
        db_url: str, tmp_path: Path) -> None:
    """Three documents in one transaction: the middle one refused by the database is rolled
    back to its savepoint, said in one line, and the two around it are stored."""
    store = open_store(db_url)
    _refuse_liaison_group(store)
    (tmp_path / "a.txt").write_bytes((INVENTED / "cites-dec-19.930.txt").read_bytes())
    (tmp_path / "b.txt").write_bytes((INVENTED / "cms-res-13.905.txt").read_bytes())
    (tmp_path / "c.md").write_bytes((INVENTED / "cms-res-12.921-rev-cop14.md").read_bytes())
    commits: list[object] = []
    event.listen(store.engine, "commit", commits.append)
    summary = ingest(store, [tmp_path])
    assert [o.outcome for o in summary.outcomes] == ["added", "failed", "added"]
    said = summary.outcomes[1].message or ""
    assert said.startswith(f"{tmp_path / 'b.txt'}: not stored, the database refused it (")
    assert "refused by test trigger" in said and "\n" not in said
    assert len(commits) == 2  # the three documents at once, then linking the corpus
    with store.engine.connect() as conn:
        docs = set(conn.execute(select(ParagraphRow.document_id)).scalars())
        sources = set(conn.execute(select(SourceRow.document_id)).scalars())
        stored = set(conn.execute(select(DocumentRow.id).where(~DocumentRow.is_stub))
                     .scalars())
    want = {"cites/decision/19.930", "cms/resolution/12.921-rev-cop14"}
    assert docs == sources == stored == want
    store.dispose()


def test_a_document_refused_after_storing_the_topics_leaves_them_to_the_next(
        db_url: str, tmp_path: Path) -> None:
    """The first document with topics in a batch stores the vocabulary's topics; refused
    after that (a trigger on its mandates), they are rolled back with it, and the next
    document of the batch stores them again rather than taking them as stored."""
    store = open_store(db_url)
    refuse_inserts(store, "mandates", "new.document_id = 'cms/resolution/13.905'")
    (tmp_path / "a.txt").write_bytes((INVENTED / "cms-res-13.905.txt").read_bytes())
    (tmp_path / "b.md").write_bytes((INVENTED / "cms-res-12.921-rev-cop14.md").read_bytes())
    summary = ingest(store, [tmp_path])
    assert [o.outcome for o in summary.outcomes] == ["failed", "added"], summary.outcomes
    with store.engine.connect() as conn:
        topics = conn.execute(text("SELECT count(*) FROM paragraph_topics")).scalar_one()
        rows = conn.execute(text("SELECT count(*) FROM topics")).scalar_one()
    assert topics > 0 and rows > 0
    store.dispose()


def test_the_command_parses_in_workers_as_it_does_alone(tmp_path: Path) -> None:
    """``mealink ingest --jobs 2`` (workers started from a fork server, the progress bar's
    thread running) says and stores what ``--jobs 1`` does."""
    said = []
    for jobs in ("1", "2"):
        db = str(tmp_path / f"jobs{jobs}.db")
        r = subprocess.run([*MEALINK, "ingest", str(INVENTED), "--db", db, "--no-embed",
                            "--jobs", jobs], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "COLUMNS": "200"})
        assert r.returncode == 0, r.stderr
        said.append((counts(r.stdout), sorted(line for line in r.stdout.splitlines()
                                              if line.startswith(("duplicate:", "added:")))))
    assert said[0] == said[1] and said[0][0]["added"] >= 5
    assert snapshot(str(tmp_path / "jobs1.db"), _VOLATILE) == \
        snapshot(str(tmp_path / "jobs2.db"), _VOLATILE)


def test_files_stored_already_are_not_sent_to_the_workers(db_url: str, tmp_path: Path
                                                          ) -> None:
    """Ingesting an unchanged folder again parses nothing: what the store holds when ingest
    begins says which files the workers can skip (their bytes from this path, or the same
    bytes from another); a changed file and a new one go to the workers."""
    store = open_store(db_url)
    assert stored_bytes(store, DEFAULT_MAX_BYTES) is None  # an empty store: nothing to ask
    texts = tmp_path / "texts"
    shutil.copytree(INVENTED, texts)
    first = ingest(store, [texts], workers=2)
    known = stored_bytes(store, DEFAULT_MAX_BYTES)
    assert known is not None
    # what a serial ingest would not parse again: the files stored (not those it refused,
    # nor a copy of a stored text in other bytes)
    stored = {o.path for o in first.outcomes if o.outcome == "added"}
    assert {str(p) for p in iter_paths([texts]) if known(p)} == stored and len(stored) >= 5
    shutil.copy(texts / "cms-res-13.905.txt", tmp_path / "copy.txt")  # same bytes elsewhere
    assert known(tmp_path / "copy.txt")
    changed = texts / "cms-res-13.905.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n2. Decides to stay seized.\n",
                       encoding="utf-8")
    (tmp_path / "new.txt").write_text("Anything else\n", encoding="utf-8")
    assert not known(changed) and not known(tmp_path / "new.txt")
    again = ingest(store, [texts], workers=2)
    want = {o.path: "updated" if o.path == str(changed) else "unchanged" if o.path in stored
            else o.outcome for o in first.outcomes}
    assert {o.path: o.outcome for o in again.outcomes} == want
    store.dispose()


@pytest.mark.parametrize("skipped", [set(), {0, 3, 4, 9}, set(range(0, 40, 2))],
                         ids=["none skipped", "some skipped", "every other skipped"])
def test_workers_hand_files_back_in_order(realdocs_dir: Path, skipped: set[int]) -> None:
    """Files go to the workers a few to a task (``CHUNK``); each comes back in the order
    given, prepared as ``prepare`` prepares it alone, and a file said to be stored is left
    to the writer, whatever the number of files and wherever the skipped ones fall."""
    files = sorted(realdocs_dir.glob("*.txt"))[:CHUNK * 3 + 2]
    skip = {files[i] for i in skipped if i < len(files)}
    got = list(prepared_in_order(files, DEFAULT_MAX_BYTES, 2, lambda p: p in skip))
    assert [g.path for g in got] == [str(f) for f in files]
    for f, g in zip(files, got, strict=True):
        if f in skip:
            assert g.parsed is None and g.data == b""
        else:
            alone = prepare(str(f), DEFAULT_MAX_BYTES)
            assert (g.shown, g.digest, g.failed) == (alone.shown, alone.digest, alone.failed)
            assert type(g.parsed) is type(alone.parsed)


def _descendants(pid: int) -> list[int]:
    """The processes started under ``pid``, read from /proc (Linux)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def _descendants_1(pid: int) -> list[int]:
    """The processes ``pid`` started itself (a fork server, a resource tracker)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_worker_killed_mid_ingest_is_one_line_and_keeps_what_was_reported(
        tmp_path: Path, realdocs_dir: Path) -> None:
    """A parsing worker that dies (killed here, as the kernel kills one out of memory) stops
    the ingest with one line naming the file it was parsing; what was reported stored is
    stored whole, nothing else."""
    folder = tmp_path / "texts"
    for n in range(6):  # enough files that the workers are still busy when one is killed
        shutil.copytree(realdocs_dir, folder / f"copy{n}")
        for f in (folder / f"copy{n}").glob("*.txt"):
            f.write_text(f.read_text(encoding="utf-8") + f"\n\nCopy {n}.\n", encoding="utf-8")
    db = str(tmp_path / "k.db")
    proc = subprocess.Popen([*MEALINK, "ingest", str(folder), "--db", db, "--no-embed",
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    killed = None
    for _ in range(600):  # the workers' processes, once parsing has begun: started by the
        # fork server (the progress bar's thread runs), so the ingest's grandchildren
        workers = [p for p in _descendants(proc.pid) if p not in _descendants_1(proc.pid)]
        if len(workers) >= 2 and proc.poll() is None:
            killed = workers[0]
            os.kill(killed, 9)
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert killed is not None, "no worker process was seen"
    assert proc.returncode == 1, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "the process parsing it stopped before it finished" in err
    store = open_store(db, create=False)
    with store.engine.connect() as conn:
        stored = conn.execute(select(DocumentRow.id)).scalars().all()
        orphans = conn.execute(text("SELECT count(*) FROM paragraphs p WHERE NOT EXISTS "
                                    "(SELECT 1 FROM documents d WHERE d.id = p.document_id)")
                               ).scalar_one()
    store.dispose()
    assert orphans == 0
    assert len(stored) < 6 * 39  # stopped: not every file was stored
