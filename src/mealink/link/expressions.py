"""One work in several languages: when two texts are expressions of one work, and which
paragraph of one is which paragraph of the other.

Two texts are one work in two languages only on evidence from the texts: the same convention
and the same numbers (every key of one is a key of the other), each read from the text's own
symbol or heading (not guessed from a file name or a title), in different languages.

Their paragraphs are aligned in document order (a monotonic dynamic programme over "beads",
as Gale and Church aligned sentences): one paragraph against one, or against a run of two or
three (a chapeau whose items one page runs in and the other sets out), or none. A bead scores
by language-neutral evidence only: the printed numbers (equal numbers pair, different ones
never do), the lengths (a translation runs about as long as its original) and the numbers,
symbols and acronyms both carry ("20", "19.30", "CITES"). Each pair says which rule made it.
Pure and deterministic; the thresholds are ``data/alignment.toml``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from mealink.datafiles import load_data

__all__ = ["AlignSettings", "Aligned", "Para", "align", "expression_evidence", "settings"]

#: the beads tried: (paragraphs of the first text, paragraphs of the second)
_BEADS = ((1, 1), (1, 2), (2, 1), (1, 3), (3, 1))
#: numbers ("20", "19.30", "2022"), and symbols and acronyms ("CITES", "COP14", "IPBES")
_TOKEN = re.compile(r"\d+(?:[./]\d+)*|\b[A-Z][A-Z0-9]{1,}(?:-\d+)?\b")
_NUMBER_PART = re.compile(r"\d+(?:\.\d+)*|\(?[a-z]{1,4}\)|\(?[ivx]+\)")
_WEAK = ("its file name", "its title")
#: an item run into a paragraph: 'deberá: a) publicar ...; y b) facilitar ...'
_ITEM = re.compile(r"(?:^|(?<=[\s:;,]))\(?([a-z])\)(?=\s)")


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """The thresholds of ``data/alignment.toml``."""

    length_ratio: float
    length_span: float
    extra_paragraph: float
    other_kind: float
    accept: float
    band: float


@cache
def settings() -> AlignSettings:
    """``data/alignment.toml``, read once."""
    d = load_data("alignment.toml")["align"]
    return AlignSettings(*(float(d[k]) for k in AlignSettings.__slots__))


@dataclass(frozen=True, slots=True)
class Para:
    """What alignment reads of a paragraph: its kind, printed number and text."""

    kind: str
    number: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Aligned:
    """Paragraph ``second`` of the second text is the counterpart of ``first`` of the first,
    by ``rule`` ("number", "order and length", "order, length and shared 20, CITES")."""

    first: int
    second: int
    rule: str


def expression_evidence(first: tuple[str, str | None, str, str | None],
                        second: tuple[str, str | None, str, str | None],
                        keys: Sequence[str], other_keys: Sequence[str]) -> str | None:
    """Why two stored texts are one work in two languages, or None when the texts do not
    show it. Each side is (language, convention, label, identified_by); ``keys`` are the
    numbers each answers to."""
    (lang_a, conv_a, label_a, by_a), (lang_b, conv_b, _, by_b) = first, second
    if lang_a == lang_b or conv_a is None or conv_a != conv_b or not keys:
        return None
    if sorted(keys) != sorted(other_keys):
        return None
    if any((by or "").startswith(_WEAK) for by in (by_a, by_b)):
        return None  # a number guessed from a file name or a title identifies no work
    numbers = ", ".join(k.rsplit("/", 1)[-1] for k in sorted(keys))
    return (f"the {lang_b} expression of {label_a} ({lang_a}): same convention ({conv_a}) "
            f"and same numbers ({numbers}), read from {by_b or 'its text'} in this text and "
            f"from {by_a or 'its text'} in the {lang_a} one")


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t.rstrip(".") for t in _TOKEN.findall(text))


def _number_key(number: str | None) -> tuple[str, str] | None:
    """(the whole number, its last part) with brackets and spaces dropped: '3(a)' ->
    ('3a', 'a'); '(a)' -> ('a', 'a')."""
    if not number:
        return None
    parts = [p.strip("()") for p in _NUMBER_PART.findall(number.lower())]
    if not parts:
        return None
    return "".join(parts), parts[-1]


def _run_in(one: Sequence[Para], run: Sequence[Para]) -> str | None:
    """'a), b)' when ``one`` paragraph runs in the items that ``run`` (a chapeau and its
    items) sets out on their own: the same item letters, in the same order."""
    if len(one) != 1 or len(run) < 2:
        return None
    items = [k[1] for p in run[1:] if (k := _number_key(p.number))]
    if len(items) != len(run) - 1:
        return None
    inline = _ITEM.findall(one[0].text)
    return ", ".join(f"{i})" for i in items) if inline == items else None


def _bead(a: Sequence[Para], b: Sequence[Para], ta: frozenset[str], tb: frozenset[str],
          s: AlignSettings) -> tuple[float, str]:
    """The score of pairing the run ``a`` with the run ``b`` and the rule that says why;
    ``-inf`` when their printed numbers differ."""
    na, nb = _number_key(a[0].number), _number_key(b[0].number)
    bonus, rule = 0.0, ""
    if na and nb:
        if na[0] == nb[0] or (na[1] == nb[1] and (na[0] == na[1] or nb[0] == nb[1])):
            bonus, rule = 2.0, "number"
        else:
            return -math.inf, ""
    run_in = _run_in(a, b) or _run_in(b, a)
    if run_in:
        bonus, rule = 1.0, f"items {run_in} run in"
    la = sum(len(p.text) for p in a) or 1
    lb = sum(len(p.text) for p in b) or 1
    # either may be the longer (French and Spanish run longer than English): a difference
    # within the expected ratio costs nothing
    off = max(0.0, abs(math.log(lb / la)) - math.log(s.length_ratio))
    length = max(0.0, 1.0 - off / math.log(s.length_span))
    union = ta | tb
    shared = ta & tb
    tokens = len(shared) / len(union) if union else 0.0
    if union and not shared:
        tokens = -0.5  # both carry numbers or names, and none in common
    cost = 0.0 if run_in else s.extra_paragraph * (len(a) + len(b) - 2)
    if a[0].kind != b[0].kind:
        cost += s.other_kind
    score = bonus + length + tokens - cost
    if not rule:
        rule = "order and length" if not shared else \
            "order, length and shared " + ", ".join(sorted(shared)[:4])
    return score, rule


def align(first: Sequence[Para], second: Sequence[Para]) -> list[Aligned]:
    """The pairs of paragraphs of two expressions of one work, in order. In a bead of one
    paragraph against a run, every paragraph of the run pairs with the one."""
    s = settings()
    n, m = len(first), len(second)
    if not n or not m:
        return []
    tok_a = [_tokens(p.text) for p in first]
    tok_b = [_tokens(p.text) for p in second]
    width = max(12, int(s.band * max(n, m)))
    neg = -math.inf
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == j == 0:
                continue
            if abs(i * m / n - j) > width:
                continue
            cands: list[tuple[float, tuple[int, int, str]]] = []
            if i and best[i - 1][j] > neg:
                cands.append((best[i - 1][j], (1, 0, "")))
            if j and best[i][j - 1] > neg:
                cands.append((best[i][j - 1], (0, 1, "")))
            for da, db in _BEADS:
                if i < da or j < db or best[i - da][j - db] == neg:
                    continue
                ta = frozenset().union(*tok_a[i - da:i])
                tb = frozenset().union(*tok_b[j - db:j])
                score, rule = _bead(first[i - da:i], second[j - db:j], ta, tb, s)
                if score >= s.accept:
                    cands.append((best[i - da][j - db] + score, (da, db, rule)))
            if cands:
                value, step = max(cands, key=lambda c: c[0])
                best[i][j], back[i][j] = value, step
    out: list[Aligned] = []
    i, j = n, m
    while i or j:
        cell = back[i][j]
        if cell is None:  # outside the band: walk back along the diagonal
            i, j = max(0, i - 1), max(0, j - 1)
            continue
        da, db, rule = cell
        if rule:
            for x in range(i - da, i):
                for y in range(j - db, j):
                    if da == 1 or db == 1:
                        out.append(Aligned(x, y, rule))
        i, j = i - da, j - db
    out.sort(key=lambda p: (p.second, p.first))
    return out
