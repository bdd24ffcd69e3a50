"""The ``mealink`` command's odd corners found by trying it (issue 17), as a user runs it:
real processes over the invented fixtures, on SQLite and PostgreSQL where the store is
involved. Each test failed before its fix."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mealink.store import open_store
from mealink.store.engine.schema import AssessmentRow, DocumentRow
from tests.conftest import INVENTED, make_db
from tests.test_cli import run
from tests.test_concurrent_ingest import counts

M_4 = "cms/resolution/13.905/para_4/standing-committee"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def first_ingest(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[str, subprocess.CompletedProcess[str]]]:
    """A database the invented fixtures were first ingested into (with sentence vectors),
    and what that first ingest printed."""
    folder = tmp_path_factory.mktemp("odds")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    said = run("ingest", str(INVENTED), "--db", url)
    assert said.returncode == 0, said.stderr
    yield url, said
    for _ in gen:
        pass


def test_first_ingest_counts_what_is_stored(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    url, said = first_ingest
    store = open_store(url, create=False)
    with store.engine.connect() as conn:
        texts = conn.execute(select(func.count()).select_from(DocumentRow).where(
            ~DocumentRow.is_stub)).scalar()
        assessments = conn.execute(select(func.count()).select_from(AssessmentRow)).scalar()
    store.dispose()
    got = counts(said.stdout)
    # the web copy of CMS Resolution 13.905 was replaced by the copy that names its symbol
    assert got["added"] == texts + assessments == 8, said.stdout
    assert got["duplicate"] == 1


def test_lineage_citations_names_each_text_once(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    r = run("lineage", "cms/resolution/13.905", "--citations", "--db", first_ingest[0])
    assert r.returncode == 0, r.stderr
    ancestors = r.stdout.split("Descendants")[0]
    assert ancestors.count("CMS Resolution 11.928") == 1, ancestors
    assert re.search(r"repeals \(para 12\)|repeals, recalls, cites", " ".join(ancestors.split()))


def test_digest_orders_by_meeting_not_by_words(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    r = run("mandates", "--actor", "Scientific Council", "--digest", "--db", first_ingest[0],
            "-f", "csv")
    rows = [row for row in csv.DictReader(io.StringIO(r.stdout))
            if row["label"] == "CMS Resolution 12.921 (Rev.COP14)" and row["deadline_resolved"]]
    due = [row["deadline_resolved"] for row in rows]
    assert due.index("CMS next StC after COP14") < due.index("CMS COP15"), due


def test_progress_expect_on_a_mandate_without_entries_says_so(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    r = run("progress", "add", M_4, "--by", "Ana Officer", "--note", "started",
            "--expect", "3", "--db", first_ingest[0])
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no progress entries yet" in lines[0], r.stderr
    assert "entry 0 was written" not in r.stderr


def test_csv_says_true_and_false(first_ingest: tuple[str, subprocess.CompletedProcess[str]]
                                 ) -> None:
    url = first_ingest[0]
    for args, column in ((["mandates"], "in_force"), (["in-force"], "in_corpus"),
                         (["refs"], "in_corpus"), (["status", "cms/resolution/13.905"],
                                                   "in_force")):
        r = run(*args, "--db", url, "-f", "csv")
        values = {row[column] for row in csv.DictReader(io.StringIO(r.stdout))}
        assert values and values <= {"true", "false", ""}, (args, values)


def test_table_never_cuts_a_stable_id(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    ids = [row["id"] for row in csv.DictReader(io.StringIO(run(
        "mandates", "--db", first_ingest[0], "-f", "csv").stdout))]
    table = run("mandates", "--db", first_ingest[0]).stdout
    assert all(i in table for i in ids), [i for i in ids if i not in table]
    digest = run("mandates", "--actor", "Standing Committee", "--digest", "--db",
                 first_ingest[0]).stdout
    assert M_4 in digest


def test_findings_match_cuts_actions_at_a_word(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    r = run("findings", "match", "--db", first_ingest[0])
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    actions = re.findall(r"\): ([^…]*?)…", text)
    assert actions
    words = set(" ".join(re.findall(r"[A-Za-z]+", run(
        "mandates", "--db", first_ingest[0], "-f", "csv").stdout)).split())
    for a in actions:  # the last word before the ellipsis is a whole word of the action
        last = re.findall(r"[A-Za-z]+", a)[-1]
        assert last in words, a


def test_export_gets_the_users_umask(first_ingest: tuple[str, subprocess.CompletedProcess[str]],
                                     tmp_path: Path) -> None:
    target = tmp_path / "documents.csv"
    r = subprocess.run(["sh", "-c", 'umask 002 && exec "$0" -m mealink.cli "$@"',
                        sys.executable, "export", "-f", "csv", "--table", "documents", "--all",
                        "--db", first_ingest[0], "-o", str(target)],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert target.stat().st_mode & 0o777 == 0o664


def test_binary_file_message_lists_every_format_read(tmp_path: Path) -> None:
    from tests.filemakers import PNG

    (tmp_path / "image.txt").write_bytes(PNG + bytes(range(256)) * 4)
    r = run("parse", str(tmp_path / "image.txt"))
    assert r.returncode == 1
    for suffix in (".txt", ".md", ".html", ".pdf", ".docx", ".json", ".xml"):
        assert suffix in r.stderr, r.stderr


def test_pdf_install_hint_names_the_extra(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    fake = tmp_path / "nopdf"
    fake.mkdir()
    (fake / "weasyprint.py").write_text("raise ImportError('No module named weasyprint')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(fake), *filter(None, [os.environ.get("PYTHONPATH")])])}
    r = subprocess.run([sys.executable, "-m", "mealink.cli", "report", "progress", "--actor",
                        "Scientific Council", "--db", first_ingest[0], "-o",
                        str(tmp_path / "r.pdf")], capture_output=True, text=True, env=env,
                       timeout=120, check=False)
    assert r.returncode == 1
    assert "pip install 'mealink[pdf]'" in r.stderr, r.stderr


def test_mandates_table_reads_as_sentences(
        first_ingest: tuple[str, subprocess.CompletedProcess[str]]) -> None:
    """The table says what the text asks ('requests the Scientific Council to ...'), not the
    stored short form ('request ...'), and never cuts a word."""
    r = subprocess.run([sys.executable, "-m", "mealink.cli", "mandates", "--actor",
                        "Scientific Council", "--db", first_ingest[0]], capture_output=True,
                       text=True, timeout=120, check=False,
                       env={**os.environ, "COLUMNS": "1000"})  # a row a line: no wrapping
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert re.search(r"\b(?:requests|instructs|invites) the Scientific Council\b", text), text
    assert not re.search(r"│ (?:request|instruct|invite) [a-z]", r.stdout)
