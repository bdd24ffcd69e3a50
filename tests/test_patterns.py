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
from mealink.mandates.extract import mandates_of
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


def test_a_quoted_draft_is_told_apart_from_the_recommendation() -> None:
    """Who recommends (the subsidiary body asks the COP to adopt) and whom the draft would
    ask (the Executive Secretary, Parties) are told apart: the draft's paragraphs point to
    the paragraph that quotes them, and they are nobody's mandate until adopted."""
    doc = annotate(parse(load(PATTERNS / "embedded-draft.txt").text, "embedded-draft"))
    recommends = next(i for i, p in enumerate(doc.paragraphs) if p.verb is not None and
                      p.verb.value == "recommend")
    draft = doc.paragraphs[recommends + 1:]
    assert draft and all(p.embedded_in == recommends for p in draft)
    assert all(p.embedded_in is None for p in doc.paragraphs[:recommends + 1])
    ids = [f"p{i}" for i in range(len(doc.paragraphs))]
    asked = {m.actor for m in mandates_of(doc, ids, "embedded-draft")}
    assert asked == {"Conference of the Parties"}
