"""The any-word ranking of a plain-language query is capped: past the budget of paragraphs
holding its words, its common words are left out, rarest first kept; within the budget
(every collection of a few hundred paragraphs) it takes every word, as before. On SQLite
and PostgreSQL, over the invented fixtures."""

from __future__ import annotations

from mealink.store import Store
from mealink.store.search.find import _capped
from mealink.store.search.keyword import count

QUERY = "what should Parties do about invasive species on islands"


def test_within_the_budget_every_word(invented_store: Store) -> None:
    assert _capped(invented_store, QUERY) == "parties OR invasive OR species OR islands"


def test_past_the_budget_the_rarest_words_within_it(invented_store: Store) -> None:
    counts = {w: count(invented_store, w) for w in ("parties", "invasive", "species", "islands")}
    assert all(counts.values())
    rare = sorted(counts, key=lambda w: counts[w])
    budget = counts[rare[0]] + counts[rare[1]]
    kept = _capped(invented_store, QUERY, budget)
    assert kept is not None
    assert set(kept.split(" OR ")) == set(rare[:2])
    assert kept.split(" OR ") == [w for w in ("parties", "invasive", "species", "islands")
                                  if w in rare[:2]]  # in the query's order
    assert _capped(invented_store, QUERY, 0) == rare[0]  # the rarest word always stays


def test_queries_written_with_operators_are_taken_as_written(invented_store: Store) -> None:
    assert _capped(invented_store, '"invasive species" islands', 0) is None
    assert _capped(invented_store, "islands", 0) is None
