"""Per-pattern gold files: each drafting pattern the parser must read, scored like the corpus.

``tests/gold/patterns/`` holds one small text per pattern (written for the tests, with no
real symbol, or copied from ``../shared/realdocs/``) and its hand annotation in the corpus
format. Every field the gold file gives must come out exactly: a miss names the file, the
paragraph and the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink.annotate import annotate
from mealink.evaluate import load_gold, score_document
from mealink.load import load
from mealink.parse import parse

PATTERNS = Path(__file__).parent / "gold" / "patterns"
GOLDS = sorted(PATTERNS.glob("*.gold.json"))


def test_there_are_pattern_files() -> None:
    assert len(GOLDS) >= 8, "each bullet of the extraction patterns has a gold file"


@pytest.mark.parametrize("gold_path", GOLDS, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_pattern_reads_exactly(gold_path: Path) -> None:
    name = gold_path.name.removesuffix(".gold.json")
    gold = load_gold(gold_path)
    doc = annotate(parse(load(gold_path.with_name(name + ".txt")).text, name))
    tally = score_document(gold, doc, name)
    assert tally.misses == []
