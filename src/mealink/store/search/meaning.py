"""A query against the stored sentence vectors: how close in meaning each paragraph is.

Every part is worked out when first asked for. A paragraph's similarity is computed
exactly, in float64 and rounded once to float32 (``mealink.semantic.closest.exact``), so
it is the same whether it was asked for alone or found among all, on any host. Semantic
and hybrid search rank every row: an estimate of every row (the float32 product; in a
server, from 20,000 rows, the int8 product of ``mealink.semantic.int8``) rules out the rows
that cannot be among the closest, and only the others are computed exactly, which gives
the ranking that computing every row would. A keyword query needs only its any-word
hits' similarities, to hold them to the floor: those rows alone are computed
(``prefetch``), and every row is estimated only when the answer must name the closest
paragraph of all.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.errors import MealinkError
from mealink.semantic.closest import (
    Estimate,
    closest_rows,
    exact,
    float32_estimate,
    longest_row,
)
from mealink.semantic.encoder import MODEL_ID, encoder
from mealink.semantic.floor import rerank_depth
from mealink.semantic.int8 import Int8Matrix
from mealink.semantic.models import by_id
from mealink.semantic.static import TextEncoder
from mealink.store.engine.database import Store
from mealink.store.engine.driver import run
from mealink.store.engine.vector_keys import text_hash
from mealink.store.search.hits import SearchFilters
from mealink.store.search.keyword import _filters
from mealink.store.search.vectors import VectorIndex, pks_where, vector_index

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Meaning", "forget_int8", "keep_int8", "meaning_of", "paragraph_texts"]

_ANY_WORD = re.compile(r"[^\W_]")
_log = logging.getLogger("mealink.search")


def paragraph_texts(store: Store, ids: list[str]) -> dict[str, str]:
    """The text of each of these paragraphs, by id."""
    with store.engine.connect() as conn:
        return {r.id: r.text for r in run(
            conn, "SELECT id, text FROM paragraphs WHERE id IN :ids", {"ids": ids}).all()}


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


_ROW_OF: dict[str, tuple[VectorIndex, dict[str, int]]] = {}


def _row_of(store: str, index: VectorIndex) -> dict[str, int]:
    """Each paragraph id's row in the index (built once per corpus generation)."""
    held = _ROW_OF.get(store)
    if held is None or held[0] is not index:
        held = (index, {pid: i for i, pid in enumerate(index.ids)})
        _ROW_OF[store] = held
    return held[1]


#: the fewest rows for which a server estimates every row in int8 (below, the float32
#: product takes a millisecond or two and needs no copy of the matrix)
INT8_FROM = 20_000

_ESTIMATORS: dict[str, tuple[VectorIndex, Callable[[NDArray[np.float32]], Estimate]]] = {}
_INT8_KEPT: set[str] = set()
_ESTIMATORS_LOCK = threading.Lock()


def keep_int8(store: Store) -> None:
    """Estimate every row of ``store`` in int8 from now on: what a server does, which
    answers many queries. The int8 copy takes about half a second to make at 84,000 rows,
    once a corpus generation, and saves 4-5 ms on every query that ranks every row; a
    command that asks one query does better with the float32 product."""
    with _ESTIMATORS_LOCK:
        _INT8_KEPT.add(store.name)
        _ESTIMATORS.pop(store.name, None)


def forget_int8(store: Store) -> None:
    """Stop holding ``store``'s int8 copy (a server that stops, a test)."""
    with _ESTIMATORS_LOCK:
        _INT8_KEPT.discard(store.name)
        _ESTIMATORS.pop(store.name, None)


def estimator(store: str, index: VectorIndex) -> Callable[[NDArray[np.float32]], Estimate]:
    """How every row of the index is estimated against a query: in int8 for a store kept so
    (``keep_int8``) from ``INT8_FROM`` rows, else by the float32 product; made once per
    corpus generation."""
    held = _ESTIMATORS.get(store)
    if held is not None and held[0] is index:
        return held[1]
    with _ESTIMATORS_LOCK:
        held = _ESTIMATORS.get(store)
        if held is None or held[0] is not index:
            matrix = index.matrix
            held = (index, partial(float32_estimate, matrix, longest_row(matrix)))
            if store in _INT8_KEPT and len(matrix) >= INT8_FROM:
                try:
                    held = (index, Int8Matrix(matrix).estimate)
                except Exception as exc:  # the answers are the same; only slower
                    _log.warning("%s: no int8 copy of the sentence vectors (%s); every row "
                                 "is estimated by the float32 product", store, exc)
            _ESTIMATORS[store] = held
    return held[1]


#: the full encoder's vectors of paragraph texts re-ranked before, by text hash (bounded)
_FULL: dict[str, NDArray[np.float32]] = {}
_FULL_MAX = 50_000


