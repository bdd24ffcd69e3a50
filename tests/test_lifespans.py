"""How long each kind of instrument lasts, as data per convention (data/instruments.toml),
and the status rules that follow: a CMS Decision is expected to have lapsed once the next
COP has met and no stored text keeps it; CITES Decisions stay until deleted; a draft's act
ends nothing. Pure rules over ``DocInfo``/``EdgeInfo`` with the real meeting calendar, then
one end-to-end case on a store (texts numbered out of any real range: test fixtures)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mealink.instruments import UNTIL_NEXT_MEETING, UNTIL_REMOVED, instruments
from mealink.link.status import DocInfo, EdgeInfo, parse_as_of, status_of
from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import MeetingEntry
from mealink.mandates.review import decision_ranges
from mealink.store import ingest, open_store
from mealink.store.corpus.status import status
from mealink.store.review import review


@pytest.mark.parametrize(("convention", "type_", "lasts", "ends"), [
    ("CMS", "decision", UNTIL_NEXT_MEETING, "delete"),
    ("CMS", "resolution", UNTIL_REMOVED, "repeal"),
    ("CITES", "decision", UNTIL_REMOVED, "delete"),
    ("CITES", "resolution", UNTIL_REMOVED, "repeal"),
    ("CBD", "decision", UNTIL_REMOVED, "retire"),
    ("Ramsar", "resolution", UNTIL_REMOVED, "repeal"),
])
def test_life_spans_are_data(convention: str, type_: str, lasts: str, ends: str) -> None:
    span = instruments().lifespan(convention, type_)
    assert span is not None and (span.lasts, span.ends) == (lasts, ends)
    assert span.rule


def _doc(id_: str, convention: str, type_: str, meeting: int | None, *, stub: bool = False,
         adoption: str = "adopted", revision: str | None = None) -> DocInfo:
    return DocInfo(id_, id_, convention, meeting, None, stub, revision, id_, None, type_,
                   adoption)


CMS_DEC = _doc("cms/decision/12.981", "CMS", "decision", 12)
CITES_DEC = _doc("cites/decision/17.970", "CITES", "decision", 17)
KEEPER = _doc("cms/resolution/13.999", "CMS", "resolution", 13)
DRAFT = _doc("cms/resolution/13.998", "CMS", "resolution", 13, adoption="draft")
DOCS = {d.id: d for d in (CMS_DEC, CITES_DEC, KEEPER, DRAFT)}
CALENDAR = Calendar(today=date(2026, 12, 6))  # the bundled calendar: CMS COP13 in 2020


@pytest.mark.parametrize(("as_of", "state", "lapsed_at"), [
    ("COP12", "in force", "COP13"),
    ("COP13", "expected to have lapsed", "COP13"),
    ("2019-12-31", "in force", "COP13"),
    ("2020-03", "expected to have lapsed", "COP13"),
    (None, "expected to have lapsed", "COP13"),
])
def test_a_cms_decision_lasts_until_the_next_cop(as_of: str | None, state: str,
                                                  lapsed_at: str) -> None:
    st = status_of(CMS_DEC, [], DOCS, parse_as_of(as_of) if as_of else None, CALENDAR)
    assert (st.state, st.lapsed_at) == (state, lapsed_at)
    [rule] = [e for e in st.evidence if e.kind == "rule"]
    assert "CMS Decisions are adopted for the period until the next meeting" in rule.text


def test_whether_the_next_cop_met_may_be_unknown() -> None:
    later = _doc("cms/decision/14.981", "CMS", "decision", 14)
    st = status_of(later, [], {later.id: later}, None, CALENDAR)  # COP15: no date known
    assert (st.state, st.in_force) == ("in force", True)
    [rule] = [e for e in st.evidence if e.kind == "rule"]
    assert "does not say whether COP15 has been held" in rule.text
    told = Calendar([MeetingEntry("CMS", "COP", 15, date(2026, 3, 23), date(2026, 3, 29))],
                    today=date(2026, 12, 6))
    assert status_of(later, [], {later.id: later}, None, told).state == \
        "expected to have lapsed"


def test_a_text_that_keeps_it_extends_it_to_the_following_cop() -> None:
    keeps = [EdgeInfo(KEEPER.id, "keeps", CMS_DEC.id, (), f"{KEEPER.id}/para_1")]
    st = status_of(CMS_DEC, keeps, DOCS, parse_as_of("COP13"), CALENDAR)
    assert st.state == "in force"
    assert any(e.kind == "keeps" and e.paragraph_id == f"{KEEPER.id}/para_1"
               for e in st.evidence)
    st = status_of(CMS_DEC, keeps, DOCS, parse_as_of("COP14"), CALENDAR)
    assert (st.state, st.lapsed_at) == ("expected to have lapsed", "COP14")


def test_a_cites_decision_stays_until_the_cop_deletes_it() -> None:
    st = status_of(CITES_DEC, [], DOCS, None, CALENDAR)
    assert (st.state, st.lapsed_at) == ("in force", None)


def test_what_a_draft_says_ends_nothing() -> None:
    repeal = [EdgeInfo(DRAFT.id, "repeals", CMS_DEC.id, ())]
    st = status_of(CMS_DEC, repeal, DOCS, parse_as_of("COP12"), CALENDAR)
    assert st.state == "in force" and not st.acts
    assert status_of(DRAFT, [], DOCS).state == "not adopted"


@pytest.mark.parametrize(("banner", "state", "removed"), [
    ("Retired sections: paragraph 1.", "in force in part", ("1",)),
    ("Retired sections: paragraphs 2, 4-5 and 7.", "in force in part", ("2", "4", "5", "7")),
    ("This decision has been retired.", "retired", ()),
])
def test_the_publishers_banner_counts_for_today(banner: str, state: str,
                                                removed: tuple[str, ...]) -> None:
    doc = DocInfo("cbd/decision/I-905", "cbd/decision/I-905", "CBD", 1, None, False, None,
                  "CBD Decision I/905", None, "decision", "adopted", page_status=banner)
    st = status_of(doc, [], {doc.id: doc}, None, CALENDAR)
    assert (st.state, st.removed_paragraphs) == (state, removed)
    assert any(e.kind == "page" and banner in e.text for e in st.evidence)
    then = status_of(doc, [], {doc.id: doc}, parse_as_of("COP2"), CALENDAR)
    assert then.state == "in force"


def test_a_text_known_only_from_citations_is_neither_in_force_nor_out() -> None:
    stub = _doc("cms/resolution/9.990", "CMS", "resolution", 9, stub=True)
    st = status_of(stub, [], {stub.id: stub})
    assert (st.state, st.in_force) == ("no repeal known", None)
    assert "no evidence either way" in st.evidence[0].text


@pytest.mark.parametrize(("numbers", "written"), [
    (["12.91", "12.92", "12.93"], "12.91 to 12.93"),
    (["12.81", "12.82"], "12.81 and 12.82"),
    (["13.1", "13.2", "13.3", "13.7", "13.8"], "13.1 to 13.3, 13.7 and 13.8"),
    (["14.10"], "14.10"),
    (["13.3", "13.1", "13.2"], "13.1 to 13.3"),
])
def test_decisions_are_proposed_as_ranges(numbers: list[str], written: str) -> None:
    assert decision_ranges(numbers) == written


DECISIONS = """Decisions 12.981 to 12.983 - Fixture Species (TEST FIXTURE, INVENTED)

