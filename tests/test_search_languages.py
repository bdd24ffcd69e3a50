"""Search across languages through the alignment, measured: precision at 10 of the French
and Spanish judged queries of ``tests/data/retrieval-languages.toml``, over the texts in
three languages written for the tests, the English invented fixtures and the real pair CITES
Decisions 19.30-19.31 (en, es), with the real model. Each hit brings its counterparts in the
other languages; the figures of the README come from ``benchmarks/eval_languages.py``, which
ranks the same way."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.semantic.evaluation import precision_at
from mealink.store import Store, ingest, open_store
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs
from tests.conftest import INVENTED, REPO
from tests.model import ENCODER

QUERIES = tomllib.loads((REPO / "tests" / "data" / "retrieval-languages.toml")
                        .read_text(encoding="utf-8"))["query"]
LANGS = REPO / "tests" / "fixtures" / "invented-languages"
#: P@10 of hybrid search measured when the alignment route was chosen (README): the hits
#: alone, and the hits each followed by its counterparts
MEASURED = {("fr", False): 0.14, ("fr", True): 0.38, ("es", False): 0.24, ("es", True): 0.46}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, realdocs_dir: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path_factory.mktemp("langs") / "c.db"))
    summary = ingest(s, [INVENTED, LANGS, realdocs_dir / "cites-dec-19.30-19.31.txt",
                         realdocs_dir / "cites-dec-19.30-19.31.es.txt"])
    assert not [o for o in summary.outcomes if o.outcome == "failed"], summary.outcomes
    embed_paragraphs(s, model=ENCODER)
    yield s
    s.dispose()


def _ranking(store: Store, query: str, counterparts: bool) -> list[str]:
    out: list[str] = []
    for h in find(store, query, mode="hybrid", limit=10, model=ENCODER):
        for pid in [h.paragraph_id, *(c.paragraph_id for c in h.counterparts
                                      if counterparts)]:
            if pid not in out:
                out.append(pid)
    return out


def _mean(store: Store, lang: str, counterparts: bool) -> float:
    mine = [q for q in QUERIES if q["language"] == lang]
    return sum(precision_at(_ranking(store, q["text"], counterparts), frozenset(q["relevant"]))
               for q in mine) / len(mine)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_counterparts_find_the_paragraph_in_every_language(store: Store, lang: str) -> None:
    alone, shown = _mean(store, lang, False), _mean(store, lang, True)
    assert alone >= MEASURED[(lang, False)] - 0.02
    assert shown >= MEASURED[(lang, True)] - 0.02
    assert shown > alone + 0.1


def test_a_french_hit_brings_its_english_and_spanish_counterparts(store: Store) -> None:
    hits = find(store, "remise en eau des tourbières drainées", limit=5, model=ENCODER)
    fr = [h for h in hits if h.language == "fr"]
    assert fr, [h.paragraph_id for h in hits]
    top = fr[0]
    anchor = top.paragraph_id.rsplit("/", 1)[-1]
    assert {(c.language, c.paragraph_id) for c in top.counterparts} == {
        ("en", f"ramsar/resolution/XIV.920/{anchor}"),
        ("es", f"ramsar/resolution/XIV.920@es/{anchor}")}
    assert top.to_dict()["counterparts"][0]["language"] == "en"


def test_a_hit_in_a_text_stored_in_one_language_brings_nothing(store: Store) -> None:
    hits = find(store, "invasive alien species on islands", limit=5, model=ENCODER)
    assert hits and all(h.language == "en" and not h.counterparts for h in hits)
