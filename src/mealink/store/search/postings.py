"""SQLite's full-text index held in memory, for a process that answers many searches (the
web server): FTS5's own terms and positions, read once per change of the index, answer
keyword queries with the ranking FTS5 gives (the same bm25, computed the same way, equal
scores in the order of the rowids), without ranking every match in SQL (issue 18).

Why not a second engine: the words are FTS5's own (its tokenizer and Porter stemmer), so
what matches, the counts and the order stay what they were; nothing on disk is kept in step
but a count of the index's changes (migration 0014), which tells exactly when the copy is
stale. A stale or absent copy is never used: FTS5 answers while it is read again, in the
background. Only a process that asks for it (``keep_in_memory``) holds one; a command
that asks one question does not.

What FTS5 still answers: filtered searches (the page's filters are SQL), queries with a
prefix (``conserv*``), with an excluded word that is not a single phrase, or with a phrase
that holds no word FTS5 indexes.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Connection

from mealink.errors import StoreError
from mealink.store.engine.database import Store
from mealink.store.engine.fulltext import changes
from mealink.store.search.words import AllOf, Phrase, Term, WordQuery

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["WordIndex", "forget", "held", "keep_in_memory", "kept_in_memory", "read_word_index",
           "wait_until_held"]

_log = logging.getLogger("mealink.search")
#: bm25's constants, as FTS5's ``bm25()`` takes them when given none
_K1, _B = 1.2, 0.75
_TOKENIZE = re.compile(r"tokenize\s*=\s*'((?:[^']|'')*)'", re.IGNORECASE)
_SHIFT = 32  # a position is (row << 32) | offset


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    """SQLite's variable-length integer at ``buf[i:]``: (value, index after it)."""
    value = 0
    for k in range(9):
        c = buf[i]
        i += 1
        if k == 8:
            return (value << 8) | c, i
        value = (value << 7) | (c & 0x7F)
        if not c & 0x80:
            return value, i
    raise AssertionError("unreachable")


def _runs(keys: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Each distinct value of sorted ``keys`` and how many times it comes."""
    if not len(keys):
        return keys, np.empty(0, np.int64)
    first = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
    return keys[first], np.diff(np.concatenate((first, [len(keys)]))).astype(np.int64)


def _at(rows: NDArray[np.intp], held: NDArray[np.intp], counts: NDArray[np.int64],
        gate: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The count of each of ``rows`` in (``held``, ``counts``), sorted rows and their
    counts; 0 where it is not held or ``gate`` is off."""
    if not len(held):
        return np.zeros(len(rows), np.int64)
    at = np.minimum(np.searchsorted(held, rows), len(held) - 1)
    return np.where(gate[rows] & (held[at] == rows), counts[at], 0)


class _Tokens:
    """The tokens FTS5 makes of a phrase, asked of FTS5 itself: a table in a private
    in-memory database with the store's tokenizer."""

    def __init__(self, tokenize: str) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        spec = tokenize.replace("'", "''")
        self._db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{spec}')")
        self._db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, ...]] = {}

    def __call__(self, words: str) -> tuple[str, ...]:
        got = self._known.get(words)
        if got is None:
            with self._lock:
                self._db.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (words,))
                got = tuple(t for t, in self._db.execute(
                    "SELECT term FROM v ORDER BY offset"))
                self._db.execute("DELETE FROM t")
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[words] = got
        return got


@dataclass(frozen=True, slots=True)
class _Matched:
    """A query's matching rows (ascending) and, for each of its phrases in FTS5's order,
    how many times it occurs in each of them where it counts (zero elsewhere)."""

    rows: NDArray[np.intp]
    freq: list[NDArray[np.int64]]
    hits: list[int]  # rows holding each phrase, in the whole index


