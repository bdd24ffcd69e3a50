"""The closest rows without computing every row exactly (``mealink.semantic.closest``), and
the int8 estimate that rules rows out (``mealink.semantic.int8``): each answer must be the
one sorting every row's exact similarity gives, ties and filters included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from mealink.semantic.closest import (
    Estimate,
    closest_rows,
    exact,
    float32_estimate,
    longest_row,
)
from mealink.semantic.int8 import Int8Matrix, Int8Product, exact_signed, quantize, shifted


def unit_rows(rng: np.random.Generator, n: int, d: int) -> NDArray[np.float32]:
    x = rng.standard_normal((n, d)).astype(np.float32)
    unit: NDArray[np.float32] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return unit


def by_sorting(matrix: NDArray[np.float32], query: NDArray[np.float32], n: int,
               allowed: NDArray[np.bool_] | None) -> tuple[list[int], list[float]]:
    """The answer by brute force: every allowed row's exact similarity, sorted."""
    rows = np.arange(len(matrix)) if allowed is None else np.flatnonzero(allowed)
    sims = exact(matrix, rows, query)
    order = np.lexsort((rows, -sims))[:n]
    return rows[order].tolist(), sims[order].tolist()


def estimate_of(kind: str, matrix: NDArray[np.float32], query: NDArray[np.float32]
                ) -> Estimate:
    if kind == "int8":
        return Int8Matrix(matrix).estimate(query)
    return float32_estimate(matrix, longest_row(matrix), query)


def with_near_ties(rng: np.random.Generator, n: int, d: int) -> NDArray[np.float32]:
    """Unit rows where many are copies of a few, or one float32 step away from one: equal
    and nearly equal similarities, where a loose cut would change the order."""
    base = unit_rows(rng, max(1, n // 8), d)
    rows = base[rng.integers(len(base), size=n)].copy()
    nudge = rng.random(n) < 0.5
    col = rng.integers(d, size=n)
    rows[nudge, col[nudge]] = np.nextafter(rows[nudge, col[nudge]], np.float32(2))
    return rows


@pytest.mark.parametrize("kind", ["float32", "int8"])
@pytest.mark.parametrize(("rows", "d", "n"), [(1, 8, 1), (7, 3, 3), (500, 64, 10),
                                              (2000, 384, 100), (300, 16, 500)])
def test_the_closest_rows_are_those_sorting_every_row_gives(kind: str, rows: int, d: int,
                                                             n: int) -> None:
    rng = np.random.default_rng(rows + d + n)
    matrix = with_near_ties(rng, rows, d)
    for query in (unit_rows(rng, 1, d)[0], matrix[rng.integers(rows)]):
        found = closest_rows(matrix, query, n, estimate_of(kind, matrix, query))
        assert (found.rows.tolist(), found.similarity.tolist()) == \
            by_sorting(matrix, query, n, None)


@pytest.mark.parametrize("kind", ["float32", "int8"])
def test_filters_ties_and_empty_answers(kind: str) -> None:
    rng = np.random.default_rng(3)
    matrix = with_near_ties(rng, 800, 48)
    query = matrix[5]
    estimate = estimate_of(kind, matrix, query)
    allowed = rng.random(800) < 0.2
    found = closest_rows(matrix, query, 30, estimate, allowed)
    assert (found.rows.tolist(), found.similarity.tolist()) == \
        by_sorting(matrix, query, 30, allowed)
    assert set(found.rows.tolist()) <= set(np.flatnonzero(allowed).tolist())
    none = closest_rows(matrix, query, 30, estimate, np.zeros(800, dtype=np.bool_))
    assert len(none.rows) == 0 and none.computed == 0
    assert len(closest_rows(matrix, query, 0, estimate).rows) == 0


def test_the_estimate_rules_out_most_rows() -> None:
    """The point of it: at a few thousand rows, far fewer are computed exactly."""
    rng = np.random.default_rng(4)
    matrix = unit_rows(rng, 5000, 384)
    query = unit_rows(rng, 1, 384)[0]
    for kind in ("float32", "int8"):
        found = closest_rows(matrix, query, 10, estimate_of(kind, matrix, query))
        assert found.computed < 5000 // 5, kind


@settings(max_examples=60, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 300), d=st.integers(1, 40),
       n=st.integers(1, 60), scale=st.sampled_from([1e-3, 1.0, 7.0]),
       filtered=st.booleans())
def test_int8_and_float32_agree_with_sorting(seed: int, rows: int, d: int, n: int,
                                             scale: float, filtered: bool) -> None:
    """Rows of any length (not only unit vectors), zero rows, copies and near copies."""
    rng = np.random.default_rng(seed)
    matrix = (with_near_ties(rng, rows, d) * np.float32(scale)).astype(np.float32)
    matrix[rng.random(rows) < 0.05] = 0.0
    query = matrix[rng.integers(rows)] if rng.random() < 0.5 else \
        unit_rows(rng, 1, d)[0]
    allowed = rng.random(rows) < 0.5 if filtered else None
    want = by_sorting(matrix, query, n, allowed)
    for kind in ("float32", "int8"):
        found = closest_rows(matrix, query, n, estimate_of(kind, matrix, query), allowed)
        assert (found.rows.tolist(), found.similarity.tolist()) == want, kind


@settings(max_examples=60, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 200), d=st.integers(1, 400))
def test_the_int8_bound_holds(seed: int, rows: int, d: int) -> None:
    """The exact dot product lies within the bound of the int8 estimate, for every row."""
    rng = np.random.default_rng(seed)
    matrix = (rng.standard_normal((rows, d)) * rng.choice([1e-4, 1.0, 50.0])
              ).astype(np.float32)
    query = rng.standard_normal(d).astype(np.float32)
    estimate = Int8Matrix(matrix).estimate(query)
    truth = matrix.astype(np.float64) @ query.astype(np.float64)
    assert np.all(np.abs(truth - estimate.value) <= estimate.bound * (1 + 1e-9) + 1e-12)


