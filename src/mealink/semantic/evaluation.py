"""Measuring search: precision at k of each mode over written queries with the paragraphs
a careful reader judged relevant (``tests/data/retrieval.toml``)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JudgedQuery", "ModeScore", "load_queries", "precision_at", "score_modes"]


@dataclass(frozen=True, slots=True)
class JudgedQuery:
    """A query and the paragraph ids judged relevant to it."""

    id: str
    text: str
    style: str
    relevant: frozenset[str]


@dataclass(frozen=True, slots=True)
class ModeScore:
    """Precision at k of one mode: per query, the mean, and the mean of the best possible
    (a query with fewer than k relevant paragraphs cannot reach 1)."""

    mode: str
    per_query: dict[str, float]
    mean: float
    ceiling: float


def load_queries(path: str | Path) -> list[JudgedQuery]:
    """The judged queries of a TOML file (``[[query]]`` with id, text, style, relevant)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [JudgedQuery(q["id"], q["text"], q.get("style", ""), frozenset(q["relevant"]))
            for q in data["query"]]


def precision_at(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    """The share of the first ``k`` places (not of the hits returned) that are relevant."""
    return sum(1 for pid in ranked[:k] if pid in relevant) / k


def score_modes(queries: Sequence[JudgedQuery], modes: Sequence[str],
                rank: Callable[[str, str, int], list[str]], k: int = 10) -> list[ModeScore]:
    """P@k of each mode; ``rank(query, mode, k)`` returns paragraph ids, best first."""
    ceiling = sum(min(len(q.relevant), k) / k for q in queries) / len(queries)
    out = []
    for mode in modes:
        per = {q.id: precision_at(rank(q.text, mode, k), q.relevant, k) for q in queries}
        out.append(ModeScore(mode, per, sum(per.values()) / len(per), ceiling))
    return out
