"""Status, lineage and in-force answers on a database of ../shared/realdocs alone: 39 real
texts (CITES, CMS, CBD, Vienna, IPBES, Carpathian) whose SOURCES.md lists every lineage
relation the texts themselves state, the uncertain ones marked, and the recalls that are
not lineage. Every answer here can be checked against those texts by hand; each case names
the line of SOURCES.md it checks. Both engines.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.errors import NotFoundError
from mealink.link.status import parse_as_of
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.status import DocumentStatus, in_force, lineage, status
from tests.conftest import make_db

MEALINK = [sys.executable, "-m", "mealink.cli"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def realdocs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             realdocs_dir: Path) -> Iterator[Store]:
    """The real texts, and nothing else, ingested once per engine."""
    gen = make_db(request.param, tmp_path_factory.mktemp("realdocs"), request)
    store = open_store(next(gen))
    summary = ingest(store, [realdocs_dir])
    stored = [o for o in summary.outcomes if o.outcome == "added"]
    assert len(stored) >= 36, [o for o in summary.outcomes if o.outcome != "added"]
    yield store
    store.dispose()
    for _ in gen:
        pass


def _acts(st: DocumentStatus) -> set[tuple[str, str]]:
    return {(a.relation, a.source_id) for a in st.acts}


# --- the "done when" -------------------------------------------------------------

def test_a_text_known_only_from_citations_is_not_in_force(realdocs: Store) -> None:
    st = status(realdocs, "CMS Resolution 10.25")  # only recalled by 11.10 (pre 1, para 20)
    assert (st.state, st.in_force, st.is_stub) == ("no repeal known", None, True)
    assert st.title == "Enhancing Engagement with the Global Environment Facility"
    said = " ".join(e.text for e in st.evidence)
    assert "no evidence either way" in said and "CMS Resolution 11.10 (pre 1, para 20)" in said


def test_a_cms_decision_is_expected_to_have_lapsed_at_the_next_cop(realdocs: Store) -> None:
    st = status(realdocs, "CMS Decision 12.81")
    assert (st.state, st.in_force) == ("expected to have lapsed", False)
    [rule] = [e for e in st.evidence if e.kind == "rule"]
    assert "until the next meeting of the Conference of the Parties" in rule.text
    assert "adopted at COP12, it lasted until COP13, which has been held" in rule.text
    # status --as-of follows the rule: in force until COP13 met
    assert status(realdocs, "CMS Decision 12.81", parse_as_of("COP12")).state == "in force"
    assert status(realdocs, "CMS Decision 12.81", parse_as_of("COP13")).state == \
        "expected to have lapsed"
    assert status(realdocs, "CMS Decision 12.81", parse_as_of("2017-12-31")).in_force
    assert not status(realdocs, "CMS Decision 12.81", parse_as_of("2020-03")).in_force


def test_a_revision_replaces_the_earlier_one_when_both_are_stored(realdocs: Store) -> None:
    st = status(realdocs, "CITES Decision 17.170 (Rev. CoP18)")
    assert (st.state, st.in_force) == ("replaced", False)
    assert _acts(st) == {("revises", "cites/decision/17.170-rev-cop19")}
    assert "CITES Decision 17.170 (Rev.CoP19) (stored)" in st.evidence[0].text
    with pytest.raises(NotFoundError, match=r"other versions: CITES Decision 17\.170 \(known "
                       r"from citations\); CITES Decision 17\.170 \(Rev\.CoP18\) \(stored\); "
                       r"CITES Decision 17\.170 \(Rev\.CoP19\) \(stored\)"):
        status(realdocs, "CITES Decision 17.170 (Rev. CoP20)")  # a version nobody wrote
    later = status(realdocs, "CITES Decision 17.170 (Rev. CoP19)")
    assert (later.state, later.is_stub) == ("in force", False)
    assert later.identified_by is not None and "breadcrumb" in later.identified_by
    # a CITES Decision stays until the CoP deletes it: no lapse at CoP20
    assert status(realdocs, "CITES Decision 17.170 (Rev. CoP19)",
                  parse_as_of("CoP20")).state == "in force"


def test_a_text_without_a_header_is_found_under_its_symbol(realdocs: Store) -> None:
    st = status(realdocs, "CMS Resolution 11.28")
    assert (st.document_id, st.is_stub, st.state) == ("cms/resolution/11.28", False,
                                                       "in force")
    assert st.identified_by == "its file name (cms-res-11.28.txt)"
    said = " ".join(e.text for e in st.evidence)
    assert "no act against it in the corpus" in said and "stored texts of CMS" in said


def test_every_stored_text_says_its_title(realdocs: Store) -> None:
    assert status(realdocs, "CMS Resolution 11.10").title == "Synergies and Partnerships"
    assert status(realdocs, "CMS Resolution 10.8 (Rev.COP14)").title == (
        "Cooperation between the Intergovernmental Science-Policy Platform on Biodiversity "
        "and Ecosystem Services (IPBES) and CMS")


def test_in_force_lists_stored_texts_only(realdocs: Store) -> None:
    db = str(realdocs.engine.url.render_as_string(hide_password=False))
    if realdocs.dialect == "sqlite":
        db = str(realdocs.engine.url.database)
    out = subprocess.run([*MEALINK, "in-force", "--format", "json", "--db", db],
                         capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    assert rows and all(r["in_corpus"] and r["in_force"] is True for r in rows)
    assert "cms/resolution/10.25" not in {r["document_id"] for r in rows}
    assert all(r["evidence"] for r in rows)
    cited = in_force(realdocs, include_cited=True)
    extra = [r for r in cited if r.is_stub]
    assert extra and all(r.state == "no repeal known" and r.in_force is None for r in extra)
    assert "cms/resolution/10.25" in {r.document_id for r in extra}


# --- every "Known lineage" line of SOURCES.md that is not marked uncertain ---------------

KNOWN_LINEAGE = [
    # 1. 17.170 (Rev. CoP18) -> 17.170 (Rev. CoP19), by the symbols (both ends present)
    ("1", "CITES Decision 17.170 (Rev. CoP18)", "replaced",
     {("revises", "cites/decision/17.170-rev-cop19")}),
    # 3. 11.10 para 28 repeals Res. 7.9, 8.11, 9.6 and 10.21
    ("3", "CMS Resolution 7.9", "repealed", {("repeals", "cms/resolution/11.10")}),
    ("3", "CMS Resolution 8.11", "repealed", {("repeals", "cms/resolution/11.10")}),
    ("3", "CMS Resolution 9.6", "repealed", {("repeals", "cms/resolution/11.10")}),
    ("3", "CMS Resolution 10.21", "repealed", {("repeals", "cms/resolution/11.10")}),
    # 4. the symbol 'UNEP/CMS/Resolution 10.8 (Rev.COP14)' revises Res. 10.8
    ("4", "CMS Resolution 10.8", "replaced", {("revises", "cms/resolution/10.8-rev-cop14")}),
    # 6. '18.31 (Rev. CoP19)' revises Decision 18.31
    ("6", "CITES Decision 18.31", "replaced", {("revises", "cites/decision/18.31-rev-cop19")}),
    # 7. '15.93 (Rev. CoP16)' (in the group with 16.159) revises Decision 15.93
    ("7", "CITES Decision 15.93", "replaced", {("revises", "cites/decision/16.159")}),
    # 9. the CoP13 original of Res. Conf. 13.10 was revised at CoP14: CMS 11.28 cites the
    #    '(Rev. CoP14)' version, so a later version is known
    ("9", "CITES Resolution Conf. 13.10", "replaced",
     {("revises", "cites/resolution/13.10-rev-cop14")}),
    # 10. 12.82 d) cites 'UNEP/CMS/Resolution 7.2 (Rev.COP12)': Res. 7.2 was revised at COP12
    ("10", "CMS Resolution 7.2", "replaced", {("revises", "cms/resolution/7.2-rev-cop12")}),
]


@pytest.mark.parametrize(("line", "asked", "state", "acts"), KNOWN_LINEAGE,
                         ids=[f"{c[0]}-{c[1]}" for c in KNOWN_LINEAGE])
def test_known_lineage_comes_out(realdocs: Store, line: str, asked: str, state: str,
                                 acts: set[tuple[str, str]]) -> None:
    st = status(realdocs, asked)
    assert (st.state, st.in_force) == (state, False)
    assert _acts(st) == acts
    assert st.evidence and all(e.text for e in st.evidence)


def test_a_repeal_names_the_paragraph_that_does_it(realdocs: Store) -> None:
    st = status(realdocs, "CMS Resolution 10.21")
    [act] = st.acts
    assert act.paragraph_id == "cms/resolution/11.10/para_28"
    assert "repealed by CMS Resolution 11.10 (COP11, Quito, 2014), para 28" in \
        st.evidence[0].text
    up, _ = lineage(realdocs, "CMS Resolution 11.10")
    assert {(c.relation, c.document_id, c.via) for c in up.children} == {
        ("repeals", f"cms/resolution/{n}", "cms/resolution/11.10/para_28")
        for n in ("7.9", "8.11", "9.6", "10.21")}


def test_a_revision_in_lineage_rests_on_the_revision_mark(realdocs: Store) -> None:
    up, _ = lineage(realdocs, "CMS Resolution 10.8 (Rev.COP14)")
    assert [(c.relation, c.document_id, c.via) for c in up.children] == [
        ("revises", "cms/resolution/10.8", "revision mark")]
    _, down = lineage(realdocs, "CITES Decision 17.170 (Rev. CoP18)")
    assert [(c.relation, c.document_id) for c in down.children] == [
        ("revises", "cites/decision/17.170-rev-cop19")]


def test_what_the_texts_do_not_state_does_not_come_out(realdocs: Store) -> None:
    # 5. the CoP17 decisions 17.55-17.56 were later revised, but no file here says so: the
    #    corpus has no evidence of it, and mealink does not invent it
    st = status(realdocs, "CITES Decision 17.55")
    assert (st.state, st.acts) == ("in force", [])
    # 8. (uncertain) the InforMEA page that prints no symbol is probably 18.314 (Rev.
    #    CoP19): a guess, so it stays an unidentified text and 18.314 stays unknown
    page = status(realdocs, "cites/document/cites-dec-nomenclature-app-iii-sc")
    assert (page.is_stub, page.identified_by) == (False, None)
    with pytest.raises(NotFoundError):
        status(realdocs, "CITES Decision 18.314 (Rev. CoP19)")


def test_what_the_publishers_page_says_is_evidence_too(realdocs: Store) -> None:
    # 12. (uncertain) the CBD page shows 'Retired sections: paragraph 1.' over Decision I/5
    #    and names no retiring decision: said as the page's word, for today only
    st = status(realdocs, "CBD Decision I/5")
    assert (st.state, st.removed_paragraphs, st.acts) == ("in force in part", ("1",), [])
    [page] = [e for e in st.evidence if e.kind == "page"]
    assert page.text == ("the page it was copied from says 'Retired sections: paragraph 1.'; "
                         "the text that did so is not named")
    assert status(realdocs, "cbd/decision/I-5/para_1").state == "retired"
    assert status(realdocs, "cbd/decision/I-5/para_2").state == "in force"
    assert status(realdocs, "CBD Decision I/5", parse_as_of("COP2")).state == "in force"


NOT_LINEAGE = [
    # 'Recalling decision X/9' in XI/10; 'RECALLING Decisions 12.5 and 12.6' in 13.3
    ("CBD Decision X/9", "cbd/decision/XI-10"),
    ("CITES Decision 12.5", "cites/resolution/13.3"),
    ("CITES Decision 12.6", "cites/resolution/13.3"),
    # 'Noting CMS Resolution 10.21' and 'Further noting CITES Resolution Conf.13.10 (Rev.
    # CoP14)' in 11.28
    ("CMS Resolution 10.21", "cms/resolution/11.28"),
    ("CITES Resolution Conf. 13.10 (Rev. CoP14)", "cms/resolution/11.28"),
    # 'possible amendments to Resolution Conf. 12.8 (Rev. CoP18)' (a mandate to amend)
    ("CITES Resolution Conf. 12.8 (Rev. CoP18)", "cites/decision/19.47"),
    # 16.47 mandates a review 'with a view to ... consolidate' (not itself a consolidation)
    ("CITES Resolution Conf. 9.9", "cites/decision/16.47"),
    ("CITES Resolution Conf. 9.10 (Rev. CoP15)", "cites/decision/16.47"),
    ("CITES Resolution Conf. 10.7 (Rev. CoP15)", "cites/decision/16.47"),
]


@pytest.mark.parametrize(("asked", "citing"), NOT_LINEAGE, ids=[c[0] for c in NOT_LINEAGE])
def test_recalls_and_mandates_are_not_lineage(realdocs: Store, asked: str, citing: str
                                              ) -> None:
    st = status(realdocs, asked)
    assert citing not in {a.source_id for a in st.acts}
    if asked != "CMS Resolution 10.21":  # repealed, but by 11.10 para 28, not by 11.28
        assert (st.state, st.in_force) == ("no repeal known", None)
    up, _ = lineage(realdocs, citing)
    assert up.children == []  # the citing text acts on nothing


def test_a_deferral_and_a_translation_are_not_lineage(realdocs: Store) -> None:
    up, down = lineage(realdocs, "Decision VC III/4")  # defers a decision pending the UNFCCC
    assert (up.children, down.children) == ([], [])
    _, down = lineage(realdocs, "CITES Decision 19.30")  # the .es page is the same text
    assert down.children == []


def test_texts_of_a_group_are_found_by_each_number(realdocs: Store) -> None:
    st = status(realdocs, "CITES Decision 15.93 (Rev. CoP16)")
    assert st.document_id == "cites/decision/16.159"
    assert st.asked == "CITES Decision 15.93 (Rev.CoP16)"
    assert st.label == "CITES Decisions 16.159 and 15.93 (Rev.CoP16)"
