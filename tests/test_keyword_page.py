"""A keyword search page (``find`` in keyword mode and its ``facets``) at the scale it is
built for: no statement it runs reads a whole table of paragraphs, whatever the planner's
statistics say. The statistics are those of a store of 100,000 paragraphs, none of them
aligned to another language (SQLite's ``sqlite_stat1`` after ``ANALYZE``), written into a
small store, so that the planner chooses as it would there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, event, text

from mealink.semantic.terms import _WORD, content_words, shared_spans, stem, word_share
from mealink.store import Store, ingest, open_store
from mealink.store.search.facets import Facets, _grouped, _match, _tally, facets
from mealink.store.search.find import find
from mealink.store.search.hits import Hit, SearchFilters
from mealink.store.search.keyword import _filters, search
from mealink.store.search.languages import with_counterparts
from tests.conftest import INVENTED, REPO

LANGUAGES = REPO / "tests" / "fixtures" / "invented-languages"

#: sqlite_stat1 of the 100,000-paragraph store of ``benchmarks/bench_synergies.py``
#: (8,889 documents; ``aligned_to`` NULL in every paragraph)
STATS = (
    ("paragraphs", "ix_paragraphs_aligned_to", "100032 100032"),
    ("paragraphs", "ix_paragraphs_document_seq", "100032 12 1"),
    ("paragraphs", "ix_paragraphs_kind", "100032 33344"),
    ("paragraphs", "ix_paragraphs_verb", "100032 1888"),
    ("paragraphs", "sqlite_autoindex_paragraphs_1", "100032 1"),
    ("documents", "sqlite_autoindex_documents_1", "8889 1"),
    ("documents", "ix_documents_expression_of", "8889 8889"),
    ("documents", "ix_documents_work_id", "8889 1"),
)


def scans(plan: list[str]) -> list[str]:
    """The tables (or their aliases) a plan reads whole: every SCAN but of the full-text
    index, of a subquery's rows it made itself, or of a constant row."""
    made = {d.split()[-1] for d in plan if d.startswith(("MATERIALIZE ", "CO-ROUTINE "))}
    return [d for d in plan if d.startswith("SCAN ") and "VIRTUAL TABLE" not in d
            and d.split()[1] not in made and d != "SCAN CONSTANT ROW"]


@pytest.fixture(scope="module")
def big_stats_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The invented texts in SQLite, with the planner statistics of a large store."""
    store = open_store(str(tmp_path_factory.mktemp("plans") / "s.db"))
    ingest(store, [INVENTED])
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        for tbl, idx, stat in STATS:
            conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = :t AND idx = :i"),
                         {"t": tbl, "i": idx})
            conn.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                         {"t": tbl, "i": idx, "s": stat})
    store.engine.dispose()  # new connections read the statistics afresh
    yield store
    store.dispose()


def _plans(store: Store, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """(statement, its query plan) for every statement ``run`` makes."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             many: bool) -> None:
        seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", grab)
    try:
        run()
    finally:
        event.remove(store.engine, "before_cursor_execute", grab)
    out = []
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for statement, params in seen:
            plan = raw.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            out.append((statement, [str(r[3]) for r in plan]))
    return out


@pytest.mark.parametrize("query", ["Parties", "invasive alien species", "climate change"])
def test_a_keyword_page_scans_no_table(big_stats_store: Store, query: str) -> None:
    def page() -> None:
        find(big_stats_store, query, mode="keyword")
        facets(big_stats_store, query)

    page()  # what is read once a corpus generation (the vectors) is read now
    plans = _plans(big_stats_store, page)
    assert plans
    for statement, plan in plans:
        assert not scans(plan), f"{statement}\n  -> {' | '.join(plan)}"


def test_the_plans_are_read_with_these_statistics(big_stats_store: Store,
                                                  tmp_path: Path) -> None:
    """The statistics took: the planner sees aligned_to as held by every paragraph."""
    with big_stats_store.engine.connect() as conn:
        stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE idx = "
                                 "'ix_paragraphs_aligned_to'")).scalar()
    assert stat == "100032 100032"


def _by_or(conn: Any, hits: list[Hit]) -> list[tuple[str | None, tuple[str, ...]]]:
    """Each hit's language and counterparts as one read with OR finds them (the reference)."""
    ids = [h.paragraph_id for h in hits]
    own = {r[0]: (r[1] or r[0], r[2]) for r in conn.execute(text(
        "SELECT p.id, p.aligned_to, d.language FROM paragraphs p JOIN documents d ON "
        "d.id = p.document_id WHERE p.id IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": ids})}
    heads = sorted({own[i][0] for i in ids})
    group: dict[str, list[str]] = {}
    for pid, aligned in conn.execute(text(
            "SELECT p.id, p.aligned_to FROM paragraphs p JOIN documents d ON d.id = "
            "p.document_id WHERE p.id IN :h OR p.aligned_to IN :h ORDER BY d.language, p.id")
            .bindparams(bindparam("h", expanding=True)), {"h": heads}):
        group.setdefault(aligned or pid, []).append(pid)
    return [(own[i][1], tuple(c for c in group[own[i][0]] if c != i)
             if len(group[own[i][0]]) > 1 else ()) for i in ids]


@pytest.mark.parametrize("query", ["sharks", "requins", "luz artificial", "artificial light",
                                   "Parties"])
