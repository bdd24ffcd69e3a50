"""The similarity floor: the cosine below which a paragraph is not close in meaning to a
query, and the sentence that says so when nothing is left to show; and how many of the
static vectors' closest paragraphs the full encoder re-ranks.

The floor is data (``data/search.toml``, ``[floor] similarity`` for the full encoder's
vectors, ``static`` for the static table's: cosines of two models are on two scales), each
calibrated on the judged queries of ``tests/data/retrieval.toml`` by
``benchmarks/calibrate_search.py``; the figures behind the values are in the data file's
comment. Pure, apart from reading that file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from mealink.errors import MealinkError

__all__ = ["nothing_close_message", "relaxed_budget", "rerank_depth", "similarity_floor",
           "words_share"]


@cache
def _table(name: str) -> dict[str, object]:
    raw = resources.files("mealink.data").joinpath("search.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw).get(name, {})
    return table if isinstance(table, dict) else {}


def _number(key: str, low: float, high: float, table: str = "floor") -> float:
    value = _table(table).get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not low <= value <= high:
        raise MealinkError(f"data/search.toml: [{table}] {key} must be a number from {low:g} "
                           f"to {high:g}, not {value!r}")
    return float(value)


def similarity_floor(model: str = "full") -> float:
    """The cosine a paragraph's sentence vector must reach to count as close to a query,
    for vectors of ``model`` ("full" or "static")."""
    return _number("static" if model == "static" else "similarity", -1, 1)


def rerank_depth() -> int:
    """How many of the closest paragraphs by static vectors the full encoder re-ranks."""
    return int(_number("depth", 0, 1000, "rerank"))


def relaxed_budget() -> int:
    """The any-word ranking of a plain-language query takes its words rarest first while
    the paragraphs holding them (counted word by word) stay within this many."""
    return int(_number("budget", 0, 1e12, "relaxed"))


def words_share() -> float:
    """Below the floor, a paragraph still matches a plain-language query's words when it
    holds more than this share of its content words."""
    return _number("words", 0, 1)


def _two(similarity: float, floor: float) -> str:
    """The similarity to two decimals, or three when two would print it as the floor."""
    shown = f"{similarity:.2f}"
    return f"{similarity:.3f}" if shown == f"{floor:.2f}" else shown


def nothing_close_message(query: str, *, closest: str | None, similarity: float | None,
                          floor: float | None, filtered: bool) -> str:
    """One sentence for a search that shows no paragraph: what was closest and why it is
    not shown.

    ``closest`` names the paragraph nearest in meaning (None when meaning was not compared
    or no paragraph passes the filters), ``floor`` is the floor applied (None: none was),
    and ``filtered`` says filters were given. A closest paragraph at or above the floor is
    left out only when words alone were looked for (keyword mode)."""
    where = " with these filters" if filtered else ""
    if closest is None or similarity is None or floor is None:
        if filtered and floor is not None:
            return f"No paragraph passes these filters, so none is close to '{query}'."
        return (f"No paragraph contains the words of '{query}'{where} (closeness in meaning "
                "was not measured: the paragraphs have no sentence vectors).")
    if similarity < floor:
        return (f"No paragraph is close to '{query}'{where} (the closest, {closest}, is at "
                f"similarity {_two(similarity, floor)}, below the floor {floor:.2f}).")
    return (f"No paragraph contains the words of '{query}'{where}; by meaning the closest, "
            f"{closest}, is at similarity {_two(similarity, floor)}: search by meaning, or "
            "by words and meaning, to see it.")
