"""Search by meaning, by words, or both: ``find(store, query, mode=...)``.

- ``keyword``: the full-text engine (every word must match); when a query written in plain
  language finds fewer paragraphs than asked, paragraphs with any of its content words
  follow, ranked by BM25 ("relaxed").
- ``semantic``: the query's sentence vector against every paragraph's, exact cosine.
- ``hybrid`` (the default): both rankings fused by reciprocal rank, so a paragraph that
  says the same thing in other words still comes up, and exact wording still counts.

Every hit says why it matched: the similarity, its rank in each ranking, the words it
shares with the query, and the topics it shares with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sqlalchemy import bindparam, text

from mealink.errors import MealinkError
from mealink.semantic.encoder import Encoder, encoder
from mealink.semantic.fusion import reciprocal_rank_fusion
from mealink.semantic.terms import content_words, shared_spans, snippet_window
from mealink.store.database import Store
from mealink.store.search import Hit, SearchFilters, _filters, search
from mealink.store.vectors import VectorIndex, pks_where, vector_index

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["MODES", "Mode", "Why", "find", "semantic_ranking"]

Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "keyword")
#: how deep each ranking is read before fusing
_DEPTH = 100
_OPERATORS = ('"', " OR ", " -")
_ANY_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True, slots=True)
class Why:
    """Why a paragraph matched a query."""

    similarity: float | None
    keyword_rank: int | None
    semantic_rank: int | None
    shared_terms: tuple[str, ...]
    topics: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"similarity": None if self.similarity is None else round(self.similarity, 4),
                "keyword_rank": self.keyword_rank, "semantic_rank": self.semantic_rank,
                "shared_terms": list(self.shared_terms), "topics": list(self.topics)}


def _relaxed(query: str) -> str | None:
    """The any-word form of a plain-language query (None for one written with operators,
    which is taken as written)."""
    padded = f" {query} "
    if any(op in padded for op in _OPERATORS):
        return None
    words = content_words(query)
    return " OR ".join(words) if len(words) > 1 else None


def keyword_ranking(store: Store, query: str, filters: SearchFilters | None,
                    depth: int) -> list[Hit]:
    """Full-text hits, best first: every word, then (for plain language) any word."""
    try:
        hits = search(store, query, filters, limit=depth)
    except MealinkError:
        hits = []
    relaxed = _relaxed(query) if len(hits) < depth else None
    if relaxed:
        seen = {h.paragraph_id for h in hits}
        hits += [h for h in search(store, relaxed, filters, limit=depth)
                 if h.paragraph_id not in seen][: depth - len(hits)]
    elif not hits and not content_words(query):
        raise MealinkError("the search query has no words to look for")
    return hits


def _mask(store: Store, index: VectorIndex, f: SearchFilters) -> NDArray[np.bool_] | None:
    """Rows that pass the filters (None: all); the index answers convention and in-force
    itself, the database the rest."""
    mask: NDArray[np.bool_] | None = None

    def both(m: NDArray[np.bool_]) -> NDArray[np.bool_]:
        return m if mask is None else mask & m

    if f.convention:
        mask = both(index.conventions == index.convention_code(f.convention))
    if f.in_force is not None:
        mask = both(index.in_force == f.in_force)
    rest = SearchFilters(document=f.document, meeting=f.meeting, kind=f.kind, verb=f.verb,
                         actor=f.actor)
    if rest != SearchFilters():
        params: dict[str, Any] = {}
        allowed = pks_where(store, _filters(rest, params), params)
        mask = both(np.isin(index.pks, np.fromiter(allowed, dtype=np.int64,
                                                   count=len(allowed))))
    return mask


def semantic_ranking(store: Store, query: str, filters: SearchFilters | None, depth: int,
                     *, model: Encoder | None = None
                     ) -> tuple[VectorIndex, NDArray[np.float32], list[tuple[int, float]]]:
    """The index, the query vector and the ``depth`` closest rows as (row, cosine)."""
    index = vector_index(store)
    if not len(index):
        raise MealinkError(f"{store.name}: no paragraph has a sentence vector yet; run "
                           "`mealink embed` (ingest embeds unless --no-embed)")
    if not _ANY_WORD.search(query):
        raise MealinkError("the search query has no words to look for")
    q = (model or encoder()).encode_one(query)
    scores = index.matrix @ q
    mask = _mask(store, index, filters or SearchFilters())
    if mask is not None:
        scores = np.where(mask, scores, -np.inf).astype(np.float32)
    n = min(depth, int(np.isfinite(scores).sum()))
    if n <= 0:
        return index, q, []
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return index, q, [(int(i), float(scores[i])) for i in top]


_ROWS = ("SELECT p.pk, p.id, p.document_id, d.label, d.convention, p.number, p.kind, p.verb, "
         "p.in_force, p.text FROM paragraphs p JOIN documents d ON d.id = p.document_id "
         "WHERE p.id IN :ids")


def _rows(store: Store, ids: list[str]) -> tuple[dict[str, Any], dict[int, list[str]]]:
    if not ids:
        return {}, {}
    with store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text(_ROWS).bindparams(
            bindparam("ids", expanding=True)), {"ids": ids})}
        topics: dict[int, list[str]] = {}
        pks = [r.pk for r in rows.values()]
        if pks:
            for t in conn.execute(text(
                    "SELECT paragraph_pk, topic_id FROM paragraph_topics WHERE paragraph_pk IN "
                    ":pks ORDER BY score DESC").bindparams(
                    bindparam("pks", expanding=True)), {"pks": pks}):
                topics.setdefault(t.paragraph_pk, []).append(t.topic_id)
    return rows, topics


def _query_topics(query: str) -> set[str]:
    from mealink.annotate.topics import find_topics

    return {t.id for t in find_topics(query, 0, len(query))}


def find(store: Store, query: str, filters: SearchFilters | None = None, *,
         mode: Mode = "hybrid", limit: int = 20, offset: int = 0,
         model: Encoder | None = None) -> list[Hit]:
    """The best paragraphs for ``query`` by ``mode``, each with why it matched."""
    if mode not in MODES:
        raise MealinkError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    depth = max(_DEPTH, offset + limit)
    keyword: list[Hit] = []
    semantic: list[tuple[str, float]] = []
    index: VectorIndex | None = None
    q: NDArray[np.float32] | None = None
    if mode != "semantic":
        keyword = keyword_ranking(store, query, filters, depth)
    if mode != "keyword":
        try:
            index, q, rows = semantic_ranking(store, query, filters, depth, model=model)
        except MealinkError:
            if mode == "semantic":
                raise
            rows = []  # no vectors yet: hybrid answers by words alone
        semantic = [(index.ids[i], s) for i, s in rows] if index is not None else []
    kw_rank = {h.paragraph_id: r for r, h in enumerate(keyword, start=1)}
    sem_rank = {pid: r for r, (pid, _) in enumerate(semantic, start=1)}
    sim = dict(semantic)
    if mode == "keyword":
        ranked = [(h.paragraph_id, h.score) for h in keyword]
    elif mode == "semantic":
        ranked = semantic
    else:
        ranked = reciprocal_rank_fusion([[h.paragraph_id for h in keyword],
                                         [pid for pid, _ in semantic]])
    page = ranked[offset:offset + limit]
    rows_by_id, topics = _rows(store, [pid for pid, _ in page])
    if index is not None and q is not None:  # cosine of keyword-only hits too
        for pid, _ in page:
            if pid not in sim and pid in rows_by_id:
                at = int(np.searchsorted(index.pks, rows_by_id[pid].pk))
                if at < len(index) and index.pks[at] == rows_by_id[pid].pk:
                    sim[pid] = float(index.matrix[at] @ q)
    wanted = _query_topics(query)
    hits: list[Hit] = []
    for pid, score in page:
        r = rows_by_id.get(pid)
        if r is None:
            continue
        words, spans = shared_spans(query, r.text)
        snippet, marks = snippet_window(r.text, spans)
        own = topics.get(r.pk, [])
        shared = [t for t in own if t in wanted] or own[:3]
        why = Why(sim.get(pid), kw_rank.get(pid), sem_rank.get(pid), tuple(words),
                  tuple(shared))
        hits.append(Hit(r.id, r.document_id, r.label, r.convention, r.number, r.kind, r.verb,
                        bool(r.in_force), score, snippet, marks, why))
    return hits
