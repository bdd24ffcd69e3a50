"""Fusing rankings: reciprocal rank fusion, which needs no score calibration between a BM25
ranking and a cosine ranking. Pure."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

__all__ = ["RRF_K", "reciprocal_rank_fusion"]

K = TypeVar("K", bound=Hashable)

#: the constant of Cormack, Clarke and Büttcher (2009): damps the weight of the top ranks
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[K]], *, k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[K, float]]:
    """Items of several rankings (best first) by the sum of ``weight / (k + rank)``, best
    first; ties keep the order in which items were first seen."""
    scores: dict[K, float] = {}
    w = weights or [1.0] * len(rankings)
    for ranking, weight in zip(rankings, w, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
