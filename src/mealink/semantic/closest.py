"""The rows closest to a query, exactly, without the exact product of every row (issue 18).

A row's similarity is its dot product with the query computed in float64 and rounded to
float32 (``exact``): the same for a row whether it is asked for alone or among all, on any
host (a float32 BLAS product sums in an order of its own, and its last bit varies with the
rows around it). To rank, an estimate of every row with a bound on its error
(``Estimate``) rules out each row whose best case is below the worst case of ``n`` others;
the rest are computed exactly and sorted. The answer is that of sorting every row's exact
value: the estimate decides only what need not be computed.

Two estimates: ``float32_estimate``, the float32 product of every row (its error bounded by
the standard bound of a sum of ``d`` products), and ``Int8Matrix.estimate``, the product in
int8, a quarter of the bytes to read (``mealink.semantic.int8``). Pure but for the latter's
onnxruntime call: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Closest", "Estimate", "closest_rows", "exact", "exact_pairs", "float32_error",
           "float32_estimate", "longest_row", "rounding_margin"]

#: the unit roundoff of float32
_U32 = 2.0 ** -24


@dataclass(frozen=True, slots=True)
class Estimate:
    """Each row's estimated dot product with the query, and how far the exact one can be
    (one bound per row, or one for all)."""

    value: NDArray[np.float64]
    bound: NDArray[np.float64]


#: how a matrix estimates its rows' products with a query
Estimator = Callable[["NDArray[np.float32]"], Estimate]


@dataclass(frozen=True, slots=True)
class Closest:
    """The closest rows, most similar first (equal similarities in row order), with their
    exact similarities, and how many rows had to be computed exactly to know them."""

    rows: NDArray[np.intp]
    similarity: NDArray[np.float32]
    computed: int


def exact(matrix: NDArray[np.float32], rows: NDArray[np.intp] | list[int],
          query: NDArray[np.float32]) -> NDArray[np.float32]:
    """The similarity of these rows to the query: the dot product in float64, rounded once
    to float32."""
    picked = matrix[np.asarray(rows, dtype=np.intp)].astype(np.float64)
    out: NDArray[np.float32] = (picked @ query.astype(np.float64)).astype(np.float32)
    return out


def exact_pairs(matrix: NDArray[np.float32], left: NDArray[np.intp],
                right: NDArray[np.intp]) -> NDArray[np.float32]:
    """The similarity of each pair of rows (``left[k]``, ``right[k]``), ``exact`` of the
    right rows with the left one as the query, ``left`` in ascending order: one product per
    left row (pairs come a few dozen to a row, so a loop over rows is cheaper than gathering
    both sides)."""
    out = np.empty(len(left), dtype=np.float32)
    if not len(left):
        return out
    starts = np.flatnonzero(np.r_[True, left[1:] != left[:-1]])
    ends = np.r_[starts[1:], len(left)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        out[a:b] = exact(matrix, right[a:b], matrix[left[a]])
    return out


def _gamma(d: int) -> float:
    """The relative error bound of a float32 sum of ``d`` products, in any order (Higham,
    Accuracy and Stability of Numerical Algorithms, 3.1)."""
    return d * _U32 / (1 - d * _U32)


def longest_row(matrix: NDArray[np.float32]) -> float:
    """A bound on every row's Euclidean norm, from their float32 sums of squares (one pass,
    as fast as a matrix-vector product) allowing for those sums' error."""
    if not matrix.size:
        return 0.0
    squares = np.einsum("ij,ij->i", matrix, matrix)
    return float(np.sqrt(float(squares.max()) / (1 - _gamma(matrix.shape[1])))) * (1 + 1e-12)


def float32_estimate(matrix: NDArray[np.float32], longest: float,
                     query: NDArray[np.float32]) -> Estimate:
    """Every row's float32 product with the query (one matrix-vector product), within
    gamma_d * |row| * |query| of the exact one; ``longest`` bounds every |row|
    (``longest_row``)."""
    value = (matrix @ query).astype(np.float64)
    q_norm = float(np.linalg.norm(query.astype(np.float64)))
    return Estimate(value, np.asarray(float32_error(matrix.shape[1], longest, q_norm)))


def float32_error(d: int, left: float, right: float) -> float:
    """How far the float32 product of two vectors of ``d`` numbers, of norms at most
    ``left`` and ``right``, can be from their exact dot product, in any order of summing."""
    return _gamma(d) * left * right


def rounding_margin(level: float) -> float:
    """Room for the float64 sums and the rounding to float32 near ``level``: two values
    farther apart than this round to two float32 values in the same order."""
    return 4.0 * float(np.spacing(np.float32(max(1.0, abs(level))))) + 1e-12


def closest_rows(matrix: NDArray[np.float32], query: NDArray[np.float32], n: int,
                 estimate: Estimate, allowed: NDArray[np.bool_] | None = None) -> Closest:
    """The ``n`` rows (of those ``allowed``) most similar to ``query`` by ``exact``, most
    similar first, equal similarities in row order: what sorting every row would give.

    A row is computed exactly only if its estimate plus its bound reaches the ``n``-th
    highest estimate minus bound: below that, ``n`` rows are surely more similar."""
    low = estimate.value - estimate.bound
    high = estimate.value + estimate.bound
    if allowed is not None:
        low = np.where(allowed, low, -np.inf)
    count = len(low) if allowed is None else int(allowed.sum())
    n = min(n, count)
    if n <= 0:
        return Closest(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32), 0)
    floor = float(np.partition(low, len(low) - n)[len(low) - n])
    reach = high >= floor - rounding_margin(floor)
    if allowed is not None:
        reach &= allowed
    rows = np.flatnonzero(reach)
    sims = exact(matrix, rows, query)
    order = np.lexsort((rows, -sims))[:n]
    return Closest(rows[order], sims[order], len(rows))
