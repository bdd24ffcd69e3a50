"""SQLite's full-text index held in memory (``store.search.postings``) answers as FTS5 does:
the same paragraphs, the same bm25 to the last bit, the same order of equal scores; it is
never used once the index has changed (migration 0014 counts every change), and a search
page is the same with it and without it."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, text

from mealink.errors import StoreError
from mealink.store import Store, ingest, open_store
from mealink.store.engine import driver
from mealink.store.engine.fulltext import changes
from mealink.store.engine.schema import ParagraphRow
from mealink.store.search.facets import facets
from mealink.store.search.find import find
from mealink.store.search.keyword import count, ranking
from mealink.store.search.postings import (
    WordIndex,
    held,
    kept_in_memory,
    read_word_index,
    wait_until_held,
)
from mealink.store.search.words import word_query
from tests.conftest import INVENTED

#: shapes of what readers type, in the words of the gold corpus's real texts
QUERIES = (
    "Parties", "Conference of the Parties", '"Conference of the Parties"', "Secretariat",
    "requests the Secretariat", "invasive alien species", "climate change",
    "migratory species OR wetlands", "Parties OR States OR Secretariat",
    "conservation -migratory", 'species -"climate change"', "Clearing-House",
    "Biosafety Clearing-House mechanism", "the the", "of of of", "Côte d'Ivoire",
    "Ramsar sites", '"national focal points"', "bycatch", "Party's", "1979", "13.5",
    "e-waste", "UNEP/CMS/COP13", "wetlands OR", "OR wetlands", "Parties Parties",
    '"the Parties" OR "the Secretariat"', "capacity-building OR capacity",
    "invasive -species", "Standing Committee -Scientific",
    # a typed word FTS5 takes as two (every part needed), inside an OR: its parts count in
    # the score only where all of them are found
    "Parties/Secretariat OR wetlands", "species OR Parties/wetlands",
    "capacity/building OR capacity",
)

_FTS5 = ("SELECT rowid, bm25(paragraphs_fts) AS s FROM paragraphs_fts "
         "WHERE paragraphs_fts MATCH :q ORDER BY s, rowid")


def _fts5(store: Store, query: str) -> list[tuple[int, float]]:
    with store.engine.connect() as conn:
        return [(int(r[0]), float(r[1])) for r in conn.execute(
            text(_FTS5), {"q": word_query(query).fts5()})]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Iterator[Store]:
    """The gold corpus's real texts and the invented ones, in SQLite."""
    store = open_store(str(tmp_path_factory.mktemp("words") / "w.db"))
    ingest(store, [INVENTED, corpus_dir])
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def index(real_store: Store) -> Iterator[WordIndex]:
    with kept_in_memory(real_store) as held_index:
        yield held_index


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_in_memory_ranks_as_fts5(real_store: Store, index: WordIndex,
                                           query: str) -> None:
    wq = word_query(query)
    expected = _fts5(real_store, query)
    got = index.rank(wq, len(expected) + 5)
    assert got == expected  # the pks, and the scores to the last bit
    assert index.count(wq) == len(expected)
    matching = index.matching(wq)
    assert matching is not None
    assert matching.tolist() == sorted(pk for pk, _ in expected)
    for offset, limit in ((0, 1), (3, 7), (len(expected), 5)):
        assert index.rank(wq, limit, offset) == expected[offset:offset + limit]


def test_most_of_the_table_has_matches(real_store: Store, index: WordIndex) -> None:
    """The table above is not answered by empty rankings alone."""
    assert sum(bool(_fts5(real_store, q)) for q in QUERIES) >= 24


def _random_query(rng: random.Random, words: list[str]) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(1, 4)):
        shape = rng.random()
        w = rng.choice(words)
        if shape < 0.15:
            parts.append(f'"{w} {rng.choice(words)}"')
        elif shape < 0.3 and parts:
            parts.append(f"OR {w}")
        elif shape < 0.4 and parts:
            parts.append(f"-{w}")
        elif shape < 0.45:
            parts.append(f"{w}-{rng.choice(words)}")
        elif shape < 0.55:
            parts.append(f"{'OR ' if parts else ''}{w}/{rng.choice(words)}")
        else:
            parts.append(w)
    return " ".join(parts)


def test_random_queries_in_the_corpus_words_rank_as_fts5(real_store: Store,
                                                         index: WordIndex) -> None:
    """Property test, fixed seed: queries of every shape made of the corpus's own words
    (common ones, so that the rankings are long and hold equal scores)."""
    with real_store.engine.connect() as conn:
        texts = [t for t, in conn.execute(text("SELECT text FROM paragraphs LIMIT 400"))]
    words = [w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t)]
    rng = random.Random(18)
    answered = 0
    for _ in range(300):
        query = _random_query(rng, words)
        wq = word_query(query)
        got = index.rank(wq, 10_000)
        if got is None:  # an excluded word of two parts: FTS5 answers
            assert any(not hasattr(n, "words") for n in wq.negative)
            continue
        answered += 1
        assert got == _fts5(real_store, query), query
    assert answered >= 250


def test_a_prefix_is_left_to_fts5(index: WordIndex) -> None:
    assert index.rank(word_query("conserv*"), 10) is None
    assert index.count(word_query("Parties conserv*")) is None


def test_ranking_count_and_a_page_are_the_same_with_the_index_held(tmp_path: Path,
                                                                   corpus_dir: Path) -> None:
    """What a reader sees (a keyword page: hits, total, facets; the ranking and count
    under it) is the same whether FTS5 or the index in memory answered it."""
    store = open_store(str(tmp_path / "page.db"))
    try:
        ingest(store, [INVENTED, corpus_dir])
        queries = ("Parties", '"Conference of the Parties"', "invasive alien species",
                   "Secretariat OR Committee", "wetlands -Ramsar", "bycatch")

        def page(q: str) -> tuple[object, ...]:
            res = find(store, q, mode="keyword", limit=20, offset=20)
            return (ranking(store, q, limit=150), count(store, q),
                    [(h.paragraph_id, h.score, h.snippet) for h in res], res.ranked,
                    res.matched, facets(store, q), facets(store, q, sample=50))

        by_fts5 = [page(q) for q in queries]
        with kept_in_memory(store) as index:
            assert all(index.rank(word_query(q), 1) is not None for q in queries)
            assert [page(q) for q in queries] == by_fts5
    finally:
        store.dispose()


def test_every_change_of_the_index_is_counted(tmp_path: Path) -> None:
    """A batch (indexed at its end), a paragraph written alone, changed or deleted: each
    moves the count, so that an index read before is not used after."""
    store = open_store(str(tmp_path / "c.db"))
    try:
        with store.engine.connect() as conn:
            seen = [changes(conn)]

        def moved() -> bool:
            with store.engine.connect() as conn:
                seen.append(changes(conn))
            return seen[-1] > seen[-2]

        ingest(store, [INVENTED / "cms-res-13.905.txt"])  # a deferring batch
        assert moved()
        ingest(store, [INVENTED / "cms-res-13.905.txt"])  # the same text: nothing indexed
        assert not moved()
        with store.engine.begin() as conn:
            pk = conn.execute(text("SELECT max(pk) FROM paragraphs")).scalar()
            row = dict(conn.execute(text("SELECT * FROM paragraphs WHERE pk = :pk"),
                                    {"pk": pk}).mappings().one())
        with store.engine.begin() as conn:
            driver.insert_rows(conn, ParagraphRow, [{
                **{k: v for k, v in row.items() if k != "pk"},
                "id": row["id"] + "-x", "seq": row["seq"] + 1000, "anchor": "x"}])
        assert moved()
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE paragraphs SET text = 'Urges Parties' WHERE pk = :pk"),
                         {"pk": pk})
        assert moved()
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE paragraphs SET in_force = 0 WHERE pk = :pk"), {"pk": pk})
        assert not moved()  # the index did not change
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM paragraphs WHERE pk = :pk"), {"pk": pk})
        assert moved()
    finally:
        store.dispose()


def test_a_changed_index_is_not_used_and_is_read_again(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])
        with kept_in_memory(store) as first:
            before = count(store, "Parties")
            ingest(store, [INVENTED])
            with store.engine.connect() as conn:
                assert held(store, conn) is not first  # stale: FTS5 answers
            assert count(store, "Parties") == len(_fts5(store, "Parties")) > before
            assert wait_until_held(store)
            with store.engine.connect() as conn:
                again = held(store, conn)
            assert again is not None and again is not first
            assert again.count(word_query("Parties")) == count(store, "Parties")
    finally:
        store.dispose()


def test_an_index_that_changes_while_it_is_read_is_not_kept(tmp_path: Path) -> None:
    """A writer commits between the reads that make up the copy: the copy is refused."""
    store = open_store(str(tmp_path / "r.db"))
    other = open_store(str(tmp_path / "r.db"))
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])

        def write_meanwhile(conn: Connection, cursor: object, statement: str, *_: object
                            ) -> None:
            if "paragraphs_fts_docsize" in statement:
                with other.engine.begin() as c:
                    c.execute(text("UPDATE paragraphs SET text = text || ' wetlands' "
                                   "WHERE pk = (SELECT min(pk) FROM paragraphs)"))

        event.listen(store.engine, "before_cursor_execute", write_meanwhile)
        with store.engine.connect() as conn:
            assert read_word_index(conn) is None
        event.remove(store.engine, "before_cursor_execute", write_meanwhile)
        with store.engine.connect() as conn:
            fresh = read_word_index(conn)
        assert fresh is not None
        assert fresh.count(word_query("wetlands")) == len(_fts5(store, "wetlands"))
    finally:
        other.dispose()
        store.dispose()


def test_a_new_database_at_the_same_path_is_not_taken_for_the_old(tmp_path: Path) -> None:
    """The count starts from a random number: a store made again where another was (as a
    benchmark or a test does) does not find the other's index held for it."""
    path = tmp_path / "again.db"
    first = open_store(str(path))
    try:
        ingest(first, [INVENTED / "cms-res-13.905.txt"])
        with kept_in_memory(first) as old:
            first.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            second = open_store(str(path))
            try:
                ingest(second, [INVENTED / "cms-res-13.905.txt"])
                with second.engine.connect() as conn:
                    assert changes(conn) != old.changes
                    assert held(second, conn) is None
            finally:
                second.dispose()
    finally:
        first.dispose()


def test_the_server_holds_the_index_while_it_runs(tmp_path: Path, corpus_dir: Path) -> None:
    """``mealink serve`` holds it from start to stop; its search API answers as FTS5 did."""
    from fastapi.testclient import TestClient

    from mealink.web.app import create_app
    from mealink.web.security import WebConfig

    db = str(tmp_path / "web.db")
    store = open_store(db)
    ingest(store, [INVENTED, corpus_dir])
    app = create_app(WebConfig(db=db))
    served: Store = app.state.store
    asked = "/api/v1/search?q=Parties&mode=keyword&limit=20&offset=100"
    try:
        by_fts5 = TestClient(app, base_url="https://testserver").get(asked).json()  # not started
        with served.engine.connect() as conn:
            assert held(served, conn) is None
        with TestClient(app, base_url="https://testserver") as client:
            assert wait_until_held(served)
            with served.engine.connect() as conn:
                index = held(served, conn)
            assert index is not None
            assert client.get(asked).json() == by_fts5
            assert by_fts5["total"] == index.count(word_query("Parties")) > 120
        with served.engine.connect() as conn:
            assert held(served, conn) is None  # stopped: forgotten
    finally:
        served.dispose()
        store.dispose()


def test_an_index_that_cannot_be_read_is_not_read_again_until_it_changes(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An index whose parts disagree (a row's size changed behind FTS5's back) is refused
    with one warning; FTS5
    answers, and the server does not read it again at every query, only once it changed."""
    from mealink.store.search import postings

    store = open_store(str(tmp_path / "bad.db"))
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE paragraphs_fts_docsize SET sz = X'7f' WHERE id = "
                              "(SELECT min(id) FROM paragraphs_fts_docsize)"))
        by_fts5 = ranking(store, "Parties", limit=50)
        postings.keep_in_memory(store)
        try:
            with pytest.raises(StoreError, match="does not add up"):
                wait_until_held(store, timeout=30)
            with store.engine.connect() as conn:
                assert held(store, conn) is None
            assert ranking(store, "Parties", limit=50) == by_fts5
            reading = postings._LOADING.get(store.name)
            if reading is not None:
                reading.join()
            assert caplog.text.count("could not be held in memory") == 1  # not tried again
            with store.engine.begin() as conn:  # the index changes: tried again
                conn.execute(text("DELETE FROM paragraphs WHERE pk = (SELECT max(pk) FROM "
                                  "paragraphs)"))
            with store.engine.connect() as conn:
                assert held(store, conn) is None
            with pytest.raises(StoreError, match="does not add up"):
                wait_until_held(store, timeout=30)
            assert caplog.text.count("could not be held in memory") == 2
        finally:
            postings.forget(store)
    finally:
        store.dispose()


def test_a_store_before_migration_0014_is_answered_by_fts5(tmp_path: Path) -> None:
    """A store left at an older schema (opened read-only, say) has no count of its index's
    changes: it is not held, and FTS5 answers."""
    from alembic import command

    from mealink.store.engine.database import _alembic_config
    from mealink.store.search import postings

    store = open_store(str(tmp_path / "old.db"))
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])
        cfg = _alembic_config()
        with store.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
            conn.commit()
        postings.keep_in_memory(store)
        assert store.name not in postings._KEPT
        assert count(store, "Parties") == len(_fts5(store, "Parties")) > 0
    finally:
        postings.forget(store)
        store.dispose()


def test_nothing_is_held_for_a_store_that_did_not_ask(invented_store: Store) -> None:
    """A command asks one question: it does not read the whole index for it."""
    with invented_store.engine.connect() as conn:
        assert held(invented_store, conn) is None
