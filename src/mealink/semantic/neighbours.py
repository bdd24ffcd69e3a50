"""Close pairs across groups: every pair of unit vectors in different groups (conventions)
whose cosine reaches a threshold, computed exactly.

The similarity matrix is computed in blocks of rows against the rows after them (the upper
triangle only), so memory stays at one block (``block`` × n floats) whatever n is, and the
work is matrix multiplication, which numpy hands to BLAS. Rows are first sorted by group, so
that the pairs within one group, which are not wanted, are contiguous ranges of each block
and are cleared by slicing instead of by an n-wide mask. Pure: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["ClosePairs", "close_pairs", "neighbours_of"]


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
                threshold: float, *, block: int = 1024) -> ClosePairs:
    """Every pair of rows in different groups with cosine >= ``threshold`` (rows are unit
    vectors, so the dot product is the cosine)."""
    n = len(vectors)
    if n != len(groups):
        raise ValueError("one group per vector")
    order = np.argsort(groups, kind="stable")
    x = np.ascontiguousarray(vectors[order], dtype=np.float32)
    g = np.asarray(groups)[order]
    # the [start, end) of each group's rows in sorted order
    starts = np.searchsorted(g, g, side="left")
    ends = np.searchsorted(g, g, side="right")
    lefts: list[NDArray[np.int64]] = []
    rights: list[NDArray[np.int64]] = []
    sims: list[NDArray[np.float32]] = []
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        # columns from the block's own first row on: the upper triangle and the diagonal
        s = x[b0:b1] @ x[b0:].T
        rows = np.arange(b0, b1)
        # clear same-group columns (one contiguous range per row's group) and the lower
        # triangle inside the block
        for gs, ge in {(int(starts[r]), int(ends[r])) for r in rows}:
            r0, r1 = max(gs, b0) - b0, min(ge, b1) - b0
            s[r0:r1, max(gs, b0) - b0:ge - b0] = -2.0
        tri = np.tril_indices(b1 - b0)
        s[tri] = -2.0
        # the flat positions, split into row and column: the same cells in the same order
        # as np.nonzero of the 2-D mask, which took ten times as long (150 ms a block)
        flat = np.flatnonzero(s >= threshold)
        if len(flat):
            i, j = np.divmod(flat, s.shape[1])
            lefts.append(i + b0)
            rights.append(j + b0)
            sims.append(s.reshape(-1)[flat])
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return ClosePairs(empty, empty, np.zeros(0, dtype=np.float32))
    a = order[np.concatenate(lefts)]
    c = order[np.concatenate(rights)]
    sim = np.concatenate(sims).astype(np.float32)
    lo, hi = np.minimum(a, c), np.maximum(a, c)
    rank = np.lexsort((hi, lo, -sim))
    return ClosePairs(lo[rank].astype(np.int64), hi[rank].astype(np.int64), sim[rank])


def neighbours_of(pairs: ClosePairs, n: int, k: int) -> list[list[tuple[int, float]]]:
    """Each row's ``k`` closest rows among the pairs, most similar first."""
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, s in zip(pairs.left.tolist(), pairs.right.tolist(), pairs.similarity.tolist(),
                       strict=True):
        if len(out[a]) < k:
            out[a].append((b, s))
        if len(out[b]) < k:
            out[b].append((a, s))
    return out