def test_quantized_rows_and_the_integer_product_are_exact() -> None:
    """The int8 values times their scale are within the stated error of each row, and
    onnxruntime's product of the int8 values is numpy's, in integers."""
    rng = np.random.default_rng(5)
    matrix = unit_rows(rng, 257, 384)
    values, scales, errors, norms = quantize(matrix)
    assert values.dtype == np.int8 and int(np.abs(values).max()) == 127
    back = values.astype(np.float64) * scales[:, None]
    assert np.allclose(np.linalg.norm(matrix - back, axis=1), errors, rtol=1e-9, atol=1e-15)
    assert np.allclose(norms, np.linalg.norm(matrix.astype(np.float64), axis=1), rtol=1e-12)
    query = unit_rows(rng, 1, 384)[0]
    q, (qs,), _, _ = quantize(query.reshape(1, -1))
    product = values.astype(np.int64) @ q[0].astype(np.int64)
    assert np.array_equal(Int8Matrix(matrix).estimate(query).value,
                          product * (scales * qs))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(2, 40), n=st.integers(1, 5))
def test_any_estimate_within_its_bound_gives_the_same_answer(seed: int, rows: int,
                                                             n: int) -> None:
    """The worst estimates their bounds allow, on rows whose similarities are a fraction of
    a float32 step apart (equal once rounded, so ordered by row): the cut must leave room
    for the rounding, or a row that sorts first is never computed."""
    rng = np.random.default_rng(seed)
    query = np.array([1.0, 2.0 ** -27], dtype=np.float32)  # 0.75 * 1 is 2**24 steps of it
    steps = rng.integers(0, 8, size=rows).astype(np.float32)  # 1/8 of a float32 step apart
    matrix = np.stack([np.full(rows, 0.75, dtype=np.float32), steps], axis=1)
    truth = matrix.astype(np.float64) @ query.astype(np.float64)
    bound = np.full(rows, 2.0 ** -40)
    value = truth + bound * rng.choice([-1.0, 1.0], size=rows)
    found = closest_rows(matrix, query, n, Estimate(value, bound))
    assert (found.rows.tolist(), found.similarity.tolist()) == \
        by_sorting(matrix, query, n, None)


def test_the_float32_estimate_bounds_a_sum_that_cancels() -> None:
    """Rows whose products with the query cancel to about zero, a tenth of a millionth
    apart: the float32 product errs by more than that, and only its bound keeps the
    closest row among those computed exactly."""
    rng = np.random.default_rng(6)
    d = 384
    query = rng.standard_normal(d)
    rows = rng.standard_normal((200, d))
    rows -= np.outer(rows @ query, query) / (query @ query)  # orthogonal to the query
    rows += np.outer(rng.permutation(200) * 1e-7, query) / (query @ query)
    matrix = rows.astype(np.float32)
    q = query.astype(np.float32)
    for n in (1, 5):
        found = closest_rows(matrix, q, n, float32_estimate(matrix, longest_row(matrix), q))
        assert (found.rows.tolist(), found.similarity.tolist()) == \
            by_sorting(matrix, q, n, None)


@pytest.mark.parametrize("unsigned", [True, None])
@pytest.mark.parametrize("rows", [1, 7, 300])
def test_the_integer_product_is_exact_at_the_extremes(unsigned: bool | None, rows: int) -> None:
    """onnxruntime's product equals numpy's in integers, values at +-127 included, by the
    uint8 x uint8 kernel and by the one this processor is given by default (uint8 x int8 only
    where it does not saturate: ``exact_signed``)."""
    rng = np.random.default_rng(rows)
    right = rng.choice(np.array([-127, -126, 0, 126, 127], dtype=np.int8), (513, 384))
    left = rng.choice(np.array([-127, -1, 1, 127], dtype=np.int8), (rows, 384))
    product = Int8Product(right, threads=2, unsigned=unsigned)
    assert product.unsigned == (True if unsigned else not exact_signed())
    assert np.array_equal(product.run(shifted(left)),
                          left.astype(np.int64) @ right.astype(np.int64).T)
