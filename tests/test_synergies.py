"""Overlapping mandates across conventions, lead conventions and their exports, on the
invented fixtures, on SQLite and PostgreSQL, with the real embedding model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mealink.errors import MealinkError
from mealink.reports.synergies import render_overlaps_html, write_overlaps_xlsx
from mealink.store import Store, ingest, open_store
from mealink.store.search.vectors import embed_paragraphs
from mealink.store.synergies import OverlapReport, overlap_report, topic_labels
from tests.conftest import INVENTED, make_db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def invented(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Store]:
    """The invented fixtures, ingested and embedded once per engine (read-only tests)."""
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    store = open_store(next(gen))
    summary = ingest(store, [INVENTED])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    embed_paragraphs(store)
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(scope="module")
def report(invented: Store) -> OverlapReport:
    return overlap_report(invented)


def _pairs(r: OverlapReport) -> set[frozenset[str]]:
    return {frozenset((o.a.paragraph_id, o.b.paragraph_id)) for o in r.pairs}


CMS_5 = "cms/resolution/13.905/para_5"
CMS_1 = "cms/resolution/13.905/para_1"
CMS_3A = "cms/resolution/13.905/para_3(a)"
CMS_8 = "cms/resolution/13.905/para_8"
CMS_10 = "cms/resolution/13.905/para_10"
CMS_14_911B = "cms/decision/14.910/para_14.911(b)"
CMS_14_912B = "cms/decision/14.910/para_14.912(b)"
CBD_2A = "cbd/decision/15-908/para_2(a)"
CBD_4A = "cbd/decision/15-908/para_4(a)"
CBD_5 = "cbd/decision/15-908/para_5"
CITES_OP7 = "cites/resolution/13.910-rev-cop19/op_7"
CITES_OP8 = "cites/resolution/13.910-rev-cop19/op_8"
CITES_19_930 = "cites/decision/19.930/para_19.930"
RAMSAR_13 = "ramsar/resolution/XIV.907/para_13"
RAMSAR_15 = "ramsar/resolution/XIV.907/para_15"

# Pairs a careful reader calls the same work asked of the same kind of body.
FOUND = [
    (CMS_5, RAMSAR_15, "both secretariats: joint work / cooperation on IAS with the others"),
    (CBD_4A, CMS_5, "both secretariats: a joint work programme on IAS among the conventions"),
    (CBD_4A, CMS_14_912B, "both secretariats: joint work on IAS through the Liaison Group"),
    (CITES_OP8, RAMSAR_15, "both secretariats: cooperate with the other secretariats on IAS"),
    (CBD_5, CMS_14_911B, "both scientific bodies: consider the IPBES IAS assessment"),
    (CBD_2A, CMS_1, "both Parties: prevent introductions, prioritise pathways"),
]
# Near misses: close in subject, but not the same work, or not the same addressee.
NOT_FOUND = [
    (CITES_OP7, CMS_3A, "committees list traded species that ARE invasive; the Council "
                        "lists migratory species threatened BY invasives"),
    (CBD_4A, CMS_14_911B, "a secretariat's joint work programme vs a council's review of "
                         "assessment findings"),
    (CITES_19_930, CMS_8, "a secretariat's task vs what Parties are encouraged to do"),
    (CMS_10, RAMSAR_13, "impact assessment of projects vs assessing threats to Ramsar Sites"),
]


@pytest.mark.parametrize(("a", "b", "why"), FOUND)
def test_overlapping_mandates_are_paired(report: OverlapReport, a: str, b: str,
                                         why: str) -> None:
    assert frozenset((a, b)) in _pairs(report), why


@pytest.mark.parametrize(("a", "b", "why"), NOT_FOUND)
def test_near_misses_are_not_paired(report: OverlapReport, a: str, b: str, why: str) -> None:
    assert frozenset((a, b)) not in _pairs(report), why


def test_pairs_cross_conventions_share_an_addressee_and_are_ranked(
        report: OverlapReport) -> None:
    assert report.pairs
    sims = [o.similarity for o in report.pairs]
    assert sims == sorted(sims, reverse=True)
    for o in report.pairs:
        assert o.a.convention != o.b.convention
        assert o.a.family == o.b.family
        assert o.similarity >= report.threshold
        for s, e in o.a_spans:  # the shared words are marked where they stand
            assert o.a.action[s:e].lower()[:4] in " ".join(o.shared)


def test_clusters_join_the_secretariats_of_four_conventions(report: OverlapReport) -> None:
    biggest = report.clusters[0]
    assert biggest.conventions == ("CBD", "CITES", "CMS", "Ramsar")
    assert {m.paragraph_id for m in biggest.members} >= {CMS_5, CBD_4A, RAMSAR_15, CITES_OP8}
    assert biggest.label == topic_labels()["invasive-alien-species"]


def test_filters_narrow_the_pairs(invented: Store, report: OverlapReport) -> None:
    two = overlap_report(invented, conventions=["cms", "CBD"])
    assert _pairs(two) == {p for o, p in zip(report.pairs, _pairs_list(report), strict=True)
                           if {o.a.convention, o.b.convention} <= {"CMS", "CBD"}}
    secretariats = overlap_report(invented, actor="Secretariat")
    assert secretariats.pairs
    assert all(o.a.family == o.b.family == "secretariat" for o in secretariats.pairs)
    assert frozenset((CBD_5, CMS_14_911B)) not in _pairs(secretariats)
    ias = overlap_report(invented, topic="invasive alien species")
    assert frozenset((CMS_5, RAMSAR_15)) in _pairs(ias)
    assert [i.topic for i in ias.issues] == ["invasive-alien-species"]
    stricter = overlap_report(invented, threshold=0.85)
    assert _pairs(stricter) < _pairs(report)


def _pairs_list(r: OverlapReport) -> list[frozenset[str]]:
    return [frozenset((o.a.paragraph_id, o.b.paragraph_id)) for o in r.pairs]


def test_bad_filters_say_what_is_wrong(invented: Store) -> None:
    with pytest.raises(MealinkError, match="unknown topic 'unicorns'"):
        overlap_report(invented, topic="unicorns")
    with pytest.raises(MealinkError, match=r"threshold 1\.5"):
        overlap_report(invented, threshold=1.5)


def test_exports_carry_the_same_pairs(report: OverlapReport, tmp_path: Path) -> None:
    data = json.loads(json.dumps(report.to_dict()))
    assert len(data["pairs"]) == len(report.pairs)
    assert {frozenset((p["a"]["paragraph_id"], p["b"]["paragraph_id"]))
            for p in data["pairs"]} == _pairs(report)
    html = render_overlaps_html(report, topic_labels())
    assert "<mark>" in html and "Suggested lead" in html
    assert report.pairs[0].a.document in html
    out = tmp_path / "overlaps.xlsx"
    write_overlaps_xlsx(report, out)
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Overlapping mandates", "Clusters", "Issues and leads"]
    rows = list(wb["Overlapping mandates"].iter_rows(values_only=True))
    assert len(rows) == len(report.pairs) + 1
    assert {frozenset((r[13], r[14])) for r in rows[1:]} == _pairs(report)


# The lead each issue gets on the fixtures' evidence (see tests/fixtures/invented/README.md).
LEADS = [
    ("invasive-alien-species", "CMS", {"CMS", "CBD", "CITES", "Ramsar"}),
    # CBD addresses it too: CMS 12.921 cites its decision 15/904 in a paragraph on it
    ("climate-change", "CMS", {"CMS", "Ramsar", "CBD"}),
    ("wetlands", "Ramsar", {"Ramsar", "CMS"}),
]


@pytest.mark.parametrize(("topic", "lead", "conventions"), LEADS)
def test_each_issue_has_its_suggested_lead(report: OverlapReport, topic: str, lead: str,
                                           conventions: set[str]) -> None:
    issue = next(i for i in report.issues if i.topic == topic)
    assert {s.convention for s in issue.shares} == conventions
    assert issue.lead == lead
    assert issue.evidence and all(issue.evidence)
    best = issue.shares[0]
    assert best.convention == lead and best.score == max(s.score for s in issue.shares)


def test_the_ias_report_counts_mandates_and_addressees(report: OverlapReport) -> None:
    ias = next(i for i in report.issues if i.topic == "invasive-alien-species")
    by = {s.convention: s for s in ias.shares}
    assert by["CMS"].mandates > by["CITES"].mandates
    assert "Scientific Council" in by["CMS"].standing
    assert "CBD Decision 15/908" in by["CBD"].dedicated
    assert dict(by["CBD"].addressees)["Executive Secretary"] >= 2