@dataclass(frozen=True, slots=True)
class WordIndex:
    """The full-text index as read when the count of its changes stood at ``changes``:
    each row's paragraph pk (ascending) and size in tokens; each term's positions, sorted,
    as ``row << 32 | offset`` in ``positions[starts[t]:starts[t + 1]]``."""

    changes: int
    pks: NDArray[np.int64]
    sizes: NDArray[np.float64]
    n_rows: int
    n_tokens: int
    terms: dict[str, int]
    starts: NDArray[np.int64]
    positions: NDArray[np.int64]
    #: each term's rows and how many times each holds it: ``rows[row_starts[t]:...]``
    row_starts: NDArray[np.int64]
    rows: NDArray[np.intp]
    row_counts: NDArray[np.int64]
    tokens: _Tokens
    #: the last queries' matches: a page asks the same query for its ranking, its count
    #: and its facets
    recent: dict[WordQuery, _Matched | None] = field(default_factory=dict)

    def _phrase(self, tokens: tuple[str, ...]) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
        """The rows holding the phrase and how many times each does."""
        if len(tokens) == 1:
            i = self.terms.get(tokens[0])
            if i is None:
                return np.empty(0, np.intp), np.empty(0, np.int64)
            a, b = self.row_starts[i], self.row_starts[i + 1]
            return self.rows[a:b], self.row_counts[a:b]
        slices = []
        for t in tokens:
            i = self.terms.get(t)
            if i is None:
                return np.empty(0, np.intp), np.empty(0, np.int64)
            slices.append(self.positions[self.starts[i]:self.starts[i + 1]])
        # the phrase's starts: from its rarest token, each other one checked in its place
        j = min(range(len(slices)), key=lambda k: len(slices[k]))
        rare = slices[j]
        found = rare[(rare & 0xFFFFFFFF) >= j] - j
        for k, other in enumerate(slices):
            if k == j or not len(found):
                continue
            want = found + k
            at = np.searchsorted(other, want)
            at[at == len(other)] = 0
            found = found[other[at] == want] if len(other) else found[:0]
        return _runs((found >> _SHIFT).astype(np.intp))

    def _match(self, query: WordQuery) -> _Matched | None:
        """The rows matching ``query`` and its phrases' frequencies in them; None when the
        query is one FTS5 answers (see the module's docstring)."""
        if query in self.recent:
            return self.recent[query]
        got = self._evaluate(query)
        if len(self.recent) >= 16:
            self.recent.clear()
        self.recent[query] = got
        return got

    def _evaluate(self, query: WordQuery) -> _Matched | None:
        if any(p.prefix for p in query.phrases()) or \
                any(not isinstance(n, Phrase) for n in query.negative):
            return None
        n = self.n_rows
        counts: list[tuple[NDArray[np.intp], NDArray[np.int64]]] = []
        gates: list[NDArray[np.bool_]] = []
        hits: list[int] = []

        def phrase(p: Phrase) -> NDArray[np.bool_] | None:
            tokens = self.tokens(p.words)
            if not tokens:
                return None
            rows, cnt = self._phrase(tokens)
            mask = np.zeros(n, np.bool_)
            mask[rows] = True
            counts.append((rows, cnt))
            gates.append(mask)
            hits.append(len(rows))
            return mask

        def every(terms: tuple[Term, ...]) -> NDArray[np.bool_] | None:
            both = np.ones(n, np.bool_)
            for t in terms:
                got = term(t)
                if got is None:
                    return None
                both &= got
            return both

        def term(t: Term) -> NDArray[np.bool_] | None:
            if isinstance(t, Phrase):
                return phrase(t)
            if isinstance(t, AllOf):  # its phrases count only where all of them match
                first = len(gates)
                both = every(t.parts)
                if both is not None:
                    for k in range(first, len(gates)):
                        gates[k] = both
                return both
            left, right = term(t.left), term(t.right)
            return None if left is None or right is None else left | right

        final = every(query.positive)
        if final is None:
            return None
        for neg in query.negative:
            m = term(neg)
            if m is None:
                return None
            final &= ~m
        rows = np.flatnonzero(final)
        freq = [_at(rows, held, cnt, gate)
                for gate, (held, cnt) in zip(gates, counts, strict=True)]
        return _Matched(rows, freq, hits)

    def _scores(self, m: _Matched) -> NDArray[np.float64]:
        """FTS5's ``bm25()`` of each matching row (negative: lower is better), in its order
        of operations, so that equal texts score exactly alike."""
        avgdl = float(self.n_tokens) / float(self.n_rows)
        norm = _K1 * ((1 - _B) + _B * self.sizes[m.rows] / avgdl)
        score = np.zeros(len(m.rows), np.float64)
        for hit, f in zip(m.hits, m.freq, strict=True):
            idf = math.log((self.n_rows - hit + 0.5) / (hit + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            ff = f.astype(np.float64)
            score += idf * ((ff * (_K1 + 1.0)) / (ff + norm))
        return -1.0 * score

    def rank(self, query: WordQuery, limit: int, offset: int = 0
             ) -> list[tuple[int, float]] | None:
        """(pk, bm25) of the matching rows from ``offset`` on, best first as FTS5 orders them
        (``ORDER BY bm25, rowid``); None when FTS5 is to answer."""
        m = self._match(query)
        if m is None:
            return None
        scores = self._scores(m)
        pks = self.pks[m.rows]
        want = offset + limit
        if want <= 0 or not len(pks):
            return []
        if want < len(pks):  # only the rows that can be among the first ``want`` are sorted
            kth = np.partition(scores, want - 1)[want - 1]
            near = np.flatnonzero(scores <= kth)
            scores, pks = scores[near], pks[near]
        order = np.lexsort((pks, scores))[offset:want]
        return [(int(pks[i]), float(scores[i])) for i in order]

    def count(self, query: WordQuery) -> int | None:
        """How many rows match; None when FTS5 is to answer."""
        m = self._match(query)
        return None if m is None else len(m.rows)

    def matching(self, query: WordQuery) -> NDArray[np.int64] | None:
        """The pks of every matching row, ascending; None when FTS5 is to answer."""
        m = self._match(query)
        return None if m is None else self.pks[m.rows]


def _tokenizer(conn: Connection) -> str:
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'paragraphs_fts'"
                               ).scalar() or ""
    found = _TOKENIZE.search(sql)
    return found.group(1).replace("''", "'") if found else "unicode61"


def read_word_index(conn: Connection) -> WordIndex | None:
    """The full-text index of the store on ``conn`` as it stands; None when it changed
    while it was being read (read it again later)."""
    before = changes(conn)
    conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.mealink_fts_instances "
                         "USING fts5vocab(main, paragraphs_fts, instance)")
    conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.mealink_fts_terms "
                         "USING fts5vocab(main, paragraphs_fts, row)")
    block = conn.exec_driver_sql("SELECT block FROM paragraphs_fts_data WHERE id = 1"
                                 ).scalar()
    n_rows, at = _varint(block, 0) if block else (0, 0)
    n_tokens = _varint(block, at)[0] if block else 0
    sized = conn.exec_driver_sql("SELECT id, sz FROM paragraphs_fts_docsize ORDER BY id"
                                 ).all()
    pks = np.fromiter((r[0] for r in sized), np.int64, len(sized))
    sizes = np.fromiter((_varint(r[1], 0)[0] if r[1] else 0 for r in sized), np.float64,
                        len(sized))
    terms: dict[str, int] = {}
    counts: list[int] = []
    for term, cnt in conn.exec_driver_sql("SELECT term, cnt FROM temp.mealink_fts_terms"):
        terms[term] = len(counts)
        counts.append(int(cnt))
    raw = conn.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"SELECT doc << {_SHIFT} | offset FROM temp.mealink_fts_instances")
    flat = np.fromiter((r[0] for r in raw), np.int64)
    if changes(conn) != before:
        return None
    if n_rows != len(pks) or int(sizes.sum()) != n_tokens or sum(counts) != len(flat):
        raise StoreError("the full-text index does not add up (its rows, sizes and terms "
                         "disagree); run FTS5's integrity check")
    starts = np.concatenate(([0], np.cumsum(np.asarray(counts, np.int64))))
    # each position's pk as the row it is held at: pks are ascending, so order is kept
    rows = np.searchsorted(pks, flat >> _SHIFT).astype(np.int64)
    positions = (rows << _SHIFT) | (flat & 0xFFFFFFFF)
    # each term's rows: runs of (term, row) over the positions, which are sorted by both
    term_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    keys, row_counts = _runs((term_of * (len(pks) + 1) + rows).astype(np.intp))
    row_starts = np.searchsorted(keys, np.arange(len(counts) + 1, dtype=np.int64)
                                 * (len(pks) + 1))
    doc_rows = (keys % (len(pks) + 1)).astype(np.intp)
    return WordIndex(before, pks, sizes, n_rows, n_tokens, terms, starts, positions,
                     row_starts.astype(np.int64), doc_rows, row_counts,
                     _Tokens(_tokenizer(conn)))


