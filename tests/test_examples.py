"""The bundled examples are real texts, and what mealink answers on them is what
examples/README.md says (each answer read against the texts by hand). Both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.mandates.review import annex_lines
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.status import status
from mealink.store.mandates import digest
from mealink.store.review import review
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs
from mealink.store.synergies import overlap_report
from tests.conftest import REPO, make_db

EXAMPLES = REPO / "examples"
README = (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_every_example_is_a_real_text_with_its_source(realdocs_dir: Path) -> None:
    texts = sorted(p for p in EXAMPLES.iterdir() if p.suffix == ".txt")
    assert len(texts) >= 12
    for p in texts:
        assert p.read_bytes() == (realdocs_dir / p.name).read_bytes(), p.name
        assert f"| `{p.name}` |" in README, f"{p.name} is not listed in examples/README.md"
    listed = {line.split("`")[1] for line in README.splitlines()
              if line.startswith("| `") and line.split("`")[1].endswith(".txt")}
    assert listed == {p.name for p in texts}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def examples(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Store]:
    gen = make_db(request.param, tmp_path_factory.mktemp("examples"), request)
    store = open_store(next(gen))
    summary = ingest(store, [EXAMPLES])
    assert summary.counts()["failed"] == 0, summary.outcomes
    yield store
    store.dispose()
    for _ in gen:
        pass


STATUS = [
    ("CMS Resolution 11.28", "in force", "identified by its sidecar file"),
    ("CMS Resolution 10.21", "repealed",
     "repealed by CMS Resolution 11.10 (COP11, Quito, 2014), para 28"),
    ("CMS Resolution 10.25", "no repeal known (text not in the corpus)",
     "no evidence either way"),
    ("CMS Decision 12.81", "expected to have lapsed at COP13",
     "CMS Decisions are adopted for the period until the next meeting of the Conference of "
     "the Parties, which keeps, revises or deletes each of them; adopted at COP12, it lasted "
     "until COP13, which has been held, and no stored text keeps it in force"),
    ("CITES Decision 17.170 (Rev. CoP18)", "replaced",
     "replaced by a later version, CITES Decision 17.170 (Rev.CoP19) (stored)"),
    ("CITES Resolution Conf. 13.10", "replaced",
     "replaced by a later version, CITES Resolution Conf. 13.10 (Rev.CoP14) (known from "
     "citations)"),
    ("CITES Decision 16.15", "in force", "CITES Decisions stay until the Conference of the "
                                         "Parties deletes them"),
]


@pytest.mark.parametrize(("asked", "said", "rests_on"), STATUS, ids=[c[0] for c in STATUS])
def test_status_answers(examples: Store, asked: str, said: str, rests_on: str) -> None:
    assert f"| `status \"{asked}\"` | {said} |" in README
    row = next(line for line in README.splitlines() if line.startswith(
        f"| `status \"{asked}\"`"))
    assert rests_on in row
    st = status(examples, asked)
    state = st.state
    if state == "no repeal known":
        state += " (text not in the corpus)"
    if state == "expected to have lapsed":
        state += f" at {st.lapsed_at}"
    assert state == said
    evidence = " ".join(e.text for e in st.evidence)
    if "identified by" in rests_on:
        assert st.identified_by == "its sidecar file (cms-res-11.28.meta.json)"
    elif "stay until" in rests_on:
        assert "CITES Decisions stay in force until the Conference of the Parties deletes or " \
               "revises them" in evidence
    else:
        assert rests_on in evidence


def test_review_annex(examples: Store) -> None:
    lines = annex_lines(review(examples, "CMS", "COP14"))
    assert lines == [
        "Decisions to be deleted (adopted for a period that has ended):",
        "- Decisions 12.81 and 12.82: expected to have lapsed at COP13; delete unless kept",
        "- Decisions 13.1 to 13.3, 13.7 and 13.8: adopted at COP13 for the period until COP14;"
        " delete unless kept",
        "Paragraphs to be repealed:",
        "- CMS Resolution 11.10, paragraphs 8 and 21"]
    for line in lines:
        if line.startswith("- "):
            assert f"| {line} |" in README


def test_scientific_council_digest(examples: Store) -> None:
    groups = digest(examples, "Scientific Council")
    got = {(g.label, m.paragraph_id.rsplit("/", 1)[-1]) for g in groups for m in g.mandates}
    assert got == {("CMS Resolution 10.8 (Rev.COP14)", "para_1"),
                   ("CMS Resolution 10.8 (Rev.COP14)", "para_6"),
                   ("CMS Resolution 10.8 (Rev.COP14)", "para_7"),
                   ("CMS Resolution 11.10", "para_7"),
                   ("CMS Resolution 11.28", "para_2"), ("CMS Resolution 11.28", "op_11")}
    assert all(not m.time_bound for g in groups for m in g.mandates)
    assert "`cms/resolution/11.28/op_11`" in README


def test_invasive_alien_species_across_conventions(examples: Store) -> None:
    embed_paragraphs(examples)
    report = overlap_report(examples, topic="invasive alien species")
    assert report.pairs == ()
    [issue] = report.issues
    by = {s.convention: s for s in issue.shares}
    # 11.28 ¶6 asks the Secretariat only: the Parties it must encourage are not asked
    assert by["CMS"].mandates == 9
    assert set(by["CMS"].texts) == {"CMS Resolution 11.10", "CMS Resolution 11.28"}
    assert (by["CITES"].texts, by["CBD"].texts) == ((), ())
    assert by["CITES"].earliest_text == ("CITES Resolution Conf. 13.10 (Rev.CoP14), known from "
                                         "its citation in CMS Resolution 11.28 (pre 17)")
    assert by["CBD"].earliest_text is not None and "CBD Decision IX/4" in by["CBD"].earliest_text
    assert issue.lead == "CMS"
    assert "ingest them before relying on this suggestion" in issue.evidence[-1]


def test_search_finds_the_ask_of_the_scientific_council(examples: Store) -> None:
    embed_paragraphs(examples)
    hits = find(examples, "how should scientific advisers take up IPBES assessment findings?",
                limit=3)
    assert [h.paragraph_id for h in hits] == [
        "cms/resolution/10.8-rev-cop14/para_7", "cms/resolution/10.8-rev-cop14/para_6",
        "cites/decision/16.15/para_16.15(b)"]


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_bycatch_is_close_to_nothing_here(examples: Store, mode: str) -> None:
    # no text here mentions bycatch: every mode says so, naming the closest paragraph
    assert not any("bycatch" in p.read_text(encoding="utf-8").lower()
                   for p in EXAMPLES.glob("*.txt"))
    embed_paragraphs(examples)
    hits = find(examples, "bycatch", mode=mode)  # type: ignore[arg-type]
    assert list(hits) == [] and hits.nothing_close
    assert hits.message is not None and hits.message.startswith(
        "No paragraph is close to 'bycatch'")


def test_invented_fixtures_carry_no_real_symbol() -> None:
    """Every resolution, decision and recommendation the invented fixtures carry or cite is
    numbered 900 or above, so none can be mistaken for a real text."""
    from mealink import parse_file
    from mealink.link import document_links
    from tests.conftest import INVENTED

    seen = 0
    for path in sorted(INVENTED.iterdir()):
        if path.suffix not in (".txt", ".md", ".html") or path.name.startswith("ipbes-"):
            continue
        links = document_links(parse_file(path))
        keys = [*links.keys, *(k for c in links.citations for k in c.keys)]
        for k in keys:
            if k.type in ("resolution", "decision", "recommendation"):
                seen += 1
                item = int(k.number.rsplit(".", 1)[-1].rsplit("/", 1)[-1])
                assert item >= 900, f"{path.name}: {k.label} looks like a real symbol"
    assert seen > 20
