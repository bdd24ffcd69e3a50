"""Facet counts past the sample: the total stays exact, the values are estimated from a
sample of the matches and say "about"; up to the sample they are exact and say nothing
more. On SQLite and PostgreSQL, over the invented fixtures."""

from __future__ import annotations

import pytest

from mealink.store import Store
from mealink.store.search.facets import Facets, FacetValue, facets
from mealink.store.search.hits import SearchFilters

QUERY = "Parties"


def _values(f: Facets) -> list[FacetValue]:
    return [*f.convention, *f.meeting, *f.kind, *f.verb, *f.actor, *f.in_force]


@pytest.mark.parametrize("filters", [None, SearchFilters(convention="CMS")])
def test_exact_up_to_the_sample(invented_store: Store, filters: SearchFilters | None) -> None:
    f = facets(invented_store, QUERY, filters)
    assert f.total > 10 and f.sampled is None
    assert sum(v.count for v in f.convention) == f.total
    assert not any(v.about for v in _values(f))
    assert all(not v.shown.startswith("about") for v in _values(f))


@pytest.mark.parametrize("filters", [None, SearchFilters(convention="CMS")])
def test_past_the_sample_values_say_about(invented_store: Store,
                                          filters: SearchFilters | None) -> None:
    exact = facets(invented_store, QUERY, filters)
    sampled = facets(invented_store, QUERY, filters, sample=5)
    assert sampled.total == exact.total  # the total is counted, not estimated
    assert sampled.sampled is not None and 0 < sampled.sampled < exact.total
    values = _values(sampled)
    assert values and all(v.about and v.shown == f"about {v.count:,}" for v in values)
    assert {v.value for v in values} <= {v.value for v in _values(exact)}


def test_the_sample_is_the_same_every_time(invented_store: Store) -> None:
    a = facets(invented_store, QUERY, sample=5)
    b = facets(invented_store, QUERY, sample=5)
    assert a == b
