"""IPBES findings ingested beside the corpus and matched with in-force mandates, with the
real embedding model, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mealink.errors import MealinkError
from mealink.store import Store, ingest, open_store
from mealink.store.findings import FindingsReport, match_findings
from tests.conftest import INVENTED, make_db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Store, FindingsReport]]:
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    store = open_store(next(gen))
    summary = ingest(store, [INVENTED])
    outcome = next(o for o in summary.outcomes if o.path.endswith("ipbes-ias-key-messages.txt"))
    assert outcome.outcome == "added"
    assert outcome.document_id == "ipbes/2023/invasive-alien-species"
    yield store, match_findings(store)
    store.dispose()
    for _ in gen:
        pass


def _link(report: FindingsReport, label: str) -> set[str]:
    f = next(f for f in report.links if f.label == label)
    return {m.paragraph_id for m, _ in f.mandates}


# finding -> paragraphs a reader expects it to bear on (at least one of each set)
BEARS_ON = [
    ("B.2", {"cites/resolution/13.910-rev-cop19/para_(a)", "cites/decision/19.930/para_19.930",
             "cites/resolution/13.910-rev-cop19/para_(b)"}),
    ("C.3", {"cms/resolution/13.905/para_9", "cms/resolution/13.905/para_2"}),
    ("A.3", {"ramsar/resolution/XIV.907/para_13", "ramsar/resolution/XIV.907/para_14"}),
    ("B.3", {"ramsar/resolution/XIV.907/para_13", "ramsar/resolution/XIV.907/para_17"}),
]


@pytest.mark.parametrize(("label", "expected"), BEARS_ON)
def test_findings_bear_on_the_mandates_a_reader_expects(
        matched: tuple[Store, FindingsReport], label: str, expected: set[str]) -> None:
    assert _link(matched[1], label) & expected


def test_a_finding_no_mandate_addresses_bears_on_nothing(
        matched: tuple[Store, FindingsReport]) -> None:
    report = matched[1]
    assert _link(report, "C.5") == set()  # biological control of weeds in agriculture
    line = next(r for r in report.recommendations if r.startswith("Finding C.5"))
    assert "bears on no mandate in force" in line


def test_recommendations_name_texts_paragraphs_and_similarity(
        matched: tuple[Store, FindingsReport]) -> None:
    report = matched[1]
    assert len(report.recommendations) == len(report.links) == 16
    c3 = next(r for r in report.recommendations if r.startswith("Finding C.3"))
    assert "CMS Resolution 13.905 ¶" in c3 and "(similarity 0." in c3
    for f in report.links:
        sims = [s for _, s in f.mandates]
        assert sims == sorted(sims, reverse=True)
        assert all(s >= report.threshold for s in sims)
    rows = report.rows()
    assert {r["finding"] for r in rows} == {f.label for f in report.links}


def test_reingesting_the_findings_is_unchanged_and_convention_filter_works(
        matched: tuple[Store, FindingsReport]) -> None:
    store, _ = matched
    again = ingest(store, [INVENTED / "ipbes-ias-key-messages.txt"])
    assert again.outcomes[0].outcome == "unchanged"
    cms = match_findings(store, convention="CMS")
    assert all(m.convention == "CMS" for f in cms.links for m, _ in f.mandates)
    with pytest.raises(MealinkError, match="no assessment findings for 'ipbes/1999/none'"):
        match_findings(store, assessment="ipbes/1999/none")
