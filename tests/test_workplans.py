"""Joint work plans in the store, on SQLite and PostgreSQL, over real texts of
../shared/realdocs (and the invented fixtures where the real texts hold no overlap): a
plan's references resolved or reported, one transaction per import, a new import replacing
activities by id and keeping their progress, append-only progress, the activities a
mandate's page lists, drafts from overlapping mandates and the CLI's one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.store import Store, ingest, open_store
from mealink.store.search.vectors import embed_paragraphs
from mealink.store.workplans.plans import import_plan
from mealink.store.workplans.progress import activity_history, add_activity_progress
from mealink.store.workplans.resolve import resolve_reference
from mealink.store.workplans.views import activities_for_mandate, draft_from_store, plan_view
from mealink.workplans.model import WorkPlanError
from mealink.workplans.read import read_plan
from mealink.workplans.write import plan_csv, plan_yaml
from tests.conftest import INVENTED, REPO, make_db
from tests.model import ENCODER

#: real texts: CMS 11.10 (synergies), 11.28 (invasive alien species), CITES 13.3 (cooperation
#: with CMS), 13.10 in French (trade in invasive species, replaced by its Rev. CoP14),
#: CITES 17.55-17.56 (cooperation among conventions)
TEXTS = ["cms-res-11.10.txt", "cms-res-11.28.txt", "cms-res-10.8-rev-cop14.txt",
         "cites-res-conf-13.3.txt", "cites-res-conf-13.10.fr.txt", "cites-dec-17.55-17.56.txt"]
PLAN = REPO / "tests" / "data" / "workplan-cms-cites.yaml"
PID = "cms-cites-joint-work-plan-test"


def _store(engine: str, folder: Path, request: pytest.FixtureRequest,
           paths: list[Path]) -> Iterator[tuple[Store, str]]:
    gen = make_db(engine, folder, request)
    url = next(gen)
    store = open_store(url)
    summary = ingest(store, paths)
    assert summary.counts()["failed"] == 0, summary.outcomes
    embed_paragraphs(store, model=ENCODER)
    yield store, url
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def real(request: pytest.FixtureRequest, realdocs_dir: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """The real texts, ingested and embedded once per engine."""
    yield from _store(request.param, tmp_path_factory.mktemp("real"), request,
                      [realdocs_dir / t for t in TEXTS])


@pytest.fixture
def fresh(realdocs_dir: Path, db_url: str) -> Iterator[tuple[Store, str]]:
    """The real texts in a database of its own (for tests that write plans)."""
    store = open_store(db_url)
    assert ingest(store, [realdocs_dir / t for t in TEXTS]).counts()["failed"] == 0
    yield store, db_url
    store.dispose()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mealink.cli", *args], capture_output=True,
                          text=True, timeout=300, check=False)


# (reference as the plan writes it, the stored paragraph or None, the problem reported)
RESOLVED = [
    ("CMS Resolution 11.28 ¶3", "cms/resolution/11.28/para_3", None),
    ("CITES Resolution Conf. 13.3 ¶(a)", "cites/resolution/13.3/para_(a)", None),
    ("UNEP/CMS/Resolution 11.10, para. 8", "cms/resolution/11.10/para_8", None),
    ("CMS Resolution 11.10 ¶99", None,
     "CMS Resolution 11.10 has no paragraph 99 (its paragraphs are numbered 1 to 28)"),
    ("CBD XIII/5 ¶3", None, "CBD Decision XIII/5 is not in the corpus; ingest its text "
                            "(`mealink ingest`) and import the plan again"),
]


def test_a_plan_s_references_are_resolved_or_reported(fresh: tuple[Store, str]) -> None:
    store, _ = fresh
    result = import_plan(store, read_plan(PLAN))
    assert result.plan_id == PID and result.added == ["1.1", "1.2"]
    got = [(r.written, r.paragraph_id, None) for r in result.resolved] + \
          [(u.written, None, u.problem) for u in result.unresolved]
    assert sorted(got) == sorted(RESOLVED)
    assert [(u.row, u.activity) for u in result.unresolved] == [(2, "1.2"), (2, "1.2")]
    assert result.unresolved[0].line("plan.yaml").startswith(
        "plan.yaml item 2 (activity 1.2): 'CMS Resolution 11.10 ¶99': ")
    assert result.unresolved[0].line("plan.csv").startswith("plan.csv row 2 (activity 1.2)")
    view = plan_view(store, PID, "2026-07-01")
    a11, a12 = view.activities
    assert [lk.label for lk in a11.links] == ["CMS Resolution 11.28 ¶3",
                                              "CITES Resolution Conf. 13.3 ¶(a)"]
    assert a11.links[1].mandates == ["cites/resolution/13.3/para_(a)/standing-committee"]
    assert [lk.problem is None for lk in a12.links] == [True, False, False]
    # due 2026-06-30, nothing recorded: overdue on 1 July; CMS COP15 has no date yet
    assert (a11.due, a11.overdue, a12.due, a12.overdue) == (date(2026, 6, 30), True, None,
                                                            False)


@pytest.mark.parametrize(("reference", "paragraph"), [
    ("CMS Resolution 10.8 ¶2", "cms/resolution/10.8-rev-cop14/para_2"),  # its version in force
    ("CMS Res.11.28 para 12", "cms/resolution/11.28/para_12"),
    ("cms/resolution/11.28/op_11", "cms/resolution/11.28/op_11"),  # an unnumbered paragraph
    ("CITES Resolution Conf. 13.3 ¶(b)(ii)", "cites/resolution/13.3/para_(b)(ii)"),
])
def test_references_resolve_to_stored_paragraphs(real: tuple[Store, str], reference: str,
                                                 paragraph: str) -> None:
    store, _ = real
    with store.engine.connect() as conn:
        found = resolve_reference(conn, reference)
    assert [(r.paragraph_id, r.problem) for r in found] == [(paragraph, None)]


def test_strict_refuses_the_whole_plan_and_stores_nothing(fresh: tuple[Store, str]) -> None:
    store, _ = fresh
    with pytest.raises(WorkPlanError, match=r"^workplan-cms-cites\.yaml item 2 \(activity "
                                            r"1\.2\): 'CMS Resolution 11\.10 ¶99': .* \(and 1 "
                                            r"more unresolved\); nothing was stored$"):
        import_plan(store, read_plan(PLAN), strict=True)
    with store.engine.connect() as conn:
        for table in ("workplans", "workplan_activities", "workplan_mandates"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_importing_again_replaces_activities_by_id_and_keeps_progress(
        fresh: tuple[Store, str], tmp_path: Path) -> None:
    store, _ = fresh
    import_plan(store, read_plan(PLAN))
    add_activity_progress(store, PID, "1.2", "ana", status="stagnant", note="Waiting on CBD")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(PLAN.read_text(encoding="utf-8").replace(
        "Joint work programme on invasive", "Joint programme of work on invasive").split(
        '  - id: "1.2"')[0] + '  - id: "1.3"\n    text: Joint side event at COP15\n'
        '    mandates: CMS Resolution 11.10 ¶22\n', encoding="utf-8")
    again = import_plan(store, read_plan(v2, "CMS-CITES joint work plan (test)"))
    assert (again.added, again.replaced, again.removed, again.unchanged) == \
        (["1.3"], ["1.1"], ["1.2"], [])
    assert again.previous is not None and again.previous[0] == "workplan-cms-cites.yaml"
    view = plan_view(store, PID)
    assert [(a.id, a.removed, a.status) for a in view.activities] == \
        [("1.1", False, "active"), ("1.3", False, "active"), ("1.2", True, "stagnant")]
    assert [e.note for e in activity_history(store, PID, "1.2")] == ["Waiting on CBD"]
    assert view.activities[0].text.startswith("Joint programme of work")
    third = import_plan(store, read_plan(v2, "CMS-CITES joint work plan (test)"))
    assert (third.added, third.replaced, third.removed, third.unchanged) == \
        ([], [], [], ["1.1", "1.3"])


def test_progress_on_an_activity_is_append_only(fresh: tuple[Store, str]) -> None:
    store, _ = fresh
    import_plan(store, read_plan(PLAN))
    when = datetime(2026, 3, 1, tzinfo=UTC)
    first = add_activity_progress(store, PID, "1.1", "ana", status="active",
                                  note="Drafting started",
                                  evidence=["UNEP/CMS/Resolution 11.28"], now=when)
    second = add_activity_progress(store, PID, "1.1", "ben", status="implemented",
                                   evidence=["https://www.cms.int/"], expected_seq=1)
    assert (first.seq, second.seq) == (1, 2)
    with pytest.raises(ConflictError, match="entry 2 was written since you read entry 1"):
        add_activity_progress(store, PID, "1.1", "ana", note="late", expected_seq=1)
    with pytest.raises(MealinkError, match="is a link mealink does not follow"):
        add_activity_progress(store, PID, "1.1", "ana", evidence=["javascript:alert(1)"])
    with pytest.raises(MealinkError, match="status 'done' is not one of: active, "):
        add_activity_progress(store, PID, "1.1", "ana", status="done")
    with pytest.raises(NotFoundError, match=r"has no activity '9\.9'"):
        add_activity_progress(store, PID, "9.9", "ana", note="x")
    for sql in ("UPDATE workplan_progress SET note = 'rewritten'",
                "DELETE FROM workplan_progress"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))
    assert [(e.seq, e.author, e.status, e.recorded_at) for e in
            activity_history(store, PID, "1.1")][:1] == [(1, "ana", "active", when)]
    assert plan_view(store, PID, "2027").activities[0].status == "implemented"
    assert not plan_view(store, PID, "2027").activities[0].overdue  # implemented: closed


def test_a_mandate_lists_the_activities_that_carry_it_out(fresh: tuple[Store, str]) -> None:
    store, url = fresh
    import_plan(store, read_plan(PLAN))
    mandate = "cms/resolution/11.10/para_8/secretariat"
    assert [(c.workplan_id, c.activity_id) for c in activities_for_mandate(store, mandate)] \
        == [(PID, "1.2")]
    assert activities_for_mandate(store, "cms/resolution/11.10/para_9/secretariat") == []
    shown = run("mandate", mandate, "--db", url, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert [a["activity"] for a in json.loads(shown.stdout)["activities"]] == ["1.2"]
    table = run("mandate", mandate, "--db", url)
    assert f"carried out by: {PID} activity 1.2 (active)" in " ".join(table.stdout.split())


def test_cli_refuses_a_bad_file_in_one_line_and_stores_nothing(
        fresh: tuple[Store, str], tmp_path: Path) -> None:
    _, url = fresh
    bad = tmp_path / "plan.csv"
    bad.write_text("Activity ID,Activity,Mandated by\nA1,Joint report,CMS Resolution 11.10 ¶8\n"
                   "A2,,CMS Resolution 11.28 ¶3\n", encoding="utf-8")
    done = run("workplan", "import", str(bad), "--db", url)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "mealink: error: plan.csv row 3, column 'Activity': empty; every activity needs id "
        "and text"]
    listed = run("workplan", "list", "--db", url, "--format", "json")
    assert json.loads(listed.stdout) == []
    done = run("workplan", "import", str(PLAN), "--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("unresolved: ") == 2


def test_the_report_a_secretariat_tables_lists_what_is_overdue(
        fresh: tuple[Store, str], tmp_path: Path) -> None:
    store, url = fresh
    import_plan(store, read_plan(PLAN))
    add_activity_progress(store, PID, "1.1", "CMS Secretariat", status="require-funding",
                          note="No funds yet for the expert meeting",
                          evidence=["https://www.cms.int/"])
    html = tmp_path / "plan.html"
    done = run("workplan", "report", PID, "--as-of", "2026-07-01", "-o", str(html),
               "--db", url)
    assert done.returncode == 0, done.stderr
    assert "2 activities of cms-cites-joint-work-plan-test, 1 overdue as of 2026-07-01" in \
        " ".join(done.stdout.split())
    page = html.read_text(encoding="utf-8")
    overdue = page[page.index("<h2>Overdue as of 2026-07-01</h2>"):page.index(
        "<h2>Activities</h2>")]
    assert "1.1</strong> Joint work programme on invasive alien species" in overdue
    assert "1.2" not in overdue  # CMS COP15 has no date yet: it cannot be overdue
    assert '<a href="https://www.cms.int/">https://www.cms.int/</a>' in page
    assert "CMS Resolution 11.10 ¶99 — unresolved: CMS Resolution 11.10 has no paragraph 99" \
        in page
    xlsx = tmp_path / "plan.xlsx"
    assert run("workplan", "show", PID, "--format", "xlsx", "-o", str(xlsx), "--db",
               url).returncode == 0
    rows = list(load_workbook(xlsx).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "activity", "lead")
    assert [(r[0], r[7]) for r in rows[1:]] == [("1.1", "require-funding"), ("1.2", "active")]
    refused = run("workplan", "report", PID, "-o", str(tmp_path / "plan.doc"), "--db", url)
    assert refused.stderr.strip().endswith("plan.doc: name a .html, .pdf or .xlsx file")


def test_a_draft_for_cms_and_cites_on_invasive_species_in_the_real_texts_is_empty(
        real: tuple[Store, str]) -> None:
    """The real texts hold CMS's asks on invasive alien species (Res. 11.28) but CITES's
    text on them (Res. Conf. 13.10) only in its original version, replaced since: no
    in-force CITES mandate on the issue, so nothing to draft, and the draft says why."""
    store, _ = real
    plan, drafts = draft_from_store(store, ["CMS", "CITES"], topic="invasive alien species")
    assert drafts == [] and plan.activities == ()
    assert plan.notes[0].startswith("No cluster of overlapping in-force mandates holds "
                                    "mandates of at least two of CMS, CITES")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def invented(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Store, str]]:
    yield from _store(request.param, tmp_path_factory.mktemp("invented"), request, [INVENTED])


def test_a_draft_for_cms_and_cites_on_invasive_species_joins_both(
        invented: tuple[Store, str], tmp_path: Path) -> None:
    store, _ = invented
    plan, drafts = draft_from_store(store, ["CMS", "CITES"], topic="invasive alien species")
    assert drafts
    for d in drafts:
        assert {m.convention for m in d.members} == {"CMS", "CITES"}
        assert d.activity.lead == "CMS" and d.lead_evidence  # see the fixtures' README
        assert d.activity.timetable == "CITES CoP20 (2025-12-05)"
    first = drafts[0].activity
    assert first.mandates == ("cites/resolution/13.910-rev-cop19/op_8",
                              "CMS Decisions 14.910 to 14.912 ¶14.912(b)",
                              "CMS Resolution 13.905 ¶5")
    # the draft, written as YAML and as CSV, imports with every reference resolved
    for suffix in ("yaml", "csv"):
        path = tmp_path / f"draft.{suffix}"
        path.write_text(plan_yaml(plan) if suffix == "yaml" else plan_csv(plan),
                        encoding="utf-8")
        result = import_plan(store, read_plan(path, plan.name), plan_id=f"draft-{suffix}",
                             strict=True)
        assert len(result.resolved) == sum(len(d.activity.mandates) for d in drafts)
        assert plan_view(store, f"draft-{suffix}").activities[0].due == date(2025, 12, 5)


# (conventions, --as-of, each activity's timetable and the conventions of its mandates), on
# the invented fixtures: the earliest deadline among an activity's mandates, a dated one
# before one the calendar cannot date, those passed by --as-of left out
DRAFTS = [
    ("CMS,CITES", None, [("CITES CoP20 (2025-12-05)", {"CMS", "CITES"})]),
    ("CMS,Ramsar", None, [("Ramsar COP15 (2025-07-31)", {"CMS", "Ramsar"})]),
    ("CMS,CBD", None, [("CMS COP15", {"CMS", "CBD"}), ("no deadline stated", {"CMS", "CBD"}),
                       ("CBD COP16 (2024-11-01)", {"CMS", "CBD"})]),
    ("CMS,CBD", "2025-01-01", [("CMS COP15", {"CMS", "CBD"}),
                               ("no deadline stated", {"CMS", "CBD"}),
                               ("CMS StC56", {"CMS", "CBD"})]),
]


@pytest.mark.parametrize(("conventions", "as_of", "expected"), DRAFTS)
def test_draft_timetables_are_the_earliest_deadline(
        invented: tuple[Store, str], conventions: str, as_of: str | None,
        expected: list[tuple[str, set[str]]]) -> None:
    _, drafts = draft_from_store(invented[0], conventions.split(","), as_of=as_of)
    assert [(d.activity.timetable, {m.convention for m in d.members}) for d in drafts] == \
        expected


def test_draft_saved_from_the_cli_is_a_plan(invented: tuple[Store, str]) -> None:
    _, url = invented
    done = run("workplan", "draft", "--conventions", "CMS,Ramsar", "--save", "cms-ramsar",
               "--db", url, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "saved as work plan cms-ramsar: 1 activity" in done.stderr
    shown = json.loads(run("workplan", "show", "cms-ramsar", "--db", url, "--format",
                           "json").stdout)
    assert [m["resolved"] for m in shown["activities"][0]["mandates"]] == [True, True, True]
    bad = run("workplan", "draft", "--conventions", "CMS", "--db", url)
    assert (bad.returncode, bad.stderr.strip()) == (1, "mealink: error: --conventions: a joint "
                                                       "work plan needs at least two "
                                                       "conventions, such as CMS,CITES")
