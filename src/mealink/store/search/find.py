"""Search by meaning, by words, or both: ``find(store, query, mode=...)``.

- ``keyword``: the full-text engine (every word must match); when a query written in plain
  language finds fewer paragraphs than asked, paragraphs with any of its content words
  follow, ranked by BM25 ("relaxed"), if they are close in meaning (see the floor below).
- ``semantic``: the query's sentence vector against every paragraph's, exact cosine. In a
  store searched with static vectors (``mealink embed --model static``) the full encoder
  then re-ranks the closest ``[rerank] depth`` paragraphs (``data/search.toml``): it
  encodes their texts and the query, and orders them by that cosine; the similarity shown
  and floored stays the static one, so one scale holds in one store.
- ``hybrid`` (the default): both rankings fused by reciprocal rank, so a paragraph that
  says the same thing in other words still comes up, and exact wording still counts.

A paragraph whose cosine to the query is below the similarity floor (``data/search.toml``)
is not close to it: semantic mode leaves it out, and hybrid and keyword modes leave it out
unless it matches the query's words as written (every word, every "quoted phrase"). When
nothing is left, the result says so and names the closest paragraph and its similarity.
In hybrid mode the paragraphs that match a quoted phrase come first; a paragraph shown for
its meaning alone says which quoted phrase it lacks ("related: does not contain ...").

Every hit says why it matched: the similarity, its rank in each ranking, the words it
shares with the query, and the topics it shares with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mealink.errors import MealinkError, StoreError
from mealink.semantic.floor import (
    nothing_close_message,
    relaxed_budget,
    similarity_floor,
    words_share,
)
from mealink.semantic.fusion import reciprocal_rank_fusion
from mealink.semantic.models import name_of
from mealink.semantic.static import TextEncoder
from mealink.semantic.terms import (
    contains_phrase,
    content_words,
    quoted_phrases,
    shared_spans,
    snippet_window,
    word_share,
)
from mealink.store.engine.database import Store
from mealink.store.engine.driver import run
from mealink.store.search.hits import Closest, Hit, SearchFilters, Why
from mealink.store.search.keyword import count, ranking
from mealink.store.search.languages import with_counterparts
from mealink.store.search.meaning import Meaning, meaning_of, paragraph_texts
from mealink.store.search.vectors import VectorIndex, generation

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["MODES", "RANKED_DEPTH", "Mode", "SearchResult", "find", "semantic_ranking"]

Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "keyword")
#: how deep each ranking is read before fusing: the same for every page of a query, so that
#: every page cuts one ranking (keyword mode pages on through every paragraph holding every
#: word)
RANKED_DEPTH = 100
_OPERATORS = ('"', " OR ", " -")
_ANY_WORD = re.compile(r"[^\W_]")


class SearchResult(list[Hit]):
    """One page of hits, best first (a list, as ``find`` has always returned), and what a
    reader is told when none is shown because no paragraph is close to the query.

    ``floor`` is the similarity floor applied (None when meaning was not compared: keyword
    hits that all match every word, or no sentence vectors); ``ranked`` how many paragraphs
    the ranking holds after the floor: every page together, the ``total`` a front end
    shows; ``offset`` where this page starts in it; ``closest`` the paragraph nearest in
    meaning when the ranking is empty; ``matched`` how many paragraphs hold every word
    under the filters when that was counted (keyword mode, past the ranking's depth), so
    that the facets of the same page need not count them again.
    """

    def __init__(self, hits: Iterable[Hit] = (), *, query: str = "",
                 floor: float | None = None, ranked: int | None = None,
                 closest: Closest | None = None, filtered: bool = False,
                 offset: int = 0, matched: int | None = None) -> None:
        super().__init__(hits)
        self.query = query
        self.floor = floor
        self.ranked = len(self) if ranked is None else ranked
        self.closest = closest
        self.filtered = filtered
        self.offset = offset
        self.matched = matched

    @property
    def past_the_end(self) -> bool:
        """True when the ranking holds paragraphs but none from this page's start on."""
        return self.ranked > 0 and self.offset >= self.ranked

    @property
    def nothing_close(self) -> bool:
        """True when no paragraph at all is shown for the query (not only on this page)."""
        return self.ranked == 0

    @property
    def message(self) -> str | None:
        """One sentence when nothing is shown: what was closest and why it is not shown, or
        that the page starts past the end of the ranking."""
        if self.past_the_end:
            n = self.ranked
            return (f"Past the end: '{self.query}' finds {n:,} paragraph"
                    f"{'s' if n != 1 else ''}, so none is shown from number "
                    f"{self.offset + 1:,} on.")
        if not self.nothing_close:
            return None
        c = self.closest
        return nothing_close_message(self.query, closest=c.name if c else None,
                                     similarity=c.similarity if c else None,
                                     floor=self.floor, filtered=self.filtered)

    def to_dict(self) -> dict[str, Any]:
        """What a JSON answer adds to the hits: the floor applied and, when nothing is
        shown, why (``message``) and the closest paragraph."""
        return {"nothing_close": self.nothing_close, "message": self.message,
                "floor": self.floor,
                "closest": self.closest.to_dict() if self.closest and self.nothing_close
                else None}


def _relaxed(query: str) -> str | None:
    """The any-word form of a plain-language query (None for one written with operators,
    which is taken as written)."""
    padded = f" {query} "
    if any(op in padded for op in _OPERATORS):
        return None
    words = content_words(query)
    return " OR ".join(words) if len(words) > 1 else None


#: per store: (corpus generation, each word's paragraph count) for the any-word ranking, so
#: that a word is counted once per corpus generation
_FREQUENCIES: dict[str, tuple[int, dict[str, int]]] = {}


def _capped(store: Store, query: str, budget: int | None = None) -> str | None:
    """The any-word form of a plain-language query, capped: its words taken rarest first
    while the paragraphs holding them (counted word by word) stay within the budget of
    ``data/search.toml``; the rarest word always."""
    relaxed = _relaxed(query)
    if relaxed is None:
        return None
    words = list(dict.fromkeys(relaxed.split(" OR ")))
    with store.engine.connect() as conn:
        gen = generation(conn)
    held = _FREQUENCIES.get(store.name)
    if held is None or held[0] != gen or len(held[1]) > 100_000:
        held = _FREQUENCIES[store.name] = (gen, {})
    seen = held[1]
    for w in words:
        if w not in seen:
            try:
                seen[w] = count(store, w)
            except StoreError:
                raise
            except MealinkError:  # nothing the engine can look for
                seen[w] = 0
    budget = relaxed_budget() if budget is None else budget
    if sum(seen[w] for w in words) <= budget:
        return relaxed
    kept: list[str] = []
    held_by = 0
    for w in sorted(words, key=lambda w: seen[w]):  # stable: equal counts in query order
        if kept and held_by + seen[w] > budget:
            break
        kept.append(w)
        held_by += seen[w]
    return " OR ".join(w for w in words if w in kept)


def keyword_ranking(store: Store, query: str, filters: SearchFilters | None,
                    depth: int) -> tuple[list[tuple[str, float]], set[str]]:
    """Full-text hits as (paragraph id, score), best first: every word, then (for plain
    language) any word; and the ids of those that match every word (and phrase) as
    written. The ranking alone: ``find`` makes its own snippets for the page it shows."""
    try:
        hits = ranking(store, query, filters, limit=depth)
    except StoreError:  # the database failed, not the query: say so
        raise
    except MealinkError:
        hits = []
    strict = {pid for pid, _ in hits}
    relaxed = _capped(store, query) if len(hits) < depth else None
    if relaxed:
        hits += [h for h in ranking(store, relaxed, filters, limit=depth)
                 if h[0] not in strict][: depth - len(hits)]
    elif not hits and not content_words(query):
        raise MealinkError("the search query has no words to look for")
    return hits, strict


def semantic_ranking(store: Store, query: str, filters: SearchFilters | None, depth: int,
                     *, model: TextEncoder | None = None
                     ) -> tuple[VectorIndex, NDArray[np.float32], list[tuple[int, float]]]:
    """The index, the query vector and the ``depth`` closest rows as (row, cosine)."""
    m = meaning_of(store, query, filters, model)
    return m.index, m.query, m.top(depth)


#: a page's paragraphs and their topics, handed to the driver (``driver.run``: SQL compiled
#: once per dialect and length of the list, where SQLAlchemy's expanding IN was compiled
#: again at every page)
_ROWS = ("SELECT p.pk, p.id, p.document_id, d.label, d.convention, p.number, p.kind, "
         "p.verb, p.in_force, p.text FROM paragraphs p JOIN documents d ON "
         "d.id = p.document_id WHERE p.id IN :ids")
_TOPICS = ("SELECT paragraph_pk, topic_id FROM paragraph_topics WHERE paragraph_pk IN :pks "
           "ORDER BY score DESC")


def _rows(store: Store, ids: list[str]) -> tuple[dict[str, Any], dict[int, list[str]]]:
    if not ids:
        return {}, {}
    with store.engine.connect() as conn:
        rows = {r.id: r for r in run(conn, _ROWS, {"ids": ids}).all()}
        topics: dict[int, list[str]] = {}
        pks = [r.pk for r in rows.values()]
        if pks:
            for t in run(conn, _TOPICS, {"pks": pks}).all():
                topics.setdefault(t.paragraph_pk, []).append(t.topic_id)
    return rows, topics


def _query_topics(query: str) -> set[str]:
    from mealink.annotate.topics import find_topics

    return {t.id for t in find_topics(query, 0, len(query))}


def find(store: Store, query: str, filters: SearchFilters | None = None, *,
         mode: Mode = "hybrid", limit: int = 20, offset: int = 0,
         model: TextEncoder | None = None, floor: float | None = None,
         rerank: int | None = None) -> SearchResult:
    """The best paragraphs for ``query`` by ``mode``, each with why it matched.

    ``floor`` overrides the similarity floor of ``data/search.toml`` for the store's model
    (-1 applies none, as before there was one); ``model`` is the full encoder to use, and
    ``rerank`` how many paragraphs it re-ranks in a store of static vectors. The
    result is a list of hits; when it holds none because no paragraph is close, its
    ``message`` says which was closest.

    One query (mode, filters, floor) has one ranking, whatever the page: each ranking is
    read to ``RANKED_DEPTH``, equal scores go in the order the paragraphs were stored (in
    hybrid mode, equal fused scores in the order first seen: words, then meaning), and
    ``limit`` and
    ``offset`` only cut it, so pages put end to end are the first places of one large
    page and ``ranked`` counts every place they can reach."""
    if mode not in MODES:
        raise MealinkError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    depth = RANKED_DEPTH
    keyword: list[tuple[str, float]] = []
    strict: set[str] = set()
    if mode != "semantic":
        keyword, strict = keyword_ranking(store, query, filters, depth)
    meaning: Meaning | None = None
    # keyword mode compares meanings only for its any-word hits, or to say what was closest
    if mode != "keyword" or (len(keyword) > len(strict) and (floor is None or floor > -1)) \
            or not keyword:
        try:
            meaning = meaning_of(store, query, filters, model, rerank)
        except MealinkError as exc:
            if mode == "semantic" or isinstance(exc, StoreError):
                raise
            # no vectors yet (or no model): hybrid and keyword answer by words alone
    cut = floor if floor is not None else similarity_floor(
        name_of(meaning.index.model) if meaning is not None else "full")
    semantic = [(meaning.index.ids[i], s) for i, s in meaning.top(depth)] \
        if meaning is not None and mode != "keyword" else []
    kw_rank = {pid: r for r, (pid, _) in enumerate(keyword, start=1)}
    sem_rank = {pid: r for r, (pid, _) in enumerate(semantic, start=1)}
    sim: dict[str, float | None] = dict(semantic)

    def similarity(pid: str) -> float | None:
        if pid not in sim:
            sim[pid] = meaning.similarity(pid) if meaning is not None else None
        return sim[pid]

    def weak(pid: str) -> bool:
        """Below the floor (or without a vector) and not a match of every word."""
        if meaning is None or cut <= -1 or pid in strict:
            return False
        s = similarity(pid)
        return s is None or s < cut

    if mode == "keyword":
        candidates = keyword
        if meaning is not None:  # their similarities in one product, not the whole matrix
            meaning.prefetch(pid for pid, _ in keyword)
    elif mode == "semantic":
        candidates = semantic
    else:
        candidates = reciprocal_rank_fusion([[pid for pid, _ in keyword],
                                             [pid for pid, _ in semantic]])
    below = [pid for pid, _ in candidates if weak(pid)]
    if below and mode != "semantic" and _relaxed(query):
        # a paragraph holding most of the words of a query in plain language stays
        share = words_share()
        texts = paragraph_texts(store, below)
        below = [pid for pid in below if word_share(query, texts.get(pid, "")) <= share]
    dropped = set(below)
    ranked = [(pid, score) for pid, score in candidates if pid not in dropped]
    phrases = quoted_phrases(query)
    if phrases and mode == "hybrid":  # the paragraphs that hold the phrases first
        ranked = [x for x in ranked if x[0] in strict] + \
            [x for x in ranked if x[0] not in strict]
    total = len(ranked)
    matched: int | None = None
    if mode == "keyword" and len(strict) >= depth:
        # every word matched as deep as was read: the words' ranking goes on in the index
        total = matched = count(store, query, filters)
    if total > len(ranked) and offset + limit > len(ranked):
        page = ranking(store, query, filters, limit=limit, offset=offset)
        kw_rank.update((pid, offset + i) for i, (pid, _) in enumerate(page, start=1))
    else:
        page = ranked[offset:offset + limit]
    rows_by_id, topics = _rows(store, [pid for pid, _ in page])
    wanted = _query_topics(query) if page else set()
    hits: list[Hit] = []
    for pid, score in page:
        r = rows_by_id.get(pid)
        if r is None:
            continue
        words, spans = shared_spans(query, r.text)
        snippet, marks = snippet_window(r.text, spans)
        own = topics.get(r.pk, [])
        shared = [t for t in own if t in wanted] or own[:3]
        lacks = tuple(p for p in phrases if not contains_phrase(r.text, p)) \
            if pid not in strict else ()
        why = Why(similarity(pid), kw_rank.get(pid), sem_rank.get(pid), tuple(words),
                  tuple(shared), lacks)
        hits.append(Hit(r.id, r.document_id, r.label, r.convention, r.number, r.kind, r.verb,
                        bool(r.in_force), score, snippet, marks, why))
    if hits:
        with store.engine.connect() as conn:
            hits = with_counterparts(conn, hits)
    closest = None
    if not ranked and meaning is not None:
        top = meaning.top(1)
        if top:
            closest = _closest(store, meaning.index.ids[top[0][0]], top[0][1])
    return SearchResult(hits, query=query, floor=cut if meaning is not None else None,
                        ranked=total, closest=closest,
                        filtered=(filters or SearchFilters()) != SearchFilters(),
                        offset=offset, matched=matched)


def _closest(store: Store, paragraph_id: str, similarity: float) -> Closest | None:
    rows, _ = _rows(store, [paragraph_id])
    r = rows.get(paragraph_id)
    return None if r is None else Closest(r.id, r.label, r.number, r.kind, similarity)
