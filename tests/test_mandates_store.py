"""Stored mandates on SQLite and PostgreSQL: derived statuses, append-only attributed
progress that survives a restart and a re-ingest, the review's proposals on the invented
fixtures, and the mandate commands end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.mandates.review import annex_lines
from mealink.store import Store, ingest, open_store, reparse
from mealink.store.engine.schema import ProgressRow
from mealink.store.mandates import MandateFilters, digest, list_mandates
from mealink.store.progress import add_progress, history
from mealink.store.review import review
from tests.conftest import INVENTED, make_db

MEALINK = [sys.executable, "-m", "mealink.cli"]
M_3B = "cms/resolution/13.905/para_3(b)/scientific-council"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEALINK, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, check=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def invented(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Store]:
    """The invented fixtures, ingested once per engine (read-only tests)."""
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    store = open_store(next(gen))
    summary = ingest(store, [INVENTED])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture
def fresh(db_url: str) -> Iterator[tuple[str, Store]]:
    """The invented fixtures in a database of their own (tests that write)."""
    store = open_store(db_url)
    ingest(store, [INVENTED])
    yield db_url, store
    store.dispose()


def test_mandates_are_stored_with_derived_statuses(invented: Store) -> None:
    ms = {m.id: m for m in list_mandates(invented, MandateFilters(convention="CMS"))}
    report = ms["cms/resolution/13.905/para_11/secretariat"]
    assert report.status == "elapsed" and report.deadline is not None
    assert report.derived_reason == "due by CMS COP14, which has passed"
    assert ms["cms/resolution/12.921-rev-cop14/para_3(a)/scientific-council"].status == "active"
    assert ms[M_3B].status == "active" and ms[M_3B].deadline is None
    assert "resources permitting" in (ms[M_3B].condition or "")


@pytest.mark.parametrize(("filters", "expected"), [
    (MandateFilters(actor="Scientific Council", convention="CMS", time_bound=False),
     {M_3B, "cms/resolution/13.905/para_3(a)/scientific-council"}),
    (MandateFilters(actor="scientific body", convention="CITES"),
     {"cites/resolution/13.910-rev-cop19/op_7/animals-committee",
      "cites/resolution/13.910-rev-cop19/op_7/plants-committee"}),
    (MandateFilters(convention="Ramsar", due_before="COP15"),
     {"ramsar/resolution/XIV.907/para_15/secretariat"}),
    (MandateFilters(convention="CBD", status="elapsed"),
     {"cbd/decision/15-908/para_4(c)/executive-secretary",
      "cbd/decision/15-908/para_5/subsidiary-body-on-scientific-technical-and-technological-ad"}),
])
def test_mandate_filters(invented: Store, filters: MandateFilters, expected: set[str]
                         ) -> None:
    got = {m.id for m in list_mandates(invented, filters)}
    assert expected <= got if filters.time_bound is False else got == expected


def test_digest_groups_by_resolution_deadlines_first(invented: Store) -> None:
    groups = digest(invented, "Scientific Council", convention="CMS")
    # 13.905 3(d) was due at the StC meeting before COP14; 14.911 at StC56 and COP15; 12.921
    # 3(a) at COP15 (not yet in the calendar)
    assert [g.label for g in groups] == ["CMS Resolution 13.905", "CMS Decisions 14.910 to 14.912",
                                         "CMS Resolution 12.921 (Rev.COP14)"]
    for g in groups:
        flags = [m.time_bound for m in g.mandates]
        assert flags == sorted(flags, reverse=True)  # time-bound before standing
    assert all(m.in_force for g in groups for m in g.mandates)


def test_progress_is_attributed_append_only_and_survives_restart(
        fresh: tuple[str, Store]) -> None:
    url, store = fresh
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    add_progress(store, M_3B, "Ana Officer", note="Draft guidance circulated",
                 evidence=["CMS Decision 14.911"], now=at)
    add_progress(store, M_3B, "Ben Councillor", status="implemented",
                 evidence=["https://www.cms.int/en/document/guidance"], expected_seq=1)
    store.dispose()
    again = open_store(url)  # a restart: a new engine on the same database
    entries = history(again, M_3B)
    assert [(e.seq, e.author, e.status) for e in entries] == [
        (1, "Ana Officer", None), (2, "Ben Councillor", "implemented")]
    assert entries[0].recorded_at == at and entries[0].evidence == ("CMS Decision 14.911",)
    [view] = list_mandates(again, MandateFilters(document="cms/resolution/13.905", actor=
                                                 "Scientific Council", status="implemented"))
    assert view.id == M_3B and view.latest is not None and view.entries == 2
    # re-reading every text (a parser upgrade) keeps the entries and the status they set
    reparse(again)
    assert len(history(again, M_3B)) == 2
    assert list_mandates(again, MandateFilters(status="implemented"))[0].id == M_3B
    again.dispose()


def test_progress_cannot_be_overwritten(fresh: tuple[str, Store]) -> None:
    _, store = fresh
    add_progress(store, M_3B, "Ana Officer", status="stagnant")
    with pytest.raises(ConflictError, match="entry 1 was written since you read entry 0"):
        add_progress(store, M_3B, "Ben", status="implemented", expected_seq=0)
    with pytest.raises((IntegrityError, DBAPIError)), store.engine.begin() as conn:
        conn.execute(insert(ProgressRow), [{  # a second "entry 1": the unique key refuses it
            "mandate_id": M_3B, "seq": 1, "author": "Eve", "recorded_at": datetime.now(UTC),
            "status": "implemented", "note": None, "evidence": []}])
    for sql in ("UPDATE progress SET status = 'implemented'", "DELETE FROM progress"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))
    assert [(e.author, e.status) for e in history(store, M_3B)] == [("Ana Officer", "stagnant")]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"status": "done"}, "status 'done' is not one of: active, implemented"),
    ({}, "needs a status, a note or evidence"),
    ({"note": "x", "evidence": ["https://exa mple"]}, r"is a link mealink does not follow"),
])
def test_bad_progress_is_refused(invented: Store, kwargs: dict[str, object], message: str
                                 ) -> None:
    with pytest.raises(MealinkError, match=message):
        add_progress(invented, M_3B, "Ana", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="no mandate"):
        add_progress(invented, "cms/resolution/13.905/para_99/secretariat", "Ana", note="x")


# The answers written beside the fixtures (tests/fixtures/invented/README.md, "Review of
# decisions").
REVIEW_ANSWERS = {
    ("CMS", "COP15"): ["Decisions to be deleted (adopted for a period that has ended):",
                       "- Decisions 14.910 to 14.912: adopted at COP14 for the period until "
                       "COP15; delete unless kept",
                       "Paragraphs to be repealed:",
                       "- CMS Resolution 12.921 (Rev.COP14), paragraphs 3(a), 4 and 7",
                       "- CMS Resolution 13.905, paragraphs 3(d), 4 and 11"],
    ("CMS", "COP14"): ["Paragraphs to be repealed:",
                       "- CMS Resolution 13.905, paragraphs 3(d), 4 and 11"],
    ("CITES", "CoP20"): ["Decisions to be deleted:", "- CITES Decision 19.930",
                         "Paragraphs to be repealed:",
                         "- CITES Resolution Conf. 13.910 (Rev.CoP19), paragraph “DIRECTS the "
                         "Secretariat to …”"],
    ("CBD", "COP16"): ["Paragraphs to be retired:", "- CBD Decision 15/908, paragraphs 4(c) "
                       "and 5"],
    ("CBD", "COP15"): [],
    ("Ramsar", "COP15"): ["Paragraphs to be repealed:",
                          "- Ramsar Resolution XIV.907, paragraph 15"],
}


@pytest.mark.parametrize(("convention", "as_of"), list(REVIEW_ANSWERS))
def test_review_of_the_fixtures(invented: Store, convention: str, as_of: str) -> None:
    result = review(invented, convention, as_of)
    assert annex_lines(result) == REVIEW_ANSWERS[(convention, as_of)]
    assert not [p for p in result.proposals if p.action == "consolidate"]
    assert all(p.reasons for p in result.proposals)


def test_review_names_why(invented: Store) -> None:
    [p] = [p for p in review(invented, "CITES", "CoP20").proposals if p.action == "repeal"]
    assert p.reasons[0] == "all 1 mandates are done or past (1 elapsed)"
    assert "due by CITES CoP20" in p.reasons[1]


def test_implemented_mandates_complete_a_text(fresh: tuple[str, Store]) -> None:
    _, store = fresh
    result = review(store, "Ramsar", "COP14")
    assert annex_lines(result) == []
    for m in list_mandates(store, MandateFilters(document="ramsar/resolution/XIV.907")):
        add_progress(store, m.id, "Ramsar Secretariat", status="implemented")
    [p] = review(store, "Ramsar", "COP14").proposals
    assert (p.action, p.labels) == ("repeal", ("Ramsar Resolution XIV.907",))


REPEALING = """CONVENTION ON MIGRATORY SPECIES