12.981
The Secretariat shall report to the 13th meeting of the Conference of the Parties on the
fixture species.

12.982
Parties are invited to monitor the fixture species.

12.983
The Scientific Council shall review the fixture species.
"""

KEEPING = """UNEP/CMS/Resolution 13.999

FIXTURE DECISIONS KEPT (TEST FIXTURE, INVENTED)

Adopted by the Conference of the Parties at its 13th Meeting (Gandhinagar, February 2020)

The Conference of the Parties to the Convention on the Conservation of Migratory Species of
Wild Animals,

1. Decides that Decisions 12.982 and 12.983 shall remain in force until its 14th meeting;
"""


def test_kept_and_lapsed_decisions_in_a_store(tmp_path: Path) -> None:
    (tmp_path / "decisions.txt").write_text(DECISIONS, encoding="utf-8")
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [tmp_path / "decisions.txt"])
    assert status(store, "CMS Decision 12.981").state == "expected to have lapsed"
    annex = review(store, "CMS", "COP13").proposals
    assert [p.reasons[0] for p in annex if p.action == "delete"] == [
        "Decisions 12.981 to 12.983: adopted at COP12 for the period until COP13; delete "
        "unless kept"]
    (tmp_path / "keeping.txt").write_text(KEEPING, encoding="utf-8")
    ingest(store, [tmp_path / "keeping.txt"])
    # COP13 kept 12.982 and 12.983, not 12.981: the group is in force in part
    st = status(store, "CMS Decisions 12.981-12.983", parse_as_of("COP13"))
    assert (st.state, st.removed_paragraphs) == ("in force in part", ("12.981",))
    assert any(e.kind == "keeps" and e.paragraph_id == "cms/resolution/13.999/para_1"
               for e in st.evidence)
    assert any("12.981, not kept, expected to have lapsed at COP13" in e.text
               for e in st.evidence)
    assert status(store, "cms/decision/12.981/para_12.981", parse_as_of("COP13")).in_force \
        is False
    assert status(store, "cms/decision/12.981/para_12.982", parse_as_of("COP13")).in_force
    later = status(store, "CMS Decision 12.982")  # kept until COP14, which has been held
    assert later.state == "expected to have lapsed"
    assert any("kept until COP14, which has been held" in e.text for e in later.evidence)