def test_each_hit_brings_the_counterparts_the_alignment_gives(db_url: str, query: str
                                                              ) -> None:
    store = open_store(db_url)
    try:
        ingest(store, [INVENTED, LANGUAGES])
        hits = search(store, query, limit=50)
        assert hits
        with store.engine.connect() as conn:
            got = [(h.language, tuple(c.paragraph_id for c in h.counterparts))
                   for h in with_counterparts(conn, hits)]
            assert got == _by_or(conn, hits)
        if query != "Parties":
            assert any(mates for _, mates in got)
    finally:
        store.dispose()


def _facets_by_database(store: Store, query: str, filters: SearchFilters | None,
                        sample: int) -> Facets:
    """The facets as the database groups them (PostgreSQL's way): the reference."""
    f = filters or SearchFilters()
    params: dict[str, Any] = {}
    joins, match = _match(store, query, params, bool(f.document))
    where = _filters(f, params)
    with store.engine.connect() as conn:
        total = int(conn.execute(text(f"SELECT count(*) {joins}WHERE {match}{where}"),
                                 params).scalar() or 0)
        rows, actors, scale, sampled = _grouped(conn, joins, match, where, "p.pk", params,
                                                total, sample)
    return _tally(Facets(sampled=sampled), total, rows, actors, scale)


FILTERED = [None, SearchFilters(convention="CMS"), SearchFilters(in_force=True),
            SearchFilters(kind="operative"), SearchFilters(actor="Parties"),
            SearchFilters(document="cms/resolution/13.905")]


def test_facets_count_what_the_database_groups(invented_store: Store) -> None:
    """Sampled or not, under every kind of filter (on PostgreSQL, the database groups)."""
    sampled = 0
    for sample in (5, 40, 2_000):
        for filters in FILTERED:
            for query in ("Parties", "invasive alien species", "climate",
                          '"Scientific Council"'):
                got = facets(invented_store, query, filters, sample=sample)
                assert got == _facets_by_database(invented_store, query, filters, sample), \
                    (sample, filters, query)
                sampled += got.sampled is not None
    assert sampled > 10


def test_facets_follow_the_corpus_as_it_changes(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])
        before = facets(store, "Parties")
        ingest(store, [INVENTED])
        after = facets(store, "Parties")
        assert after.total > before.total
        assert after == _facets_by_database(store, "Parties", None, 2_000)
    finally:
        store.dispose()


def test_the_count_find_made_is_the_facets_total(db_url: str, corpus_dir: Path) -> None:
    """A page counts the matches once: ``find``'s count (keyword mode, every word matched
    past the ranking's depth) is the facets' total, and the facets given it are the same."""
    store = open_store(db_url)
    try:
        ingest(store, [INVENTED, corpus_dir])
        counted = 0
        for query in ("Parties", "Conference of the Parties", "Secretariat", "invasive species"):
            for filters in (None, SearchFilters(in_force=True), SearchFilters(kind="operative")):
                for offset in (0, 20):
                    res = find(store, query, filters, mode="keyword", limit=20, offset=offset)
                    alone = facets(store, query, filters)
                    if res.matched is not None:
                        counted += 1
                        assert res.matched == alone.total == res.ranked
                    assert facets(store, query, filters, total=res.matched) == alone
        assert counted >= 4
    finally:
        store.dispose()


def _spans_word_by_word(query: str, text_: str) -> tuple[list[str], list[tuple[int, int]]]:
    """``shared_spans`` as it was, every word stemmed: the reference."""
    wanted = {stem(w): w for w in content_words(query)}
    found: dict[str, None] = {}
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text_):
        s = stem(m.group(0))
        if s in wanted:
            found.setdefault(wanted[s])
            spans.append((m.start(), m.end()))
    return list(found), spans


@pytest.mark.parametrize(("query", "text_"), [
    ("ΟΔΟΣ", "ΟΔΟΣ’’Α ΟΔΟΣ"),  # a capital sigma's lower case depends on what follows it
    ("İstanbul sites", "İstanbul’s web-sites and sites"),  # "İ" lower-cases to two characters
    ("Party sites", "the Party’s website, the Parties' sites, party-sites"),
    ("well-being", "WELL-BEING and well–being and well-beings"),
])
def test_shared_spans_on_texts_lower_cased_unevenly(query: str, text_: str) -> None:
    assert shared_spans(query, text_) == _spans_word_by_word(query, text_)


_WORDS = st.sampled_from(["species", "Species", "SPECIES", "specie", "islands", "island",
                          "İstanbul", "istanbul", "ÉTATS", "états", "Straße", "ﬁsheries",
                          "fisheries", "Parties", "party", "x’s", "Party's", "alien-species",
                          "eradication", "eradicate", "the", "of", "Ⅻ", "ǅemal", "12",
                          "ΟΔΟΣ", "οδος", "website", "site", "sites", "sea-turtle",
                          "turtles", "l’homme", "L'Homme", "re-e", "abcd-e", "well-being"])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=4),
       st.lists(st.tuples(_WORDS, st.sampled_from([" ", "-", "’", "'", ", ", "_", "…", "’’",
                                                   "--", "-'"])),
                max_size=30))
def test_shared_spans_find_what_stemming_every_word_finds(
        query: list[str], words: list[tuple[str, str]]) -> None:
    q = " ".join(query)
    t = "".join(w + sep for w, sep in words)
    assert shared_spans(q, t) == _spans_word_by_word(q, t)
    wanted = {stem(w) for w in content_words(q)}
    every = {stem(w) for w in _WORD.findall(t)}
    assert word_share(q, t) == (len(wanted & every) / len(wanted) if len(wanted) > 1 else 0.0)