Distribution: General

UNEP/CMS/Resolution 14.930

Original: English

REVIEW OF DECISIONS

Adopted by the Conference of the Parties at its 14th Meeting (Samarkand, February 2024)

The Conference of the Parties to the Convention on the Conservation of Migratory Species of
Wild Animals,

1. Repeals paragraphs 3 and 4 of Resolution 13.905;

2. Repeals Resolution 12.921 (Rev.COP14).
"""


def test_repealed_paragraphs_retire_their_mandates(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "cms-res-14.930.txt").write_text(REPEALING, encoding="utf-8")
    store = open_store(db_url)
    ingest(store, [INVENTED, tmp_path])
    ms = {m.id: m for m in list_mandates(store, MandateFilters(convention="CMS"))}
    assert ms[M_3B].status == "retired"
    assert ms[M_3B].derived_reason == "repealed by CMS Resolution 14.930"
    assert ms["cms/resolution/13.905/para_4/standing-committee"].status == "retired"
    assert ms["cms/resolution/13.905/para_5/secretariat"].status == "active"
    assert {m.status for i, m in ms.items() if i.startswith("cms/resolution/12.921")} == \
        {"retired"}
    # a status recorded by a person does not hide that the paragraph is gone
    add_progress(store, M_3B, "Ana", status="implemented")
    assert list_mandates(store, MandateFilters(document="cms/resolution/13.905",
                                               status="retired"))
    store.dispose()


def test_mandate_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    assert run("ingest", str(INVENTED), "--db", db, "--no-embed").returncode == 0
    listed = run("mandates", "--actor", "Scientific Council", "--convention", "CMS",
                 "--format", "json", "--db", db)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert M_3B in {r["id"] for r in rows}
    csv_out = run("mandates", "--convention", "CITES", "--format", "csv", "--db", db)
    assert csv_out.stdout.splitlines()[0].startswith("id,label,paragraph,actor")
    xlsx = tmp_path / "m.xlsx"
    assert run("mandates", "--format", "xlsx", "-o", str(xlsx), "--db", db).returncode == 0
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None and sheet.max_row > 50 and sheet["A1"].value == "id"
    added = run("progress", "add", M_3B, "--by", "Ana Officer", "--status", "implemented",
                "--note", "=HYPERLINK(\"http://evil\")", "--evidence", "CMS Decision 14.911",
                "--db", db)
    assert added.returncode == 0 and "entry 1 recorded" in added.stdout
    shown = run("progress", "show", M_3B, "--format", "json", "--db", db)
    assert json.loads(shown.stdout)[0]["author"] == "Ana Officer"
    for suffix in (".html", ".xlsx", ".pdf"):
        out = tmp_path / f"report{suffix}"
        made = run("report", "progress", "--actor", "Scientific Council", "--for", "StC55",
                   "--convention", "CMS", "-o", str(out), "--db", db)
        assert made.returncode == 0, made.stderr
        assert out.stat().st_size > 1000
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Progress on the CMS mandates addressed to the Scientific Council" in html
    assert "For StC55" in html and "CMS Decision 14.911" in html
    assert "=HYPERLINK(&#34;http://evil&#34;)" in html  # shown as text, escaped
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    book = openpyxl.load_workbook(tmp_path / "report.xlsx").active
    assert book is not None
    notes = [c.value for c in next(book.iter_cols(min_col=15, max_col=15))]
    assert notes[0] == "latest_note" and "'=HYPERLINK(\"http://evil\")" in notes
    annex = run("review", "--convention", "CMS", "--as-of", "COP15", "--format", "annex",
                "--db", db)
    assert "- CMS Resolution 13.905, paragraphs 3(d), 4 and 11" in annex.stdout


@pytest.fixture(scope="module")
def stored_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The invented fixtures stored once by the command (no sentence vectors: no command
    below reads them), copied for each case."""
    db = tmp_path_factory.mktemp("bad-input") / "m.db"
    done = run("ingest", str(INVENTED), "--db", str(db), "--no-embed")
    assert done.returncode == 0, done.stderr
    return db


