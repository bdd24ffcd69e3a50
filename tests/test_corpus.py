"""The parser's scores on the gold corpus (../shared/corpus) must reach the targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink.cli import TARGETS
from mealink.evaluate import align, key, norm_item, score_folder


@pytest.fixture(scope="module")
def scores(corpus_dir: Path) -> dict[str, float]:
    total, rows = score_folder(corpus_dir)
    assert len(rows) >= 35, f"expected the 35 gold documents, found {len(rows)}"
    return total.scores()


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_corpus_score_reaches_target(scores: dict[str, float], metric: str) -> None:
    assert scores[metric] >= TARGETS[metric], f"{metric} = {scores[metric]:.3f}"


@pytest.mark.parametrize(("text", "expected"), [
    ("1. *Urges* CMS Parties", "1urgescmsparties"),
    ("&nbsp; Considering  that", "consideringthat"),
    ("noting\\xe2\\x80\\x99s view", "notingsview"),
])
def test_alignment_key(text: str, expected: str) -> None:
    assert key(text) == expected


def test_alignment_keeps_order_and_handles_duplicates() -> None:
    gold = ["stressing", "stressing", "noting", "4r"]
    pred = ["stressing", "noting", "4recognizes"]
    assert align(gold, pred) == [(0, 0), (2, 1), (3, 2)]


@pytest.mark.parametrize(("a", "b"), [
    ("CITES Resolution Conf.13.10 (Rev. CoP14)", "CITES Resolution Conf. 13.10 (Rev. CoP14)"),
    ("decisions SC-4/10–SC-4/18", "decisions SC-4/10-SC-4/18"),
    ("decision\nV/20", "Decision V/20"),
])
def test_item_normalisation(a: str, b: str) -> None:
    assert norm_item(a) == norm_item(b)
