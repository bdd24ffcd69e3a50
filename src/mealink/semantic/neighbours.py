"""Close pairs across groups: every pair of unit vectors in different groups (conventions)
whose similarity reaches a threshold, each similarity exact.

Rows are first sorted by group, largest first; then each block of one group's rows is
multiplied by the rows of the groups after it, so only the pairs wanted are computed:
neither the pairs within a group nor the lower triangle (in the 100,000-paragraph benchmark
corpus, where CMS holds 60 % of the vectors, 38 % of the products). Memory stays at one
block (``block`` x n numbers) whatever n is.

The block's products are an estimate with a bound on its error: the float32 product, or,
for a group with many products, the int8 product (``mealink.semantic.int8``, 2.5-3 times as
fast on a 2-core host with AVX-512 VNNI). Only the pairs whose estimate reaches the threshold
minus that bound are computed exactly (``mealink.semantic.closest.exact_pairs``: float64,
rounded once to float32, as a search gives a paragraph's similarity), and the pairs whose
exact similarity reaches the threshold are the answer, whichever estimate found them.
Pure but for onnxruntime's product: arrays in, arrays out.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.semantic.closest import exact_pairs, float32_error, longest_row, rounding_margin
from mealink.semantic.int8 import Int8Product, SharedScale, quantize_shared, shifted

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["INT8_PRODUCTS", "ClosePairs", "close_pairs", "largest_group_first",
           "most_similar_first", "neighbours_of"]

_log = logging.getLogger("mealink.synergies")

#: a group's products (its rows times the rows after it) from which they are estimated in
#: int8: below it, making the int8 copy costs about what it saves
INT8_PRODUCTS = 1 << 25


@dataclass(frozen=True, slots=True)
class ClosePairs:
    """Pairs (left[i], right[i]) with left < right, in the caller's row numbers, and their
    cosine, most similar first."""

    left: NDArray[np.int64]
    right: NDArray[np.int64]
    similarity: NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.left)


def close_pairs(vectors: NDArray[np.float32], groups: NDArray[np.integer],
                threshold: float, *, block: int = 1024, int8: bool | None = None
                ) -> ClosePairs:
    """Every pair of rows in different groups whose similarity (the dot product: rows are
    unit vectors), as float32, is >= ``threshold``. ``int8``: estimate every group's
    products in int8 (True), none (False), or those of ``INT8_PRODUCTS`` or more (None)."""
    n = len(vectors)
    if n != len(groups):
        raise ValueError("one group per vector")
    order, g = largest_group_first(groups)
    x = np.ascontiguousarray(vectors[order], dtype=np.float32)
    lefts: list[NDArray[np.int64]] = []
    rights: list[NDArray[np.int64]] = []
    sims: list[NDArray[np.float32]] = []
    edges = [0, *(np.flatnonzero(np.diff(g)) + 1).tolist(), n]  # each group's [start, end)
    level = float(np.float32(threshold))  # what a float32 similarity is compared with
    if not math.isfinite(level):  # every pair (-inf) or none (inf, NaN): no estimate helps
        floor, int8 = level, False
    else:  # an exact value below the floor rounds below the level
        floor = level - rounding_margin(level)
    # the float32 product's cut, the same for every block: its error bound below the floor
    longest = longest_row(x)
    error = float32_error(x.shape[1], longest, longest)
    float32_cut = np.nextafter(np.float32(floor - error), np.float32(-np.inf)) \
        if math.isfinite(floor) else np.float32(floor)
    shared: SharedScale | None = None
    # one block's products and their mask, written into the same memory block after block:
    # a fresh array of a few hundred MB is new pages, which the kernel faults in and zeroes
    # on first write, and that took as long as the products themselves
    cells = min(block, n) * (n - edges[1]) if len(edges) > 2 else 0
    products = np.empty(cells, dtype=np.float32)
    close = np.empty(cells, dtype=np.bool_)
    for gs, ge in pairwise(edges):
        later = x[ge:]  # the rows of the groups after this one: every pair it may form
        if not len(later):
            break
        engine = None
        if int8 or (int8 is None and (ge - gs) * len(later) >= INT8_PRODUCTS):
            if shared is None:
                shared = quantize_shared(x)
            engine = _int8_product(shared.values[ge:])
            if engine is None:
                int8 = False  # one warning; the float32 product for every later group
        for b0 in range(gs, ge, block):
            b1 = min(ge, b0 + block)
            size = (b1 - b0) * len(later)
            if engine is not None and shared is not None:
                s: NDArray[Any] = products[:size].view(np.int32).reshape(b1 - b0,
                                                                         len(later))
                engine.run_into(shifted(shared.values[b0:b1]), s)
                bound = shared.bound(slice(b0, b1), slice(ge, n))
                # an integer, compared with int32 products however far beyond them
                cutoff: int | np.float32 = math.floor((floor - bound) / shared.scale ** 2)
            else:
                s = products[:size].reshape(b1 - b0, len(later))
                np.matmul(x[b0:b1], later.T, out=s)
                cutoff = float32_cut
            # the flat positions, split into row and column: the same cells in the same
            # order as np.nonzero of the 2-D mask, which took ten times as long
            flat = np.flatnonzero(np.greater_equal(s, cutoff, out=close[:size]
                                                   .reshape(s.shape)))
            if len(flat):
                i, j = np.divmod(flat, s.shape[1])
                i += b0
                j += ge
                sim = exact_pairs(x, i, j)
                kept = sim >= threshold
                lefts.append(i[kept])
                rights.append(j[kept])
                sims.append(sim[kept])
    del products, close  # before the pairs are gathered and sorted: not both at the peak
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return ClosePairs(empty, empty, np.zeros(0, dtype=np.float32))
    a = order[np.concatenate(lefts)]
    c = order[np.concatenate(rights)]
    sim = np.concatenate(sims).astype(np.float32)
    lo, hi = np.minimum(a, c), np.maximum(a, c)
    rank = most_similar_first(lo, hi, sim, n)
    return ClosePairs(lo[rank].astype(np.int64), hi[rank].astype(np.int64), sim[rank])


def largest_group_first(groups: NDArray[np.integer]
                        ) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """The rows in order of their groups, the largest group first (equal sizes by group),
    rows of a group in their own order; and each row's place in that order of groups.

    The rows after each group are those its rows are multiplied by: largest first, they
    are as few as they can be. The products are as many in any order, but the int8 copies
    of the later rows are not (110,000 rows against 450,000 at 100,000 vectors)."""
    labels, inverse, counts = np.unique(np.asarray(groups), return_inverse=True,
                                        return_counts=True)
    place = np.empty(len(labels), dtype=np.int64)
    place[np.lexsort((labels, -counts))] = np.arange(len(labels))
    ranks = place[inverse.reshape(-1)]
    order: NDArray[np.intp] = np.argsort(ranks, kind="stable")
    return order, ranks[order]


def _int8_product(right: NDArray[np.int8]) -> Int8Product | None:
    """onnxruntime's int8 product with these rows, or None (one warning) if it cannot be
    made: the float32 product then estimates, with the same answer."""
    try:
        return Int8Product(right)
    except Exception as exc:  # the answer is the same; only slower
        _log.warning("no int8 product for the overlap search (%s); the float32 product "
                     "estimates every pair", exc)
        return None


def most_similar_first(lo: NDArray[np.integer], hi: NDArray[np.integer],
                       sim: NDArray[np.float32], n: int) -> NDArray[np.intp]:
    """The order of pairs by similarity, highest first, then by ``lo``, then by ``hi``
    (``np.lexsort((hi, lo, -sim))``), for pairs that are distinct rows below ``n``.

    A positive float32's bits, read as an integer, sort as the float does; so when every
    similarity is positive and the three fit in 63 bits (the similarities' spread of bit
    patterns, and two row numbers: at 100,000 rows and a threshold of 0.8 about 22 + 2 x 17
    bits), one sort of one integer key gives the order, a quarter of lexsort's time on 3.6
    million pairs. Otherwise lexsort does."""
    if not len(sim):
        return np.zeros(0, dtype=np.intp)
    bits = sim.view(np.int32).astype(np.int64)
    top = int(bits.max())
    width = max(1, (n - 1).bit_length())
    if float(sim.min()) <= 0 or (top - int(bits.min())).bit_length() + 2 * width > 63:
        return np.lexsort((hi, lo, -sim))
    key = ((top - bits) << (2 * width)) | (lo.astype(np.int64) << width) | hi.astype(np.int64)
    order: NDArray[np.intp] = np.argsort(key)  # distinct pairs: distinct keys, one order
    return order


#: pairs taken at once by ``neighbours_of``
_NEIGHBOUR_CHUNK = 1 << 18


def neighbours_of(pairs: ClosePairs, n: int, k: int) -> list[list[tuple[int, float]]]:
    """Each row's ``k`` closest rows among the pairs, most similar first.

    The pairs come most similar first, so a row's list is its first ``k`` pairs in that
    order. When the rows have fewer places (``n`` x ``k``) than there are pairs, the pairs
    are read a chunk at a time and a pair whose rows both hold ``k`` already is dropped
    before any Python object is made for it: 3.6 million pairs give about 770,000 places
    at 100,000 rows and k=10 (0.55 s against 1.2 s for a loop over every pair)."""
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    if k <= 0:
        return out
    if n * k > len(pairs):  # room for most pairs: little to drop, so one loop does better
        for a, b, s in zip(pairs.left.tolist(), pairs.right.tolist(),
                           pairs.similarity.tolist(), strict=True):
            if len(out[a]) < k:
                out[a].append((b, s))
            if len(out[b]) < k:
                out[b].append((a, s))
        return out
    held = np.zeros(n, dtype=np.int64)  # how many each row's list holds
    for c0 in range(0, len(pairs), _NEIGHBOUR_CHUNK):
        a = pairs.left[c0:c0 + _NEIGHBOUR_CHUNK]
        b = pairs.right[c0:c0 + _NEIGHBOUR_CHUNK]
        # every pair twice, once for each of its rows, in the pairs' order
        rows = np.column_stack((a, b)).ravel()
        others = np.column_stack((b, a)).ravel()
        sims = np.repeat(pairs.similarity[c0:c0 + _NEIGHBOUR_CHUNK], 2)
        room = held[rows] < k
        rows, others, sims = rows[room], others[room], sims[room]
        if not len(rows):
            continue
        by_row = np.argsort(rows, kind="stable")  # a row's entries stay in the pairs' order
        sorted_rows = rows[by_row]
        starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
        place = np.arange(len(by_row)) - np.repeat(starts, np.diff(np.r_[starts,
                                                                         len(by_row)]))
        kept = by_row[place + held[sorted_rows] < k]
        for r, o, s in zip(rows[kept].tolist(), others[kept].tolist(), sims[kept].tolist(),
                           strict=True):
            out[r].append((o, s))
        np.add.at(held, rows[kept], 1)
    return out