@pytest.mark.parametrize(("args", "message"), [
    (["mandates", "--format", "xlsx"], "--format xlsx needs --output FILE.xlsx"),
    (["mandates", "--status", "finished"], "--status 'finished': one of active"),
    (["mandates", "--digest"], "--digest needs --actor"),
    (["progress", "show", M_3B, "--format", "xlsx"], "progress show writes a table, json"),
    (["progress", "add", M_3B, "--by", "Ana", "--status", "done"], "status 'done' is not"),
    (["report", "progress", "--actor", "Nobody", "-o", "r.html"],
     "no mandate in force is addressed to 'Nobody'"),
    (["report", "progress", "--actor", "Secretariat", "-o", "r.doc"], "name a .html, .pdf"),
    (["review", "--convention", "UNFCCC"], "no document of 'UNFCCC' in force"),
    (["review", "--convention", "CMS", "--as-of", "soon"], "--as-of 'soon'"),
])
def test_mandate_commands_refuse_bad_input_in_one_line(tmp_path: Path, args: list[str],
                                                       message: str, stored_once: Path
                                                       ) -> None:
    db = str(tmp_path / "m.db")
    shutil.copyfile(stored_once, db)  # a copy each: a command that wrote would show here
    done = run(*args, "--db", db, cwd=tmp_path)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr
