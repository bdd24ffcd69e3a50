"""Paragraph search: ranked full-text search with filters, the same API on both engines.

SQLite uses its FTS5 index (BM25 ranking, Porter stemming, accents folded); PostgreSQL a
``tsvector`` column with a GIN index (``ts_rank_cd``, English stemming). Queries take words
(all must match), "quoted phrases", ``-word`` to exclude and ``OR`` between alternatives.
Snippets come back as plain text with the offsets of the matched words, so every front end
(terminal, JSON, web page) highlights them its own way. A process that keeps SQLite's index
in memory (``store.search.postings``) ranks and counts unfiltered queries there, with the
same answers as FTS5.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from mealink.annotate.actors import canonical_names
from mealink.errors import MealinkError
from mealink.store.engine.database import Store
from mealink.store.engine.driver import run
from mealink.store.search.hits import Hit, SearchFilters
from mealink.store.search.postings import held
from mealink.store.search.words import WORD, word_query
from mealink.vocabulary import vocabulary

__all__ = ["count", "fts5_query", "ranking", "search"]

_WORD = WORD
_START, _STOP = "\x02", "\x03"


def fts5_query(query: str) -> str:
    """A user query in FTS5 syntax, every term quoted so no character is an operator."""
    return word_query(query).fts5()


def _convention_id(name: str) -> str:
    """The convention id as stored ('cms' -> 'CMS'), so the filter can use its index."""
    lower = name.lower()
    return next((c.id for c in vocabulary().conventions if c.id.lower() == lower), name)


def _filters(f: SearchFilters, params: dict[str, Any]) -> str:
    where: list[str] = []
    if f.convention:
        where.append("p.convention = :convention")
        params["convention"] = _convention_id(f.convention)
    if f.document:
        where.append("(d.id = :document OR d.work_id = :document)")
        params["document"] = f.document
    if f.meeting is not None:
        where.append("p.meeting = :meeting")
        params["meeting"] = f.meeting
    if f.kind:
        where.append("p.kind = :kind")
        params["kind"] = f.kind
    if f.verb:
        where.append("p.verb = :verb")
        params["verb"] = f.verb.lower()
    if f.actor:
        canonical = canonical_names().get(f.actor.lower())
        if canonical:  # a known body: its canonical name is indexed
            where.append("EXISTS (SELECT 1 FROM paragraph_actors a WHERE a.paragraph_pk = p.pk "
                         "AND a.canonical = :actor)")
            params["actor"] = canonical
        else:
            where.append("EXISTS (SELECT 1 FROM paragraph_actors a WHERE a.paragraph_pk = "
                         "p.pk AND lower(a.name) = lower(:actor))")
            params["actor"] = f.actor
    if f.in_force is not None:
        where.append("p.in_force = :in_force")
        params["in_force"] = f.in_force
    return "".join(f" AND {w}" for w in where)


def _highlights(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    start = 0
    for ch in snippet:
        if ch == _START:
            start = pos
        elif ch == _STOP:
            spans.append((start, pos))
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


#: joined only when a filter needs the document itself (its id)
_DOCUMENTS = "JOIN documents d ON d.id = p.document_id "
_COLUMNS = ("p.pk, p.id, p.document_id, d.label, d.convention, p.number, p.kind, p.verb, "
            "p.in_force")


def _fts5_ranked(f: SearchFilters, where: str) -> str:
    """SQLite: the ranked page (pk, score) of an FTS5 query under the filters; equal scores
    (the same text in two documents) in the order the paragraphs were stored, so that every
    page of a query cuts the same ranking."""
    if where:
        return ("SELECT paragraphs_fts.rowid AS pk, bm25(paragraphs_fts) AS score "
                "FROM paragraphs_fts JOIN paragraphs p ON p.pk = paragraphs_fts.rowid "
                f"{_DOCUMENTS if f.document else ''}"
                f"WHERE paragraphs_fts MATCH :q{where} "
                "ORDER BY score, p.pk LIMIT :limit OFFSET :offset")
    # rank in the index alone, then join only the hits
    return ("SELECT rowid AS pk, bm25(paragraphs_fts) AS score FROM paragraphs_fts "
            "WHERE paragraphs_fts MATCH :q ORDER BY score, rowid LIMIT :limit "
            "OFFSET :offset")


def ranking(store: Store, query: str, filters: SearchFilters | None = None, *,
            limit: int = 20, offset: int = 0) -> list[tuple[str, float]]:
    """The ids and scores of the paragraphs ``search`` returns, in its order: the ranking
    alone, without the documents and snippets a page of hits shows (what ``find`` fuses)."""
    f = filters or SearchFilters()
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    where = _filters(f, params)
    if store.dialect == "sqlite" and not where:
        from_memory = _ranked_in_memory(store, query, limit, offset)
        if from_memory is not None:
            return from_memory
    if store.dialect == "sqlite":
        params["q"] = fts5_query(query)
        stmt = (f"SELECT p.id, r.score FROM ({_fts5_ranked(f, where)}) r "
                "JOIN paragraphs p ON p.pk = r.pk ORDER BY r.score, r.pk")
        sign = -1.0
    else:
        if not _WORD.search(query):
            raise MealinkError("the search query has no words to look for")
        params["q"] = query
        stmt = ("SELECT p.id, ts_rank_cd(p.search, q) AS score FROM paragraphs p "
                f"{_DOCUMENTS if f.document else ''}, websearch_to_tsquery('english', :q) q "
                f"WHERE p.search @@ q{where} ORDER BY score DESC, p.pk LIMIT :limit "
                "OFFSET :offset")
        sign = 1.0
    with store.engine.connect() as conn:
        return [(pid, sign * float(score)) for pid, score in conn.execute(text(stmt), params)]


#: handed to the driver (``driver.run``), compiled once per length of the page
_IDS = "SELECT pk, id FROM paragraphs WHERE pk IN :pks"


def _ranked_in_memory(store: Store, query: str, limit: int, offset: int
                      ) -> list[tuple[str, float]] | None:
    """``ranking`` unfiltered, from the index held in memory; None when none is held (or
    the query is one FTS5 answers)."""
    wq = word_query(query)
    with store.engine.connect() as conn:
        index = held(store, conn)
        page = index.rank(wq, limit, offset) if index is not None else None
        if page is None:
            return None
        pks = [pk for pk, _ in page]
        ids = {r.pk: r.id for r in run(conn, _IDS, {"pks": pks}).all()} if pks else {}
    return [(ids[pk], -score) for pk, score in page if pk in ids]


def search(store: Store, query: str, filters: SearchFilters | None = None, *,
           limit: int = 20, offset: int = 0) -> list[Hit]:
    """The best-ranked paragraphs for ``query`` that pass ``filters``."""
    f = filters or SearchFilters()
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    where = _filters(f, params)
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            params["q"] = fts5_query(query)
            ranked = _fts5_ranked(f, where)
            rows = conn.execute(text(
                f"SELECT {_COLUMNS}, r.score FROM ({ranked}) r "
                "JOIN paragraphs p ON p.pk = r.pk JOIN documents d ON d.id = p.document_id "
                "ORDER BY r.score, r.pk"), params).all()
            snippets: dict[int, str] = {}
            if rows:
                pks = ",".join(str(int(r.pk)) for r in rows)
                snippets = dict(conn.execute(text(
                    "SELECT rowid, snippet(paragraphs_fts, 0, char(2), char(3), '…', 32) "
                    f"FROM paragraphs_fts WHERE paragraphs_fts MATCH :q AND rowid IN ({pks})"),
                    {"q": params["q"]}).all())
            scores = {r.pk: -float(r.score) for r in rows}
        else:
            params["q"] = query
            if not _WORD.search(query):
                raise MealinkError("the search query has no words to look for")
            rows = conn.execute(text(
                f"SELECT {_COLUMNS}, ts_rank_cd(p.search, q) AS score "
                "FROM paragraphs p JOIN documents d ON d.id = p.document_id, "
                "websearch_to_tsquery('english', :q) q "
                f"WHERE p.search @@ q{where} "
                "ORDER BY score DESC, p.pk LIMIT :limit OFFSET :offset"), params).all()
            snippets = {}
            if rows:
                pks = ",".join(str(int(r.pk)) for r in rows)
                snippets = dict(conn.execute(text(
                    "SELECT p.pk, ts_headline('english', p.text, q, 'StartSel=\"\x02\", "
                    "StopSel=\"\x03\", MaxWords=45, MinWords=20, MaxFragments=2, "
                    "FragmentDelimiter=\" … \"') FROM paragraphs p, "
                    f"websearch_to_tsquery('english', :q) q WHERE p.pk IN ({pks})"),
                    {"q": query}).all())
            scores = {r.pk: float(r.score) for r in rows}
    hits = []
    for r in rows:
        snip, spans = _highlights(snippets.get(r.pk, ""))
        hits.append(Hit(r.id, r.document_id, r.label, r.convention, r.number, r.kind, r.verb,
                        bool(r.in_force), scores[r.pk], snip, spans))
    return hits


def count(store: Store, query: str, filters: SearchFilters | None = None) -> int:
    """How many paragraphs ``search`` ranks for ``query`` under ``filters``: every page of
    them together."""
    f = filters or SearchFilters()
    params: dict[str, Any] = {}
    where = _filters(f, params)
    docs = _DOCUMENTS if f.document else ""
    if store.dialect == "sqlite":
        wq = word_query(query)
        if not where:
            with store.engine.connect() as conn:
                index = held(store, conn)
            n = index.count(wq) if index is not None else None
            if n is not None:
                return n
        params["q"] = wq.fts5()
        # without filters the index counts alone: its rows are the paragraphs' (the join
        # read every matching paragraph, as much as the count itself again or more)
        stmt = ("SELECT count(*) FROM paragraphs_fts JOIN paragraphs p ON "
                f"p.pk = paragraphs_fts.rowid {docs}WHERE paragraphs_fts MATCH :q{where}"
                if where else
                "SELECT count(*) FROM paragraphs_fts WHERE paragraphs_fts MATCH :q")
    else:
        if not _WORD.search(query):
            raise MealinkError("the search query has no words to look for")
        params["q"] = query
        stmt = (f"SELECT count(*) FROM paragraphs p {docs}"
                f"WHERE p.search @@ websearch_to_tsquery('english', :q){where}")
    with store.engine.connect() as conn:
        return int(conn.execute(text(stmt), params).scalar() or 0)
