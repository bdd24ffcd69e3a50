"""Precision at 10 of keyword, semantic and hybrid search on the gold corpus and the
invented fixtures, over the 20 judged queries of ``tests/data/retrieval.toml``, with the real model,
and what the similarity floor costs them. (The figures for the README come from
``benchmarks/eval_search.py`` and ``benchmarks/calibrate_search.py``, which run the same.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.errors import MealinkError
from mealink.semantic.evaluation import ModeScore, load_queries, score_modes
from mealink.store import Store, ingest, open_store
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs
from tests.conftest import INVENTED, REPO
from tests.model import ENCODER

QUERIES = REPO / "tests" / "data" / "retrieval.toml"
MODES = ["keyword", "semantic", "hybrid"]
#: what the floor of data/search.toml took out of each mode's top 10 when it was calibrated
#: (benchmarks/calibrate_search.py): relevant paragraphs, over the 20 queries
MEASURED_OUT = {"keyword": 5, "semantic": 0, "hybrid": 5}


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
                 ) -> Iterator[Store]:
    store = open_store(str(tmp_path_factory.mktemp("eval") / "eval.db"))
    ingest(store, [INVENTED, corpus_dir])
    embed_paragraphs(store, model=ENCODER)
    yield store
    store.dispose()


def score(store: Store, floor: float | None) -> dict[str, ModeScore]:
    got = score_modes(load_queries(QUERIES), MODES, lambda q, mode, k: [
        h.paragraph_id for h in find(store, q, mode=mode, limit=k,  # type: ignore[arg-type]
                                     floor=floor)])
    return {s.mode: s for s in got}


@pytest.fixture(scope="module")
def scores(corpus_store: Store) -> dict[str, ModeScore]:
    """P@10 as search runs: with the similarity floor."""
    return score(corpus_store, None)


@pytest.fixture(scope="module")
def unfloored(corpus_store: Store) -> dict[str, ModeScore]:
    return score(corpus_store, -1)


def test_hybrid_beats_keyword(scores: dict[str, ModeScore]) -> None:
    assert scores["hybrid"].mean > scores["keyword"].mean
    assert len(scores["hybrid"].per_query) == 20


def test_meaning_finds_what_other_words_say(scores: dict[str, ModeScore]) -> None:
    # "plastic rubbish in the sea": the texts say "marine litter" and "microplastics"
    assert scores["semantic"].per_query["q05"] > scores["keyword"].per_query["q05"]
    # "global warming ... migrating animals": the texts say "climate change", "migratory"
    assert scores["semantic"].per_query["q02"] > scores["keyword"].per_query["q02"]


def test_every_hit_says_why_it_matched(corpus_store: Store) -> None:
    hits = find(corpus_store, "what are Parties asked to do about alien species on islands?",
                limit=5)
    assert hits
    for h in hits:
        assert h.why is not None and h.why.similarity is not None
        assert h.why.keyword_rank or h.why.semantic_rank
        for s, e in h.highlights:
            assert h.snippet[s:e].lower()[:4] in {w[:4] for w in h.why.shared_terms}
    assert any("invasive-alien-species" in h.why.topics for h in hits if h.why)


def test_a_query_without_words_is_refused_in_every_mode(corpus_store: Store) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        with pytest.raises(MealinkError, match="no words to look for"):
            find(corpus_store, "???", mode=mode)  # type: ignore[arg-type]


def test_the_floor_drops_no_more_relevant_hits_than_measured(corpus_store: Store) -> None:
    out = dict.fromkeys(MODES, 0)
    for q in load_queries(QUERIES):
        for mode in MODES:
            before = {h.paragraph_id for h in find(corpus_store, q.text, mode=mode,  # type: ignore[arg-type]
                                                   limit=10, floor=-1)}
            after = {h.paragraph_id for h in find(corpus_store, q.text, mode=mode,  # type: ignore[arg-type]
                                                  limit=10)}
            out[mode] += len((before - after) & q.relevant)
    assert all(out[m] <= MEASURED_OUT[m] for m in MODES), out


def test_the_floor_costs_little_precision(scores: dict[str, ModeScore],
                                          unfloored: dict[str, ModeScore]) -> None:
    # calibrated: keyword 0.465 -> 0.480, semantic 0.515 -> 0.515, hybrid 0.540 -> 0.530
    for mode in MODES:
        assert scores[mode].mean >= unfloored[mode].mean - 0.015, mode
    assert scores["semantic"].mean == unfloored["semantic"].mean
