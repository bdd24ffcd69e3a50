"""The corpus layer on both engines: ingest, link, lineage, in-force status and search.

Every test runs on SQLite and on PostgreSQL (a real server; see conftest). The corpus
fixture ingests ../shared/corpus and the invented fixtures once per engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mealink.errors import MealinkError, NotFoundError
from mealink.link.status import parse_as_of
from mealink.store import Store, ingest, open_store, reparse
from mealink.store.corpus.records import adoption_date
from mealink.store.corpus.status import in_force, lineage, status, unresolved
from mealink.store.engine.schema import (
    ActorRow,
    AssessmentRow,
    CitationRow,
    DocumentRow,
    EdgeRow,
    ParagraphRow,
    SourceRow,
)
from mealink.store.search.hits import SearchFilters
from mealink.store.search.keyword import search
from tests.conftest import INVENTED, make_db, refuse_inserts


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           corpus_dir: Path) -> Iterator[Store]:
    """The gold corpus and the invented fixtures, ingested once per engine."""
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    url = next(gen)
    store = open_store(url)
    summary = ingest(store, [INVENTED, corpus_dir])
    failed = [o for o in summary.outcomes if o.outcome == "failed"]
    assert not failed, failed
    yield store
    store.dispose()
    for _ in gen:
        pass


def count(store: Store, table: type, *where: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


# --- ingest ---------------------------------------------------------------------------------

def test_whole_corpus_and_fixtures_ingest_without_failure(corpus: Store, corpus_dir: Path
                                                          ) -> None:
    texts = len(list(corpus_dir.glob("*.txt")))
    fixtures = len([p for p in INVENTED.iterdir()
                    if not p.name.startswith(("README", "ipbes-"))])
    # one fixture is a second copy of another text: stored once; the IPBES key messages are
    # an assessment's findings, stored beside the decisions
    assert count(corpus, DocumentRow, ~DocumentRow.is_stub) == texts + fixtures - 1
    assert count(corpus, SourceRow) == texts + fixtures - 1
    assert count(corpus, AssessmentRow) == 1
    assert count(corpus, ParagraphRow) > 450


def test_ingest_again_changes_nothing(corpus: Store, corpus_dir: Path) -> None:
    before = count(corpus, ParagraphRow), count(corpus, CitationRow), count(corpus, EdgeRow)
    again = ingest(corpus, [INVENTED, corpus_dir])
    counts = again.counts()
    assert counts["added"] == counts["updated"] == counts["failed"] == 0
    assert counts["duplicate"] == 1 and counts["unchanged"] > 40
    assert (count(corpus, ParagraphRow), count(corpus, CitationRow),
            count(corpus, EdgeRow)) == before


def test_changed_file_replaces_its_earlier_version(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    f = tmp_path / "dec.txt"
    src = (INVENTED / "cites-dec-19.930.txt").read_text(encoding="utf-8")
    f.write_text(src, encoding="utf-8")
    first = ingest(store, [f]).outcomes[0]
    assert first.outcome == "added" and first.document_id == "cites/decision/19.930"
    paragraphs = count(store, ParagraphRow)
    f.write_text(src.replace("subject to external funding", "subject to funding in writing", 1),
                 encoding="utf-8")
    second = ingest(store, [f]).outcomes[0]
    assert second.outcome == "updated"
    assert count(store, ParagraphRow) == paragraphs
    assert count(store, DocumentRow, ~DocumentRow.is_stub) == 1
    with store.engine.connect() as conn:
        texts = conn.execute(select(ParagraphRow.text)).scalars().all()
    assert any("in writing" in t for t in texts)
    assert ingest(store, [f]).outcomes[0].outcome == "unchanged"


def test_same_bytes_under_two_names_are_stored_once(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    data = (INVENTED / "cms-res-13.905.txt").read_bytes()
    (tmp_path / "a.txt").write_bytes(data)
    (tmp_path / "b.txt").write_bytes(data)
    outcomes = [o.outcome for o in ingest(store, [tmp_path]).outcomes]
    assert outcomes == ["added", "duplicate"]


def test_bad_file_fails_alone_and_leaves_nothing(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    (tmp_path / "a-good.txt").write_bytes((INVENTED / "cms-res-13.905.txt").read_bytes())
    (tmp_path / "b-binary.txt").write_bytes(bytes(range(256)) * 50)
    (tmp_path / "c-notes.txt").write_text("Shopping list: milk, bread, eggs.\n")
    (tmp_path / "d-good.txt").write_bytes((INVENTED / "cites-dec-19.930.txt").read_bytes())
    summary = ingest(store, [tmp_path])
    assert [o.outcome for o in summary.outcomes] == ["added", "failed", "failed", "added"]
    assert all(o.message and Path(o.path).name in o.message
               for o in summary.outcomes if o.outcome == "failed")
    assert count(store, DocumentRow, ~DocumentRow.is_stub) == 2


def test_a_document_the_database_refuses_is_rolled_back_whole(db_url: str,
                                                               tmp_path: Path) -> None:
    """A real database error in the middle of a document (a trigger refusing one of its
    paragraphs) leaves none of its rows behind, and the batch goes on."""
    store = open_store(db_url)
    refuse_inserts(store, "paragraphs", "new.text LIKE '%Liaison Group%'")
    (tmp_path / "a.txt").write_bytes((INVENTED / "cms-res-13.905.txt").read_bytes())
    (tmp_path / "b.txt").write_bytes((INVENTED / "cms-res-12.921-rev-cop14.md").read_bytes())
    summary = ingest(store, [tmp_path])
    assert [o.outcome for o in summary.outcomes] == ["failed", "added"]
    assert "refused by test trigger" in (summary.outcomes[0].message or "")
    assert count(store, DocumentRow, DocumentRow.id == "cms/resolution/13.905",
                 ~DocumentRow.is_stub) == 0
    assert count(store, SourceRow) == 1
    with store.engine.connect() as conn:
        docs = set(conn.execute(select(ParagraphRow.document_id)).scalars())
    assert docs == {"cms/resolution/12.921-rev-cop14"}


def test_reparse_reads_the_kept_bytes_again(db_url: str) -> None:
    store = open_store(db_url)
    ingest(store, [INVENTED / "cms-res-13.905.txt", INVENTED / "cbd-dec-15-908.html"])
    before = count(store, ParagraphRow), count(store, ActorRow), count(store, CitationRow)
    summary = reparse(store)
    assert [o.outcome for o in summary.outcomes] == ["updated", "updated"]
    assert (count(store, ParagraphRow), count(store, ActorRow),
            count(store, CitationRow)) == before


# --- lineage and status ---------------------------------------------------------------------

@pytest.mark.parametrize(("adopted_at", "day"), [
    ("COP11, Quito, 4-9 November 2014", date(2014, 11, 9)),
    ("COP14, Samarkand, February 2024", date(2024, 2, 1)),
    ("COP13, Gandhinagar, 2020-02-22", date(2020, 2, 22)),  # InforMEA, Akoma Ntoso
    ("2013-03-14T00:00:00", date(2013, 3, 14)),
    ("Conference of the Parties, 2019-13-45", date(2019, 1, 1)),  # no such day: the year
    ("Twelfth meeting, 2017", date(2017, 1, 1)),
    ("COP14", None),
])
def test_adoption_date_reads_the_ways_texts_and_records_write_it(adopted_at: str,
                                                                  day: date | None) -> None:
    assert adoption_date(adopted_at) == day


@pytest.mark.parametrize(("asked", "state", "by", "scope"), [
    # a stub: 7.9's text is not in the corpus, only 11.10's repeal of it
    ("CMS Resolution 7.9", "repealed", "cms/resolution/11.10", ()),
    ("UNEP/CMS/Resolution 11.10", "in force", None, ()),
    # the invented fixtures: repeal, revision (two ways of writing it), retirement, supersession
    ("CMS Resolution 11.928", "repealed", "cms/resolution/13.905", ()),
    ("cms/resolution/12.921", "replaced", "cms/resolution/12.921-rev-cop14", ()),
    ("Resolution Conf. 13.910 (Rev. CoP14)", "replaced", "cites/resolution/13.910-rev-cop19", ()),
    ("CITES Resolution Conf.13.910 (Rev.CoP14)", "replaced", "cites/resolution/13.910-rev-cop19",
     ()),
    ("CITES Resolution Conf. 10.923", "repealed", "cites/resolution/13.910-rev-cop19", ()),
    # texts known only from citations, some paragraphs of which a stored text ended: of the
    # rest nothing is known
    ("decision XIV/911", "no repeal known", "cbd/decision/15-908", ("3", "5", "7", "8", "9")),
    ("Ramsar Resolution VIII.918", "no repeal known", "ramsar/resolution/XIV.907", ("12", "14")),
])
def test_status(corpus: Store, asked: str, state: str, by: str | None,
                scope: tuple[str, ...]) -> None:
    st = status(corpus, asked)
    assert st.state == state
    assert (st.acts[0].source_id if st.acts else None) == by
    assert st.removed_paragraphs == scope


def test_status_of_a_stub_says_where_the_repeal_was_adopted(corpus: Store) -> None:
    st = status(corpus, "CMS Resolution 7.9")
    assert st.is_stub and not st.in_force
    assert st.acts[0].source == "CMS Resolution 11.10"
    assert st.acts[0].adopted == "COP11, Quito, 2014"
    assert st.acts[0].paragraph_id == "cms/resolution/11.10/para_28"


@pytest.mark.parametrize(("asked", "as_of", "state"), [
    # texts known only from citations: "no repeal known" until a stored text acts on them
    ("CMS Resolution 11.928", "COP12", "no repeal known"),
    ("CMS Resolution 11.928", "COP13", "repealed"),
    ("CMS Resolution 12.921", "COP13", "no repeal known"),
    ("CMS Resolution 12.921", "COP14", "replaced"),
    ("CMS Resolution 13.905", "COP12", "not yet adopted"),
    ("decision XIV/911", "COP14", "no repeal known"),
    ("decision XIV/911", "COP15", "no repeal known"),
    ("CMS Resolution 11.928", "2019-12-31", "no repeal known"),
    ("CMS Resolution 11.928", "2020-03", "repealed"),
])
def test_status_as_of(corpus: Store, asked: str, as_of: str, state: str) -> None:
    assert status(corpus, asked, parse_as_of(as_of)).state == state


def test_in_force_lists_per_convention_and_date(corpus: Store) -> None:
    now = {d.document_id for d in in_force(corpus, "CMS", include_cited=True)}
    then = {d.document_id: d for d in in_force(corpus, "CMS", parse_as_of("COP12"),
                                                 include_cited=True)}
    assert "cms/resolution/11.928" in then and "cms/resolution/11.928" not in now
    assert then["cms/resolution/11.928"].state == "no repeal known"  # known from citations
    assert then["cms/resolution/11.928"].in_force is None
    assert "cms/resolution/13.905" in now and "cms/resolution/13.905" not in then
    assert "cms/resolution/7.9" not in then  # repealed at COP11
    assert {"cms/resolution/12.921-rev-cop14"} <= now and "cms/resolution/12.921" not in now
    stored = in_force(corpus, "CMS")  # without --include-cited: stored texts only
    assert stored and all(not d.is_stub and d.in_force for d in stored)


def test_lineage_follows_revisions_and_repeals(corpus: Store) -> None:
    up, down = lineage(corpus, "CITES Resolution Conf. 13.910 (Rev. CoP19)")
    children = {(c.relation, c.document_id) for c in up.children}
    assert children == {("repeals", "cites/resolution/10.923"),
                        ("revises", "cites/resolution/13.910-rev-cop14")}
    older = next(c for c in up.children if c.relation == "revises")
    assert [c.document_id for c in older.children] == ["cites/resolution/13.910"]
    _, down = lineage(corpus, "CMS Resolution 13.905", citations=True)
    citing = {c.document_id for c in down.children}
    assert {"cms/decision/14.910", "cbd/decision/15-908", "ramsar/resolution/XIV.907",
            "cites/decision/19.930"} <= citing


def test_citations_resolve_across_conventions_to_the_version_then_in_force(corpus: Store
                                                                           ) -> None:
    with corpus.engine.connect() as conn:
        rows = conn.execute(select(CitationRow.document_id, CitationRow.written,
                                   CitationRow.target_id)).all()
    targets = {(r.document_id, r.written): r.target_id for r in rows}
    # Ramsar XIV.907 (2022) cites CMS 12.921: the COP12 text, not the 2024 revision; Ramsar
    # numbers its resolutions in roman, so an arabic "Resolution 12.921" is CMS's
    assert targets[("ramsar/resolution/XIV.907", "Resolution 12.921")] == "cms/resolution/12.921"
    assert targets[("ramsar/resolution/XIV.907", "Resolution VIII.918")] == \
        "ramsar/resolution/VIII.918"
    assert targets[("cms/decision/14.910", "Resolution 13.905")] == "cms/resolution/13.905"
    # a CBD decision number inside a CMS text
    assert targets[("cms/resolution/13.905", "decision XIV/911")] == "cbd/decision/XIV-911"
    assert targets[("cbd/decision/15-908", "CITES Resolution Conf. 13.910 (Rev. CoP19)")] == \
        "cites/resolution/13.910-rev-cop19"


def test_unresolved_lists_what_to_ingest_next(corpus: Store) -> None:
    rows = unresolved(corpus)
    by_key = {r.key: r for r in rows}
    assert "cbd/decision/XIV-911" in by_key
    assert "cbd/decision/15-908" in by_key["cbd/decision/XIV-911"].cited_by
    assert "cms/resolution/13.905" not in by_key  # its text is stored
    assert rows == sorted(rows, key=lambda r: (-r.count, r.target))


def test_unknown_document_is_one_clear_error(corpus: Store) -> None:
    with pytest.raises(NotFoundError, match="not in the corpus"):
        status(corpus, "CMS Resolution 99.99")


def test_partial_repeal_reaches_paragraphs_and_sub_paragraphs(db_url: str,
                                                              tmp_path: Path) -> None:
    store = open_store(db_url)
    (tmp_path / "old.txt").write_text(
        "Decision X/1. Forests\n\nThe Conference of the Parties,\n\n"
        "1. Requests the Executive Secretary to compile information;\n\n"
        "2. Urges Parties to report on forests;\n\n"
        "3. Invites Parties to:\n\n(a) share data;\n\n(b) build capacity;\n\n"
        "4. Decides to review this decision.\n", encoding="utf-8")
    (tmp_path / "new.txt").write_text(
        "Decision XII/5. Retirement of decisions\n\nThe Conference of the Parties,\n\n"
        "1. Decides to retire decision X/1, paragraphs 2 and 3 (a);\n\n"
        "2. Requests the Executive Secretary to keep the full text of retired decisions.\n",
        encoding="utf-8")
    ingest(store, [tmp_path])
    assert status(store, "CBD decision X/1").state == "in force in part"
    assert status(store, "cbd/decision/X-1/para_2").state == "retired"
    assert status(store, "cbd/decision/X-1/para_3(a)").state == "retired"
    assert status(store, "cbd/decision/X-1/para_3(b)").state == "in force"
    with store.engine.connect() as conn:
        flags = dict(conn.execute(select(ParagraphRow.anchor, ParagraphRow.in_force).where(
            ParagraphRow.document_id == "cbd/decision/X-1")).all())
    assert flags["para_1"] and not flags["para_2"] and not flags["para_3(a)"]
    assert flags["para_3(b)"] and flags["para_4"]
    retired = search(store, "Parties", SearchFilters(in_force=False))
    assert [h.paragraph_id for h in retired] == ["cbd/decision/X-1/para_2"]


# --- search ---------------------------------------------------------------------------------

def test_search_ranks_and_highlights(corpus: Store) -> None:
    hits = search(corpus, "invasive alien species", limit=10)
    assert hits and all(h.paragraph_id.startswith(h.document_id + "/") for h in hits)
    for h in hits[:5]:
        words = {h.snippet[s:e].lower() for s, e in h.highlights}
        assert words & {"invasive", "alien", "species"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(("filters", "check"), [
    (SearchFilters(convention="CMS"), lambda h: h.convention == "CMS"),
    (SearchFilters(kind="operative"), lambda h: h.kind == "operative"),
    (SearchFilters(verb="request"), lambda h: h.verb == "request"),
    (SearchFilters(document="cbd/decision/15-908"),
     lambda h: h.document_id == "cbd/decision/15-908"),
    (SearchFilters(meeting=13, convention="CMS"), lambda h: h.document_id ==
     "cms/resolution/13.905"),
])
def test_search_filters(corpus: Store, filters: SearchFilters, check: object) -> None:
    query = "Parties OR Secretariat OR species OR resolution"
    hits = search(corpus, query, filters, limit=50)
    assert hits, filters
    assert all(check(h) for h in hits)  # type: ignore[operator]


def test_search_by_actor_uses_canonical_names(corpus: Store) -> None:
    hits = search(corpus, "invasive", SearchFilters(actor="Secretariat"), limit=50)
    assert hits
    with corpus.engine.connect() as conn:
        for h in hits:
            names = conn.execute(select(ActorRow.name, ActorRow.canonical).join(
                ParagraphRow, ParagraphRow.pk == ActorRow.paragraph_pk).where(
                ParagraphRow.id == h.paragraph_id)).all()
            assert any("secretariat" in (n.canonical or n.name).lower() for n in names)


def test_phrase_and_exclusion(corpus: Store) -> None:
    phrase = search(corpus, '"Liaison Group"', limit=50)
    assert phrase and all("liaison group" in (h.snippet.lower()) for h in phrase[:5])
    without = search(corpus, '"Liaison Group" -CITES', limit=50)
    assert len(without) < len(phrase)


@pytest.mark.parametrize("query", ['"unbalanced', "a AND", "NEAR(", "col:umn", "*", "x) OR (y",
                                   "- -", "é", "12.21", "UNEP/CMS/Resolution"])
def test_odd_queries_never_break_the_engine(corpus: Store, query: str) -> None:
    try:
        search(corpus, query)
    except MealinkError as exc:
        assert "no words" in str(exc)


def test_python_api_search(corpus: Store) -> None:
    import mealink

    url = corpus.engine.url.render_as_string(hide_password=False)
    db = url.removeprefix("sqlite:///") if corpus.dialect == "sqlite" else url
    hits = mealink.search("bycatch", db, convention="CMS")
    assert all(h.convention == "CMS" for h in hits)
    assert json.dumps([h.to_dict() for h in hits])
