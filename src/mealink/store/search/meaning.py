"""A query against the stored sentence vectors: how close in meaning each paragraph is.

Every part is worked out when first asked for. Semantic and hybrid search rank every row, so
they compare the query with every vector (one matrix-vector product: about 150 MB read at
100,000 paragraphs, 10-20 ms on the 2-core machine). A keyword query needs only its any-word
hits' similarities, to hold them to the floor: those rows alone are compared (``prefetch``),
and the whole product is made only when the answer must name the closest paragraph of all.
A row's cosine from a few rows and from the whole matrix can differ in the last bit of a
float32 (the BLAS sums in another order); the floor's cut is two decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.errors import MealinkError
from mealink.semantic.encoder import MODEL_ID, encoder
from mealink.semantic.floor import rerank_depth
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

__all__ = ["Meaning", "meaning_of", "paragraph_texts"]

_ANY_WORD = re.compile(r"[^\W_]")


def paragraph_texts(store: Store, ids: list[str]) -> dict[str, str]:
    """The text of each of these paragraphs, by id."""
    with store.engine.connect() as conn:
        return {r.id: r.text for r in run(
            conn, "SELECT id, text FROM paragraphs WHERE id IN :ids", {"ids": ids})}


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
    """A query against every sentence vector: the cosine of each row, of the rows that pass
    the filters (-inf for the others), and ``head``, the closest rows re-ordered by the full
    encoder (empty when the vectors are the full encoder's). Each is computed on first use."""

    def __init__(self, store: Store, index: VectorIndex, query: NDArray[np.float32],
                 filters: SearchFilters, rerank: tuple[TextEncoder, str, int] | None) -> None:
        self.store, self.index, self.query = store, index, query
        self._filters = filters
        self._rerank = rerank  # the full encoder, the query and how deep it re-ranks
        self._cosines: NDArray[np.float32] | None = None
        self._allowed: NDArray[np.float32] | None = None
        self._head: tuple[int, ...] | None = None
        self._some: dict[int, float] = {}  # rows compared alone, before the whole product

    @property
    def compared_every_row(self) -> bool:
        """Whether the query was compared with every vector (not only with rows asked for)."""
        return self._cosines is not None

    @property
    def cosines(self) -> NDArray[np.float32]:
        """The cosine of every row."""
        if self._cosines is None:
            self._cosines = self.index.matrix @ self.query
        return self._cosines

    @property
    def allowed(self) -> NDArray[np.float32]:
        """The cosine of every row that passes the filters, -inf for the others."""
        if self._allowed is None:
            mask = _mask(self.store, self.index, self._filters)
            self._allowed = self.cosines if mask is None else \
                np.where(mask, self.cosines, -np.inf).astype(np.float32)
        return self._allowed

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
        """The ``depth`` closest rows that pass the filters by cosine; equal cosines (the
        same text in two places) in the order the paragraphs were stored (rows are in that
        order), also where the cut falls."""
        allowed = self.allowed
        n = min(depth, int(np.isfinite(allowed).sum()))
        if n <= 0:
            return np.zeros(0, dtype=np.intp)
        nth = -np.partition(-allowed, n - 1)[n - 1]
        rows = np.flatnonzero(allowed >= nth)  # the closest n, and any tied with the nth
        out: NDArray[np.intp] = rows[np.lexsort((rows, -allowed[rows]))][:n]
        return out

    def top(self, depth: int) -> list[tuple[int, float]]:
        """The ``depth`` first rows of the ranking, as (row, cosine): the re-ranked head,
        then the closest rows after it."""
        head = self.head
        rows = [int(i) for i in self.closest(max(depth, len(head)))]
        rows = [*head, *rows[len(head):]][:depth]
        return [(i, float(self.allowed[i])) for i in rows]

    def prefetch(self, paragraph_ids: Iterable[str]) -> None:
        """Compare the query with these paragraphs' vectors now, in one product, unless the
        whole product is made already (a keyword query's hits)."""
        if self._cosines is not None:
            return
        row_of = _row_of(self.store.name, self.index)
        rows = sorted({r for pid in paragraph_ids if (r := row_of.get(pid)) is not None}
                      - self._some.keys())
        if rows:
            self._some.update(zip(rows, (self.index.matrix[rows] @ self.query).tolist(),
                                  strict=True))

    def similarity(self, paragraph_id: str) -> float | None:
        """The cosine of a paragraph (None: it has no vector, like headings)."""
        row = _row_of(self.store.name, self.index).get(paragraph_id)
        if row is None:
            return None
        if self._cosines is None:
            if row not in self._some:
                self.prefetch([paragraph_id])
            return self._some[row]
        return float(self._cosines[row])


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