_HELD: dict[str, WordIndex] = {}
_KEPT: dict[str, Store] = {}
_LOADING: dict[str, threading.Thread] = {}
#: why reading a store's index failed, and the count of its changes then: not tried again
#: until the index changes
_FAILED: dict[str, tuple[int, Exception]] = {}
_LOCK = threading.Lock()


def keep_in_memory(store: Store) -> None:
    """Hold ``store``'s full-text index in memory from now on, read again in the background
    whenever it changes (SQLite; nothing on PostgreSQL)."""
    if store.dialect != "sqlite":
        return
    with store.engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = "
                                    "'paragraphs_fts_changes'").first():
            return  # a schema before migration 0014 (read-only): FTS5 answers
    with _LOCK:
        _KEPT[store.name] = store
    _load_in_background(store)


def forget(store: Store) -> None:
    """Stop holding ``store``'s index (what a closed store or a test does)."""
    with _LOCK:
        _KEPT.pop(store.name, None)
        _HELD.pop(store.name, None)
        _FAILED.pop(store.name, None)


def _load(store: Store) -> None:
    at = -1
    try:
        with store.engine.connect() as conn:
            at = changes(conn)
            index = read_word_index(conn)
        with _LOCK:
            if index is not None and store.name in _KEPT:
                _HELD[store.name] = index
            _FAILED.pop(store.name, None)
    except Exception as exc:  # kept for wait_until_held to raise; FTS5 answers meanwhile
        _log.warning("%s: the full-text index could not be held in memory (%s); FTS5 "
                     "answers until the index changes", store.name, exc)
        with _LOCK:
            _FAILED[store.name] = (at, exc)
    finally:
        with _LOCK:
            _LOADING.pop(store.name, None)


