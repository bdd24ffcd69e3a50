"""Word-level changes between two texts of one paragraph: runs of equal, inserted and
deleted words, each with its character span into the text of its version, as a UN "track
changes" annex marks them. Words are cut so that punctuation is a word of its own: a comma
added after a word is a comma inserted, not the word replaced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from mealink.models import Span

__all__ = ["Op", "Run", "Word", "similarity", "word_runs", "words"]

Op = Literal["equal", "insert", "delete"]

#: a word (with inner hyphens and apostrophes: "science-policy", "Parties'") or one mark
_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a paragraph's text and where it is."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive words that are equal in both versions, inserted by the later one or
    deleted from the earlier one. ``a`` is the span in the earlier paragraph's text (none
    for an insert), ``b`` in the later one's (none for a delete); ``text`` is the words as
    written in the version that has them."""

    op: Op
    text: str
    a: Span | None
    b: Span | None

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON: spans as [start, end] into each version's paragraph text."""
        return {"op": self.op, "text": self.text,
                "a": [self.a.start, self.a.end] if self.a else None,
                "b": [self.b.start, self.b.end] if self.b else None}


def words(text: str) -> list[Word]:
    """The words of ``text`` in order, with their spans."""
    return [Word(m.group(), Span(m.start(), m.end())) for m in _WORD.finditer(text)]


def _matcher(a: list[Word], b: list[Word]) -> SequenceMatcher[str]:
    return SequenceMatcher(None, [w.text for w in a], [w.text for w in b], autojunk=False)


def similarity(a: list[Word], b: list[Word], floor: float = 0.0) -> float:
    """The share of words two paragraphs have in common, in order (0.0 to 1.0); 0.0 at
    once when a cheap upper bound shows it is under ``floor``."""
    if not a and not b:
        return 1.0
    m = _matcher(a, b)
    if m.real_quick_ratio() < floor or m.quick_ratio() < floor:
        return 0.0
    return m.ratio()


def _run(text: str, ws: list[Word]) -> tuple[str, Span]:
    span = Span(ws[0].span.start, ws[-1].span.end)
    return text[span.start:span.end], span


def word_runs(a_text: str, b_text: str) -> list[Run]:
    """The word-level changes that turn ``a_text`` into ``b_text``, in reading order; a
    replaced stretch is its deleted words, then its inserted ones."""
    a, b = words(a_text), words(b_text)
    runs: list[Run] = []
    for tag, i1, i2, j1, j2 in _matcher(a, b).get_opcodes():
        if tag in ("delete", "replace"):
            text, span = _run(a_text, a[i1:i2])
            runs.append(Run("delete", text, span, None))
        if tag in ("insert", "replace"):
            text, span = _run(b_text, b[j1:j2])
            runs.append(Run("insert", text, None, span))
        if tag == "equal":
            sa, sb = Span(a[i1].span.start, a[i2 - 1].span.end), \
                Span(b[j1].span.start, b[j2 - 1].span.end)
            runs.append(Run("equal", b_text[sb.start:sb.end], sa, sb))
    return runs
