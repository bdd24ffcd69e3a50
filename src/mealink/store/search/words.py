"""A keyword query as a tree of phrases: what the reader typed, read once, then written as
FTS5's query (``WordQuery.fts5``) or evaluated on the index held in memory
(``store.search.postings``), so that both answer the same query.

Queries take words (all must match), "quoted phrases", ``-word`` to exclude and ``OR``
between alternatives. A word the engine splits in parts ("Clearing-House") needs every part;
every term is quoted, so no character the reader types is an operator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mealink.errors import MealinkError

__all__ = ["AllOf", "AnyOf", "Phrase", "Term", "WordQuery", "word_query"]

_TOKEN = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]+)"|(?P<word>\S+)')
WORD = re.compile(r"[\w*]+(?:['’.-][\w*]+)*")


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must stand together, in order (one word is a phrase of one); ``prefix``:
    the last word may go on ("conserv*")."""

    words: str
    prefix: bool = False

    def fts5(self) -> str:
        core = self.words.replace('"', '""')
        return f'"{core}"' + ("*" if self.prefix else "")

    def phrases(self) -> Iterator[Phrase]:
        yield self


@dataclass(frozen=True, slots=True)
class AllOf:
    """The parts of one typed word, every one of them."""

    parts: tuple[Phrase, ...]

    def fts5(self) -> str:
        return "(" + " ".join(p.fts5() for p in self.parts) + ")"

    def phrases(self) -> Iterator[Phrase]:
        yield from self.parts


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Either side (``a OR b``; a chain nests to the left)."""

    left: Term
    right: Term

    def fts5(self) -> str:
        return f"({self.left.fts5()} OR {self.right.fts5()})"

    def phrases(self) -> Iterator[Phrase]:
        yield from self.left.phrases()
        yield from self.right.phrases()


Term = Phrase | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class WordQuery:
    """Every ``positive`` term, none of the ``negative`` ones."""

    positive: tuple[Term, ...]
    negative: tuple[Term, ...] = ()

    def fts5(self) -> str:
        """The query in FTS5's syntax."""
        out = " AND ".join(t.fts5() for t in self.positive)
        for n in self.negative:
            out = f"({out}) NOT {n.fts5()}"
        return out

    def phrases(self) -> list[Phrase]:
        """Every phrase in the order FTS5 numbers them (as written in ``fts5()``)."""
        return [p for t in (*self.positive, *self.negative) for p in t.phrases()]


def _phrase(term: str) -> Phrase:
    return Phrase(term.rstrip("*"), term.endswith("*"))


def word_query(query: str) -> WordQuery:
    """The query a reader typed, as a tree; an error when it has no word to look for."""
    positive: list[Term] = []
    negative: list[Term] = []
    pending_or = False
    for m in _TOKEN.finditer(query):
        term: Term
        if m.group("phrase") is not None:
            words = WORD.findall(m.group("phrase"))
            if not words:
                continue
            term = _phrase(" ".join(words))
            neg = bool(m.group("neg"))
        else:
            raw = m.group("word")
            if raw == "OR":
                pending_or = bool(positive)
                continue
            neg = raw.startswith("-") and len(raw) > 1
            words = WORD.findall(raw.lstrip("-"))
            if not words:
                continue
            term = _phrase(words[0]) if len(words) == 1 else \
                AllOf(tuple(_phrase(w) for w in words))
        if neg:
            negative.append(term)
        elif pending_or:
            positive[-1] = AnyOf(positive[-1], term)
            pending_or = False
        else:
            positive.append(term)
    if not positive:
        raise MealinkError("the search query has no words to look for")
    return WordQuery(tuple(positive), tuple(negative))