def _load_in_background(store: Store) -> None:
    with _LOCK:
        if store.name in _LOADING or store.name not in _KEPT:
            return
        worker = threading.Thread(target=_load, args=(store,), daemon=True,
                                  name=f"mealink word index {store.name}")
        _LOADING[store.name] = worker
    worker.start()


def held(store: Store, conn: Connection) -> WordIndex | None:
    """The index held for ``store`` if it is what the database holds now; otherwise None
    (FTS5 answers), and a store kept in memory starts reading it again."""
    if store.dialect != "sqlite" or store.name not in _KEPT:
        return None
    now = changes(conn)
    index = _HELD.get(store.name)
    if index is not None and index.changes == now:
        return index
    failed = _FAILED.get(store.name)
    if failed is None or failed[0] != now:
        _load_in_background(store)
    return None


def wait_until_held(store: Store, timeout: float = 60.0) -> bool:
    """Wait until ``store``'s index is held and current (what a benchmark or a test does
    before it times or compares); raises what reading it raised."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.engine.connect() as conn:
            if held(store, conn) is not None:
                return True
        with _LOCK:
            failed = _FAILED.get(store.name)
            loading = store.name in _LOADING
        if failed is not None and not loading:
            raise failed[1]
        time.sleep(0.05)
    return False


@contextmanager
def kept_in_memory(store: Store) -> Iterator[WordIndex]:
    """``store``'s index held for the block (tests and benchmarks), forgotten after it."""
    keep_in_memory(store)
    try:
        if not wait_until_held(store):
            raise StoreError(f"{store.name}: the full-text index was not read in time")
        index = _HELD[store.name]
        yield index
    finally:
        forget(store)
