"""The overlap search's close pairs (``mealink.semantic.neighbours.close_pairs``): estimated
in float32 or int8, then computed exactly, they must be the pairs that computing every pair
exactly gives, pairs that sit on the threshold, one float32 step either side, included."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from mealink.semantic.closest import exact_pairs
from mealink.semantic.neighbours import close_pairs


def by_every_pair(vectors: NDArray[np.float32], groups: NDArray[np.integer],
                  threshold: float) -> list[tuple[int, int, float]]:
    """Every pair of rows in different groups whose exact similarity (float64, rounded
    once to float32) reaches the threshold, most similar first, then by rows."""
    s = (vectors.astype(np.float64) @ vectors.astype(np.float64).T).astype(np.float32)
    i, j = np.nonzero(np.triu(s >= threshold, k=1) & (groups[:, None] != groups[None, :]))
    found = [(int(a), int(b), float(s[a, b])) for a, b in zip(i, j, strict=True)]
    return sorted(found, key=lambda p: (-p[2], p[0], p[1]))


def on_the_threshold(rng: np.random.Generator, bases: int, partners: int, d: int,
                     threshold: float) -> NDArray[np.float32]:
    """Unit rows in clumps: a base row, then partners whose similarity to it is within a
    few float32 steps of the threshold, above or below, or on it: where an estimate must
    not decide alone."""
    step = float(np.spacing(np.float32(threshold)))
    rows = []
    for _ in range(bases):
        u = rng.standard_normal(d)
        u /= np.linalg.norm(u)
        rows.append(u)
        for _ in range(partners):
            v = rng.standard_normal(d)
            v -= (v @ u) * u
            v /= np.linalg.norm(v)
            t = threshold + step * rng.integers(-6, 7) / 2
            rows.append(t * u + np.sqrt(1 - t ** 2) * v)
    x = np.array(rows, dtype=np.float32)
    return x[rng.permutation(len(x))]


def listed(pairs: object) -> list[tuple[int, int, float]]:
    return list(zip(pairs.left.tolist(), pairs.right.tolist(),  # type: ignore[attr-defined]
                    pairs.similarity.tolist(), strict=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize("int8", [False, True, None])
@pytest.mark.parametrize(("d", "threshold", "block"), [(384, 0.8, 64), (384, 0.8, 1024),
                                                        (48, 0.5, 7), (384, 0.95, 100)])
def test_pairs_on_the_threshold_are_those_of_every_pair(int8: bool | None, d: int,
                                                         threshold: float, block: int) -> None:
    rng = np.random.default_rng(d + block)
    x = on_the_threshold(rng, 40, 6, d, threshold)
    groups = rng.integers(0, 3, len(x)).astype(np.int16)
    want = by_every_pair(x, groups, threshold)
    exact = (x.astype(np.float64) @ x.astype(np.float64).T).astype(np.float32)
    near = np.abs(exact - np.float32(threshold)) <= 8 * np.spacing(np.float32(threshold))
    # the data holds what it must: pairs just above the threshold and just below
    assert len(want) > 50
    assert np.triu(near & (exact < threshold), k=1).sum() > 50
    assert listed(close_pairs(x, groups, threshold, block=block, int8=int8)) == want


@pytest.mark.parametrize("int8", [False, True])
def test_clustered_rows_and_many_groups(int8: bool) -> None:
    """Rows near a few centres in many groups of unequal sizes, one row of its own group:
    the pairs of every pair, whichever group comes first."""
    rng = np.random.default_rng(20261207)
    centres = rng.normal(size=(12, 96))
    x = centres[rng.integers(0, 12, 700)] + 0.45 * rng.normal(size=(700, 96))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    groups = np.minimum(rng.geometric(0.35, 700), 9).astype(np.int16) - 1
    groups[17] = 42
    want = by_every_pair(x, groups, 0.7)
    assert len(want) > 1000
    assert listed(close_pairs(x, groups, 0.7, block=128, int8=int8)) == want


def test_one_group_and_no_rows() -> None:
    x = on_the_threshold(np.random.default_rng(1), 3, 3, 16, 0.8)
    assert len(close_pairs(x, np.zeros(len(x), dtype=np.int16), 0.5, int8=True)) == 0
    empty = np.zeros((0, 16), dtype=np.float32)
    assert len(close_pairs(empty, np.zeros(0, dtype=np.int16), 0.5)) == 0


def test_exact_pairs_is_a_paragraphs_similarity() -> None:
    """A pair's similarity is what a search gives a row against the other as the query."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((50, 384)).astype(np.float32)
    left = np.sort(rng.integers(0, 50, 400))
    right = rng.integers(0, 50, 400)
    got = exact_pairs(x, left, right)
    want = [np.float32(x[a].astype(np.float64) @ x[b].astype(np.float64))
            for a, b in zip(left.tolist(), right.tolist(), strict=True)]
    assert got.tolist() == [float(w) for w in want]


def test_a_float32_product_far_below_the_exact_one() -> None:
    """One large product first, then hundreds each under half a float32 step of the sum:
    summed in order in float32, they are lost (several hundred steps, far more than the
    rounding margin); the float32 estimate's error bound must still keep the pair."""
    d = 512
    x, y = np.zeros(d), np.zeros(d)
    x[0] = y[0] = np.sqrt(0.5)
    tiny = np.sqrt(0.4 * float(np.spacing(np.float32(0.5))))
    x[1:384] = y[1:384] = tiny
    x[384:448] = y[448:] = np.sqrt((0.5 - 383 * tiny ** 2) / 64)  # the rest, not shared
    rng = np.random.default_rng(11)
    others = rng.standard_normal((62, d))
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    # each in a group of 32 rows: the products come from the kernel a block of rows takes
    vectors = np.vstack([x, others[:31], y, others[31:]]).astype(np.float32)
    groups = np.repeat([0, 1], 32).astype(np.int16)
    threshold = float(np.float32(vectors[0].astype(np.float64) @ vectors[32].astype(np.float64)))
    for int8 in (False, True):
        got = listed(close_pairs(vectors, groups, threshold, block=32, int8=int8))
        assert got == by_every_pair(vectors, groups, threshold) == [(0, 32, threshold)]


@pytest.mark.parametrize("threshold", [-np.inf, -2.0, 1.5, np.inf, np.nan])
@pytest.mark.parametrize("int8", [False, True])
@pytest.mark.parametrize("length", [1.0, 1e-4])
def test_thresholds_that_take_every_pair_or_none(threshold: float, int8: bool,
                                                 length: float) -> None:
    """A threshold below every similarity takes every pair across groups; one above all of
    them (or NaN, which nothing reaches) takes none, whichever estimate is asked for, also
    for rows so short that the threshold is far beyond any int8 product."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((40, 16))
    x = (length * x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    groups = rng.integers(0, 3, 40).astype(np.int16)
    got = listed(close_pairs(x, groups, threshold, block=8, int8=int8))
    assert got == by_every_pair(x, groups, threshold)
    assert len(got) == (int((groups[:, None] != groups[None, :]).sum()) // 2
                        if threshold < -1 else 0)
