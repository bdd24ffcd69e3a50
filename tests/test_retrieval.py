"""Precision at 10 of keyword, semantic and hybrid search on the gold corpus and the
invented fixtures, over the 20 judged queries of ``tests/data/retrieval.toml``, with the real model.
(The figures for the README come from ``benchmarks/eval_search.py``, which runs the same.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.errors import MealinkError
from mealink.semantic.evaluation import ModeScore, load_queries, score_modes
from mealink.store import Store, ingest, open_store
from mealink.store.semantic import find
from mealink.store.vectors import embed_paragraphs
from tests.conftest import INVENTED, REPO

QUERIES = REPO / "tests" / "data" / "retrieval.toml"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
                 ) -> Iterator[Store]:
    store = open_store(str(tmp_path_factory.mktemp("eval") / "eval.db"))
    ingest(store, [INVENTED, corpus_dir])
    embed_paragraphs(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def scores(corpus_store: Store) -> dict[str, ModeScore]:
    queries = load_queries(QUERIES)
    got = score_modes(queries, ["keyword", "semantic", "hybrid"], lambda q, mode, k: [
        h.paragraph_id for h in find(corpus_store, q, mode=mode, limit=k)])  # type: ignore[arg-type]
    return {s.mode: s for s in got}


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