def _full_vectors(store: Store, ids: list[str], full: TextEncoder) -> NDArray[np.float32]:
    """The full encoder's vectors of these paragraphs' texts (computed once a process)."""
    texts = paragraph_texts(store, ids)
    hashes = [text_hash(texts.get(pid, "")) for pid in ids]
    found = {h: v for h in set(hashes) if (v := _FULL.get(h)) is not None}
    todo = {h: texts.get(pid, "") for pid, h in zip(ids, hashes, strict=True)
            if h not in found}
    if todo:  # read from a copy: another thread may empty the shared cache meanwhile
        new = dict(zip(todo, full.encode(list(todo.values())), strict=True))
        found.update(new)
        if len(_FULL) + len(new) > _FULL_MAX:
            _FULL.clear()
        _FULL.update(new)
    return np.stack([found[h] for h in hashes])


class Meaning:
    """A query against every sentence vector: the exact similarity of the rows asked for,
    the closest rows of those that pass the filters, and ``head``, the closest rows
    re-ordered by the full encoder (empty when the vectors are the full encoder's). Each is
    computed on first use."""

    def __init__(self, store: Store, index: VectorIndex, query: NDArray[np.float32],
                 filters: SearchFilters, rerank: tuple[TextEncoder, str, int] | None) -> None:
        self.store, self.index, self.query = store, index, query
        self._filters = filters
        self._rerank = rerank  # the full encoder, the query and how deep it re-ranks
        self._estimate: Estimate | None = None
        self._mask: tuple[NDArray[np.bool_] | None] | None = None
        self._head: tuple[int, ...] | None = None
        self._closest: tuple[int, NDArray[np.intp]] | None = None  # the deepest asked for
        self._some: dict[int, float] = {}  # the exact similarity of each row computed

    @property
    def compared_every_row(self) -> bool:
        """Whether the query was compared with every vector (not only with rows asked for)."""
        return self._estimate is not None

    def _allowed(self) -> NDArray[np.bool_] | None:
        """The rows that pass the filters (None: all)."""
        if self._mask is None:
            self._mask = (_mask(self.store, self.index, self._filters),)
        return self._mask[0]

    @property
    def head(self) -> tuple[int, ...]:
        """The closest rows as the full encoder orders them (static vectors only)."""
        if self._head is None:
            self._head = ()
            if self._rerank is not None:
                full, query, depth = self._rerank
                rows = self.closest(depth)
                if len(rows):
                    scores = _full_vectors(self.store, [self.index.ids[i] for i in rows],
                                           full) @ full.encode_one(query)
                    order = np.lexsort((np.arange(len(rows)), -scores))  # ties: static order
                    self._head = tuple(int(rows[i]) for i in order)
        return self._head

    def closest(self, depth: int) -> NDArray[np.intp]:
        """The ``depth`` closest rows that pass the filters; equal similarities (the same
        text in two places) in the order the paragraphs were stored (rows are in that
        order), also where the cut falls."""
        if self._closest is not None and depth <= self._closest[0]:
            # the closest n are the first n of the closest m > n: the same order, cut
            return self._closest[1][:depth]
        if self._estimate is None:
            self._estimate = estimator(self.store.name, self.index)(self.query)
        found = closest_rows(self.index.matrix, self.query, depth, self._estimate,
                             self._allowed())
        self._some.update(zip(found.rows.tolist(), found.similarity.tolist(), strict=True))
        self._closest = (depth, found.rows)
        return found.rows

    def top(self, depth: int) -> list[tuple[int, float]]:
        """The ``depth`` first rows of the ranking, as (row, similarity): the re-ranked
        head, then the closest rows after it."""
        head = self.head
        rows = [int(i) for i in self.closest(max(depth, len(head)))]
        rows = [*head, *rows[len(head):]][:depth]
        return [(i, self._some[i]) for i in rows]

    def prefetch(self, paragraph_ids: Iterable[str]) -> None:
        """Compute these paragraphs' similarities now, in one product (a keyword query's
        hits)."""
        row_of = _row_of(self.store.name, self.index)
        rows = sorted({r for pid in paragraph_ids if (r := row_of.get(pid)) is not None}
                      - self._some.keys())
        if rows:
            self._some.update(zip(rows, exact(self.index.matrix, rows, self.query).tolist(),
                                  strict=True))

    def similarity(self, paragraph_id: str) -> float | None:
        """The similarity of a paragraph (None: it has no vector, like headings)."""
        row = _row_of(self.store.name, self.index).get(paragraph_id)
        if row is None:
            return None
        if row not in self._some:
            self.prefetch([paragraph_id])
        return self._some[row]


def meaning_of(store: Store, query: str, filters: SearchFilters | None,
               model: TextEncoder | None, rerank: int | None = None) -> Meaning:
    """The query against the store's vectors. ``model``: the full encoder to use (the
    shared one by default), for the query when the store holds its vectors, for re-ranking
    the ``rerank`` closest (``[rerank] depth`` by default) when it holds static ones."""
    index = vector_index(store)
    if not len(index):
        raise MealinkError(f"{store.name}: no paragraph has a sentence vector yet; run "
                           "`mealink embed` (ingest embeds unless --no-embed)")
    if not _ANY_WORD.search(query):
        raise MealinkError("the search query has no words to look for")
    full = model if model is not None and model.model_id == MODEL_ID else encoder()
    own = full if index.model == MODEL_ID else by_id(index.model)
    depth = 0 if own is full else rerank_depth() if rerank is None else rerank
    return Meaning(store, index, own.encode_one(query), filters or SearchFilters(),
                   (full, query, depth) if depth else None)
