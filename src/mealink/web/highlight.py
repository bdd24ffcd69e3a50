"""Which shared words the synergies table marks: the subject two mandates share ("joint
work programme", "invasive alien species"), not the language every decision is written in
(who is asked, which convention, the asking verb, "subject to the availability of
resources", "at its next meeting"), which would mark nearly every word of both."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from mealink.annotate.clauses import find_deadline
from mealink.semantic.terms import stem
from mealink.vocabulary import vocabulary

__all__ = ["salient_spans"]

Spans = Sequence[Sequence[int]]


@cache
def _actor_names() -> re.Pattern[str]:
    """Every name of a body the vocabulary knows, longest first."""
    names = sorted(vocabulary().actor_aliases, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(r"\s+".join(map(re.escape, n.split()))
                                                 for n in names if n.strip()) + r")s?(?![\w-])",
                      re.I)


def _wording(text: str) -> list[tuple[int, int]]:
    """Where ``text`` speaks the language of decisions rather than of its subject."""
    vocab = vocabulary()
    out: list[tuple[int, int]] = []
    for pattern in (_actor_names(), vocab.body_pattern, vocab.convention_names_pattern,
                    vocab.long_names_pattern, vocab.conditions):
        out += [(m.start(), m.end()) for m in pattern.finditer(text)]
    deadline = find_deadline(text, 0, len(text), vocab)
    if deadline is not None:
        out.append((deadline.span.start, deadline.span.end))
    return out


def _subject(text: str, spans: Spans) -> list[tuple[int, int]]:
    """The highlighted words of ``text`` that are neither inside its decision wording nor a
    verb form."""
    wording = _wording(text)
    verbs = vocabulary().verb_forms
    return [(s, e) for s, e in spans
            if text[s:e].lower() not in verbs and
            not any(ws <= s and e <= we for ws, we in wording)]


def salient_spans(a: str, a_spans: Spans, b: str, b_spans: Spans
                  ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The shared words worth marking in each of two texts: those of their subject, kept
    only where the other text has the same word (by stem) in its subject too."""
    kept_a, kept_b = _subject(a, a_spans), _subject(b, b_spans)
    stems_a = {stem(a[s:e]) for s, e in kept_a}
    stems_b = {stem(b[s:e]) for s, e in kept_b}
    both = stems_a & stems_b
    return ([(s, e) for s, e in kept_a if stem(a[s:e]) in both],
            [(s, e) for s, e in kept_b if stem(b[s:e]) in both])
