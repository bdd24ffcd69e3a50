"""Harmonised national reporting on the real texts of ../shared/realdocs (and, for merging,
the invented fixtures), on SQLite and PostgreSQL: the questionnaire, a Party's answers as
progress on every mandate they answer (once), coverage counted by hand, a changed
questionnaire refused, and the commands' bad input in one line."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mealink.errors import MealinkError
from mealink.reporting.questions import Question, check_answer
from mealink.reporting.rules import reporting_rules
from mealink.reports.questionnaire import META_SHEET, read_answers, write_template_xlsx
from mealink.store import Store, ingest, open_store
from mealink.store.engine.schema import ReportAnswerRow
from mealink.store.mandates import MandateFilters, list_mandates
from mealink.store.progress import history
from mealink.store.reporting import (
    coverage,
    import_answers,
    make_template,
    save_template,
    stored_template,
)
from tests.conftest import INVENTED, make_db
from tests.model import ENCODER
from tests.webapp import sign_in

MEALINK = [sys.executable, "-m", "mealink.cli"]


def _store(engine: str, folder: Path, request: pytest.FixtureRequest, texts: Path
           ) -> Iterator[Store]:
    gen = make_db(engine, folder, request)
    store = open_store(next(gen))
    summary = ingest(store, [texts])
    assert summary.counts()["added"] > 0
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(params=["sqlite", "postgresql"])
def real(request: pytest.FixtureRequest, tmp_path: Path, realdocs_dir: Path
         ) -> Iterator[Store]:
    """The real texts in a database of their own (the tests write answers)."""
    yield from _store(request.param, tmp_path, request, realdocs_dir)


def _fill(template: Path, out: Path, answers: dict[int, tuple[Any, str | None]]) -> None:
    """A Party's copy: the answer and details cells of the questions numbered in
    ``answers`` filled in, as a person does in a spreadsheet."""
    wb = load_workbook(template)
    for ws in wb.worksheets:
        if ws.title in ("About", META_SHEET):
            continue
        for row in range(2, ws.max_row + 1):
            number = ws.cell(row=row, column=1).value
            if number in answers:
                ws.cell(row=row, column=6, value=answers[number][0])
                ws.cell(row=row, column=7, value=answers[number][1])
    wb.save(out)


# --- the kind of answer, from the wording ------------------------------------------------
# (document, paragraph, addressee, kind): real asks and the kind their words show.
KINDS = [
    ("CMS Decisions 13.7 and 13.8", "13.7(b)", "Parties", "text"),  # "report to the COP"
    ("CBD Decision X/46", "4", "Interested Parties", "text"),  # "notify the Executive ..."
    ("CITES Decision 16.15", "16.15(c)", "Plants Committees", "text"),  # "report regularly"
    # "address threats ... including the elaboration of national lists of species": action
    ("CMS Resolution 11.28", "1", "Parties", "yes/no/partly"),
    ("CMS Resolution 11.28", "11", "Parties", "yes/no/partly"),  # "provide financial support"
    ("CMS Resolution 10.8 (Rev.COP14)", "1", "National focal points", "yes/no/partly"),
    ("CMS Resolution 11.10", "24", "Parties", "yes/no/partly"),
]


@pytest.mark.parametrize("engine", ["sqlite"])
def test_the_kind_of_answer_rests_on_the_wording(engine: str, tmp_path: Path,
                                                 request: pytest.FixtureRequest,
                                                 realdocs_dir: Path) -> None:
    gen = _store(engine, tmp_path, request, realdocs_dir)
    store = next(gen)
    views = {(v.document_label, v.paragraph, v.actor): v for v in list_mandates(store)}
    for label, paragraph, actor, kind in KINDS:
        v = views[(label, paragraph, actor)]
        assert reporting_rules().answer_type(v.action)[0] == kind, (label, paragraph,
                                                                   v.action)
    for _ in gen:
        pass


# (kind of answer, the cell's value, stored as, or the error's words)
CELLS = [
    ("yes/no/partly", "Yes", "yes"),
    ("yes/no/partly", " partly ", "partly"),
    ("yes/no/partly", "Not applicable", "not applicable"),
    ("yes/no/partly", "maybe", "is not one of: yes, no, partly, not applicable"),
    ("date", date(2025, 3, 1), "2025-03-01"),
    ("date", datetime(2025, 3, 1, 0, 0), "2025-03-01"),
    ("date", "2025-02-30", "is not a date (YYYY-MM-DD)"),
    ("number", 12.0, "12.0"),
    ("number", "1,200", "1,200"),
    ("number", "a dozen", "is not a number"),
    ("text", "  line one\nline two ", "line one\nline two"),
    ("species", "Anser anser\nAythya nyroca", "Anser anser\nAythya nyroca"),
]


@pytest.mark.parametrize(("kind", "value", "expected"), CELLS)
def test_an_answer_is_checked_against_its_kind(kind: str, value: Any, expected: str) -> None:
    q = Question("q-0", 7, "General", "", (), kind, "", (), ())
    if expected.startswith("is not"):
        words = re.escape(expected)
        with pytest.raises(MealinkError, match=f"^here: answer .* to question 7 {words}"):
            check_answer(q, value, reporting_rules(), "here")
    else:
        assert check_answer(q, value, reporting_rules(), "here") == expected


# --- the questionnaire ---------------------------------------------------------------------
def test_a_cms_cites_template_asks_every_mandate_addressed_to_parties(real: Store) -> None:
    t = make_template(real, ["cms", "CITES"], model=ENCODER)
    assert t.conventions == ("CMS", "CITES")
    asked = {m.mandate_id for q in t.questions for m in q.mandates}
    expected = {v.id for role in ("Parties", "national focal points") for c in ("CMS", "CITES")
                for v in list_mandates(real, MandateFilters(actor=role, convention=c,
                                                            in_force=True))}
    assert asked == expected
    assert "cms/resolution/11.10/para_24/parties" in asked
    assert "cites/decision/17.55/op_1/parties" in asked
    assert [q.number for q in t.questions] == list(range(1, len(t.questions) + 1))
    # The issue asks for a question answering mandates of both CMS and CITES. The real
    # texts give none by themselves: the closest pairs asked of Parties, CITES Decision 17.55
    # (synergies among national focal points) and CMS Resolution 11.10 ¶25 and ¶24, are at
    # cosines of 0.68 and 0.65, below the overlaps' 0.75 (synergies.toml), and the template
    # merges what `overlaps` finds, no more; it offers them to be merged (test below).
    # Merging found by overlaps is shown on CMS and CBD below.
    assert not [q for q in t.questions if set(q.conventions) == {"CMS", "CITES"}]
    # the same questions give the same id; built again it is the same template
    assert make_template(real, ["CITES", "CMS"], model=ENCODER).id == t.id


def test_as_of_a_meeting_asks_what_was_in_force_then(real: Store) -> None:
    # CMS Decisions 13.7 and 13.8, adopted at COP13 for one period, have lapsed since COP14;
    # as of COP13 a Party is asked what 13.7(b) asks ("report to the Conference of the
    # Parties at its 14th meeting ..."): a text answer. As of COP11 they were not adopted.
    def asked(as_of: str | None) -> dict[str, str]:
        t = make_template(real, ["CMS"], as_of=as_of, model=ENCODER)
        return {m.mandate_id: q.answer for q in t.questions for m in q.mandates}

    now, cop13, cop11 = asked(None), asked("COP13"), asked("COP11")
    decision = "cms/decision/13.7/para_13.7(b)/parties"
    assert decision not in now and cop13[decision] == "text" and decision not in cop11
    assert "cms/resolution/11.10/para_24/parties" in now.keys() & cop13.keys() & cop11.keys()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_mandates_of_several_conventions_asking_the_same_are_one_question(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    gen = _store(engine, tmp_path, request, INVENTED)
    store = next(gen)
    t = make_template(store, ["CMS", "CBD"], model=ENCODER)
    merged = [q for q in t.questions if len(q.conventions) > 1]
    assert [[m.where for m in q.mandates] for q in merged] == \
        [["CMS Resolution 13.905 ¶1", "CBD Decision 15/908 ¶2(a)"]]
    assert len(merged[0].wording) == 2 and merged[0].answer == "yes/no/partly"
    for _ in gen:
        pass


CITES_1755 = "cites/decision/17.55/op_1/parties"
CMS_24, CMS_25 = ("cms/resolution/11.10/para_24/parties",
                  "cms/resolution/11.10/para_25/parties")


def test_close_pairs_are_offered_and_merged_only_when_asked(real: Store, tmp_path: Path
                                                            ) -> None:
    t = make_template(real, ["CMS", "CITES"], model=ENCODER)
    of = {m.mandate_id: q for q in t.questions for m in q.mandates}
    offered = {(m.a, m.b): m.similarity for m in t.may_merge}
    # what a reader would merge: CITES 17.55 asks Parties to improve coordination between
    # national focal points; CMS 11.10 ¶24 close collaboration between the focal points, ¶25
    # coordinating national positions among the conventions. Nothing else is offered.
    assert set(offered) == {(of[CITES_1755].id, of[CMS_25].id),
                            (of[CITES_1755].id, of[CMS_24].id)}
    assert all(0.6 <= v < 0.75 for v in offered.values())
    assert [m.b_where for m in t.may_merge] == ["CMS Resolution 11.10 ¶25",
                                                "CMS Resolution 11.10 ¶24"]  # closest first

    merged = make_template(real, ["CMS", "CITES"], model=ENCODER,
                           merges=[(of[CITES_1755].id, of[CMS_24].id)])
    both = [q for q in merged.questions if len(q.conventions) > 1]
    assert len(both) == 1 and both[0].conventions == ("CITES", "CMS")
    assert {m.mandate_id for m in both[0].mandates} == {CITES_1755, CMS_24}
    assert both[0].basis == ("merged on request of whoever built the template: CITES "
                             "Decisions 17.55 and 17.56; CMS Resolution 11.10 ¶24",)
    assert len(merged.questions) == len(t.questions) - 1 and merged.id != t.id
    assert [(m.a, m.b) for m in merged.may_merge] == [(both[0].id, of[CMS_25].id)]
    # a later group may name the merged question, or one it took in: the same template
    again = make_template(real, ["CMS", "CITES"], model=ENCODER, merges=[
        (of[CITES_1755].id, of[CMS_24].id), (of[CITES_1755].id, of[CMS_25].id)])
    assert again.id == make_template(real, ["CMS", "CITES"], model=ENCODER, merges=[
        (of[CMS_24].id, of[CITES_1755].id, of[CMS_25].id)]).id != merged.id

    # kept, sent out, answered: one answer is progress on the CMS and the CITES mandate, once
    assert save_template(real, merged)
    assert stored_template(real, merged.id).questions == merged.questions
    write_template_xlsx(merged, tmp_path / "q.xlsx")
    _fill(tmp_path / "q.xlsx", tmp_path / "kenya.xlsx", {both[0].number: ("partly", None)})
    for _ in (1, 2):
        import_answers(real, read_answers(tmp_path / "kenya.xlsx"), "Kenya", "2026",
                       model=ENCODER)
    for mandate in (CITES_1755, CMS_24):
        entries = [e for e in history(real, mandate) if e.author == "party:Kenya"]
        assert len(entries) == 1 and entries[0].note is not None
        assert entries[0].note.startswith(f"Kenya, national report 2026, question "
                                          f"{both[0].number}: partly")

    bad = [([("q-nope", of[CMS_24].id)], "question q-nope is not in the template for CMS, "
                                          "CITES"),
           ([(of[CMS_24].id,)], "give two or more question ids")]
    for merges, message in bad:
        with pytest.raises(MealinkError, match=re.escape(message)):
            make_template(real, ["CMS", "CITES"], model=ENCODER, merges=merges)


def test_the_spreadsheet_is_locked_but_its_answer_cells(real: Store, tmp_path: Path) -> None:
    t = make_template(real, ["CMS", "CITES"], model=ENCODER)
    path = tmp_path / "q.xlsx"
    write_template_xlsx(t, path, party="Kenya")
    wb = load_workbook(path)
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb.security is not None and wb.security.lockStructure
    assert wb[META_SHEET]["B1"].value == t.id
    assert "mealink_template" in wb.defined_names
    topics = [ws for ws in wb.worksheets if ws.title not in ("About", META_SHEET)]
    assert len(topics) == len(t.topics)
    for ws in topics:
        assert ws.protection.sheet
        assert ws.cell(row=2, column=3).protection.locked
        assert not ws.cell(row=2, column=6).protection.locked
        assert ws.data_validations.dataValidation  # yes/no/partly lists
    back = read_answers(path)
    assert back.template_id == t.id and back.party == "Kenya"
    assert back.questions == {q.id: tuple(m.mandate_id for m in q.mandates)
                              for q in t.questions}


# --- answers -------------------------------------------------------------------------------
def test_an_answer_is_progress_on_each_mandate_it_answers_once(real: Store, tmp_path: Path
                                                               ) -> None:
    t = make_template(real, ["CMS", "CBD"], model=ENCODER)
    save_template(real, t)
    write_template_xlsx(t, tmp_path / "q.xlsx")
    _fill(tmp_path / "q.xlsx", tmp_path / "kenya.xlsx", {1: ("Yes", "Budget line 2025")})
    q1 = t.questions[0]
    for attempt in (1, 2):
        s = import_answers(real, read_answers(tmp_path / "kenya.xlsx"), "Kenya", "2026",
                           model=ENCODER)
        assert (s.added, s.unchanged) == ((1, 0) if attempt == 1 else (0, 1))
        for m in q1.mandates:
            entries = [e for e in history(real, m.mandate_id) if e.author == "party:Kenya"]
            assert len(entries) == 1, (attempt, m.mandate_id)
            assert entries[0].note == "Kenya, national report 2026, question 1: yes — " \
                                      "Budget line 2025"
            assert entries[0].evidence == (f"National report of Kenya, 2026 ({t.id}, "
                                           f"{q1.id})",)
            assert entries[0].status is None  # one Party's answer implements nothing
    assert s.progress == 0 and s.blank == len(t.questions) - 1


def test_two_parties_answers_give_coverage_counted_by_hand(real: Store, tmp_path: Path
                                                           ) -> None:
    t = make_template(real, ["CMS", "CITES"], model=ENCODER)
    save_template(real, t)
    write_template_xlsx(t, tmp_path / "q.xlsx")
    _fill(tmp_path / "q.xlsx", tmp_path / "kenya.xlsx",
          {1: ("yes", None), 2: ("no", "not yet"), 3: ("partly", None)})
    _fill(tmp_path / "q.xlsx", tmp_path / "chile.xlsx", {1: ("partly", None), 3: ("yes", "")})
    import_answers(real, read_answers(tmp_path / "kenya.xlsx"), "Kenya", "2026")
    import_answers(real, read_answers(tmp_path / "chile.xlsx"), "Chile", "2026")
    c = coverage(real, cycle="2026")
    by_question: dict[int, list[tuple[int, dict[str, int]]]] = {}
    for m in c.mandates:
        by_question.setdefault(m.question, []).append((m.parties, m.answers))
    n = len(t.questions)
    # by hand: question 1 yes (Kenya) and partly (Chile); 2 no (Kenya); 3 partly (Kenya)
    # and yes (Chile); every other question answered by no one
    assert by_question[1] == [(2, {"partly": 1, "yes": 1})] * len(t.questions[0].mandates)
    assert by_question[2] == [(1, {"no": 1})] * len(t.questions[1].mandates)
    assert by_question[3] == [(2, {"partly": 1, "yes": 1})] * len(t.questions[2].mandates)
    assert all(p == 0 for q in range(4, n + 1) for p, _ in by_question[q])
    assert len(c.mandates) == sum(len(q.mandates) for q in t.questions)
    parties = {p.party: (p.questions, p.answered, p.unanswered) for p in c.parties}
    assert parties == {"Kenya": (n, 3, tuple(range(4, n + 1))),
                       "Chile": (n, 2, (2, *range(4, n + 1)))}
    # only the questions that answer CITES mandates
    cites = [q.number for q in t.questions if "CITES" in q.conventions]
    assert {p.party: p.questions for p in coverage(real, convention="cites").parties} == \
        {"Kenya": len(cites), "Chile": len(cites)}
    assert coverage(real, cycle="2024").mandates == ()
    # Kenya changes its answer to question 2: stored beside the first, and counted instead
    _fill(tmp_path / "q.xlsx", tmp_path / "kenya2.xlsx",
          {1: ("yes", None), 2: ("partly", "a committee met once"), 3: ("partly", None)})
    s = import_answers(real, read_answers(tmp_path / "kenya2.xlsx"), "Kenya", "2026")
    assert (s.added, s.unchanged) == (1, 2)
    again = [m for m in coverage(real, cycle="2026").mandates if m.question == 2]
    assert [(m.parties, m.answers) for m in again] == [(1, {"partly": 1})] * len(again)
    for m in t.questions[1].mandates:
        notes = [e.note for e in history(real, m.mandate_id) if e.author == "party:Kenya"]
        assert notes == ["Kenya, national report 2026, question 2: no — not yet",
                         "Kenya, national report 2026, question 2: partly — a committee "
                         "met once"]


def _answers(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ReportAnswerRow)).scalar_one())


def test_a_changed_questionnaire_is_refused_with_what_changed(real: Store, tmp_path: Path
                                                              ) -> None:
    t = make_template(real, ["CMS", "CITES"], model=ENCODER)
    save_template(real, t)
    write_template_xlsx(t, tmp_path / "q.xlsx")
    # a question's row deleted from its sheet (the protection can be taken off)
    wb = load_workbook(tmp_path / "q.xlsx")
    first = next(ws for ws in wb.worksheets if ws.title not in ("About", META_SHEET))
    first.cell(row=2, column=6, value="yes")
    first.delete_rows(2)
    wb.save(tmp_path / "cut.xlsx")
    with pytest.raises(MealinkError, match=rf"questionnaire was changed .*question 1 "
                                           rf"\({t.questions[0].id}\) is missing"):
        import_answers(real, read_answers(tmp_path / "cut.xlsx"), "Kenya", "2026")
    # a copy that claims another template: built again, the corpus gives another one
    wb = load_workbook(tmp_path / "q.xlsx")
    wb[META_SHEET]["B1"] = "t-0000000000000000"
    wb[META_SHEET]["A7"] = "q-0000000000"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(MealinkError, match=rf"it says template t-0000000000000000, the corpus "
                                           rf"now gives {t.id}"):
        import_answers(real, read_answers(tmp_path / "other.xlsx"), "Kenya", "2026")
    assert _answers(real) == 0
    assert stored_template(real, t.id).questions == t.questions


# --- the commands --------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["sqlite"])
def test_the_commands_and_their_bad_input_in_one_line(engine: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest,
                                                      realdocs_dir: Path) -> None:
    gen = make_db(engine, tmp_path, request)
    db = next(gen)
    ingest(open_store(db), [realdocs_dir]).counts()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*MEALINK, "reporting", *args, "--db", db], capture_output=True,
                              text=True, timeout=300, check=False)

    made = run("template", "--conventions", "CMS,CITES", "-o", str(tmp_path / "q.xlsx"))
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stdout.split())
    assert "13 questions (0 answering mandates of several conventions)" in said
    assert "2 pairs of questions may ask the same work" in said
    offered = re.findall(r"(q-\w+) \(CITES Decisions 17\.55 and 17\.56\) and (q-\w+) \(CMS "
                         r"Resolution 11\.10 ¶24\)", said)
    assert len(offered) == 1
    joined = run("template", "--conventions", "CMS,CITES", "--merge", ",".join(offered[0]),
                 "-o", str(tmp_path / "joined.json"), "--format", "json")
    assert joined.returncode == 0, joined.stderr
    assert "12 questions (1 answering mandates of several conventions)" in \
        " ".join(joined.stdout.split())
    _fill(tmp_path / "q.xlsx", tmp_path / "bad.xlsx", {2: ("maybe", None)})
    (tmp_path / "notes.xlsx").write_text("not a spreadsheet", encoding="utf-8")
    assert run("template", "--conventions", "CMS,CITES", "--party", "Kenya", "-o",
               str(tmp_path / "kenya.xlsx")).returncode == 0
    plain = tmp_path / "plain.xlsx"
    load_workbook(tmp_path / "q.xlsx").save(plain)
    wb = load_workbook(plain)
    del wb[META_SHEET]
    wb.save(plain)
    cases = [
        (["import", str(tmp_path / "notes.xlsx"), "--party", "Kenya", "--cycle", "2026"],
         "not a spreadsheet mealink can read"),
        (["import", str(plain), "--party", "Kenya", "--cycle", "2026"],
         "not a questionnaire of `mealink reporting template`"),
        (["import", str(tmp_path / "bad.xlsx"), "--party", "Kenya", "--cycle", "2026"],
         "answer 'maybe' to question 2 is not one of: yes, no, partly"),
        (["import", str(tmp_path / "q.xlsx"), "--party", "Kenya", "--cycle", "20 26"],
         "--cycle '20 26': give a year or a short label"),
        (["import", str(tmp_path / "kenya.xlsx"), "--party", "Chile", "--cycle", "2026"],
         "this copy was made for Kenya, not Chile"),
        (["template", "--conventions", "CMS", "--party", "=HYPERLINK(1)", "-o",
          str(tmp_path / "x.xlsx")], "--party '=HYPERLINK(1)': give the Party's name"),
        (["template", "--conventions", "CMS,UNESCO", "-o", str(tmp_path / "x.xlsx")],
         "convention 'UNESCO' is not one mealink knows"),
        (["template", "--conventions", "CMS,CITES", "--merge", "q-0000000000,q-1",
          "-o", str(tmp_path / "x.xlsx")], "--merge: question q-0000000000 is not in the "
                                            "template for CMS, CITES"),
        (["coverage"], "no answers are stored"),
    ]
    for args, message in cases:
        r = run(*args)
        assert r.returncode != 0, args
        assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert _answers(open_store(db)) == 0
    for _ in gen:
        pass


# --- the pages and the API -----------------------------------------------------------------
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_pages_and_the_api_show_the_questionnaire_and_the_coverage(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest, realdocs_dir: Path
        ) -> None:
    from fastapi.testclient import TestClient

    from mealink.store.users import add_user, create_token
    from mealink.web.app import create_app
    from mealink.web.security import WebConfig

    gen = make_db(engine, tmp_path, request)
    url = next(gen)
    store = open_store(url)
    ingest(store, [realdocs_dir])
    t = make_template(store, ["CMS", "CITES"], model=ENCODER)
    save_template(store, t)
    write_template_xlsx(t, tmp_path / "q.xlsx")
    _fill(tmp_path / "q.xlsx", tmp_path / "kenya.xlsx", {1: ("yes", "<script>x</script>")})
    import_answers(store, read_answers(tmp_path / "kenya.xlsx"), "Kenya", "2026")
    for name, role in (("reader", "reader"), ("editor", "editor")):
        add_user(store, name, role, "correct horse battery")
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        page = c.get("/reporting")
        assert page.status_code == 200
        assert t.id in page.text and "Kenya" in page.text and "1 of 13" in page.text
        assert c.get(f"/reporting/templates/{t.id}").text.count('<tr id="q-') == 13
        xlsx = c.get(f"/reporting/templates/{t.id}?format=xlsx&party=Chile")
        (tmp_path / "chile.xlsx").write_bytes(xlsx.content)
        assert read_answers(tmp_path / "chile.xlsx").template_id == t.id
        assert c.get("/api/v1/reporting/templates").json()[0]["id"] == t.id
        api = c.get(f"/api/v1/reporting/templates/{t.id}").json()
        assert api == {**t.to_dict(), "may_ask_the_same": []}  # advice when built, not kept
        cov = c.get("/api/v1/reporting/coverage", params={"cycle": "2026"}).json()
        assert cov["parties"] == [{"party": "Kenya", "cycle": "2026", "template": t.id,
                                   "questions": 13, "answered": 1,
                                   "unanswered": list(range(2, 14))}]
        built = c.get("/api/v1/reporting/template", params={"conventions": "CITES,CMS"})
        assert built.json() == t.to_dict()  # built again, the same questionnaire
        page = c.get("/reporting/template?conventions=CMS,CITES&format=xlsx&party=Chile")
        (tmp_path / "built.xlsx").write_bytes(page.content)
        assert read_answers(tmp_path / "built.xlsx").template_id == t.id
        # the page offers the close pairs; following its link merges one; the API the same
        offer = c.get("/reporting/template?conventions=CMS,CITES").text
        assert "Questions that may ask the same work" in offer
        links = re.findall(r'href="(/reporting/template\?[^"]*merge=[^"]*)">merge these two',
                           offer)
        assert len(links) == len(t.may_merge) == 2
        merged = c.get(links[1].replace("&amp;", "&")).text
        assert merged.count('<tr id="q-') == 12
        assert "merged on request of whoever built the template" in merged
        pair = f"{t.may_merge[1].a},{t.may_merge[1].b}"
        api_merged = c.get("/api/v1/reporting/template",
                           params={"conventions": "CMS,CITES", "merge": pair}).json()
        assert [q["conventions"] for q in api_merged["questions"]].count(["CITES", "CMS"]) == 1
        assert c.get("/api/v1/reporting/template", params={
            "conventions": "CMS,CITES", "merge": "q-nope,q-no"}).status_code == 400
        bad = c.get("/api/v1/reporting/template", params={"conventions": "CMS,UNESCO"})
        assert bad.status_code == 400 and "'UNESCO' is not one mealink knows" in bad.text
        assert c.get("/api/v1/reporting/coverage?convention=UNESCO").status_code == 400
        missing = c.get("/api/v1/reporting/templates/t-0000000000000000")
        assert missing.status_code == 404 and "no questionnaire" in missing.text
        assert "/api/v1/reporting/coverage" in c.get("/api/v1/openapi.json").json()["paths"]
        # answers sent to the API: an editor's token stores them, a reader's is refused
        _fill(tmp_path / "chile.xlsx", tmp_path / "chile-answered.xlsx", {2: ("no", None)})
        sent = {"file": ("chile-answered.xlsx", (tmp_path / "chile-answered.xlsx").read_bytes())}
        form = {"party": "Chile", "cycle": "2026"}
        for role, status in (("reader", 403), ("editor", 200), ("editor", 200)):
            token = create_token(app.state.store, role)
            r = c.post("/api/v1/reporting/answers", files=sent, data=form,
                       headers={"authorization": f"Bearer {token}"})
            assert r.status_code == status, r.text
        assert r.json() == {"party": "Chile", "cycle": "2026", "template": t.id,
                            "answers_added": 0, "answers_unchanged": 1,
                            "progress_entries": 0, "unanswered": 12}
        bad = c.post("/api/v1/reporting/answers", data=form, headers={
            "authorization": f"Bearer {token}"}, files={"file": ("notes.xlsx", b"not one")})
        assert bad.status_code == 400
        assert bad.json()["error"]["message"] == ("notes.xlsx: not a spreadsheet mealink can "
                                                  "read (BadZipFile); give the .xlsx of "
                                                  "`mealink reporting template`")
        assert [p["party"] for p in c.get("/api/v1/reporting/coverage").json()["parties"]] \
            == ["Chile", "Kenya"]
        # the page's form: an editor signed in, with the form's token; without it, refused
        csrf = sign_in(c, "editor", "correct horse battery")
        assert "Import a Party's answers" in c.get("/reporting").text
        upload = {"file": ("k.xlsx", (tmp_path / "kenya.xlsx").read_bytes())}
        kenya = {"party": "Kenya", "cycle": "2026"}
        assert c.post("/reporting/import", files=upload, data=kenya,
                      follow_redirects=False).status_code == 403
        done = c.post("/reporting/import", files=upload, data={**kenya, "csrf_token": csrf},
                      follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/reporting?cycle=2026"
        assert "Kenya, 2026: 0 answers stored, 1 already stored" in c.get(done.headers[
            "location"]).text
    app.state.store.dispose()
    for _ in gen:
        pass
