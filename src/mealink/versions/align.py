"""Two versions of a text compared paragraph by paragraph: which paragraph of the later
version is which of the earlier one, and what became of each (unchanged, changed, moved,
added, deleted), with the word-level changes of those that changed.

Paragraphs are paired in three passes, each over what the earlier left: the same words
(wherever they stand: a paragraph renumbered because one was inserted before it is moved,
not deleted and added), then the same kind and number with enough words in common
(``same_number`` of ``data/diff.toml``), then the most similar pairs of the same kind above
``similar``. A pair out of the order of the others, or under another number, is moved.
Pure and deterministic: the same documents give the same answer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from mealink.datafiles import load_data
from mealink.models import Document, Kind, Span
from mealink.versions.words import Run, Word, similarity, word_runs, words

__all__ = ["STATUSES", "DiffSettings", "DocumentDiff", "ParagraphChange", "Side", "Status",
           "compare", "document_name", "settings"]

Status = Literal["unchanged", "changed", "moved", "added", "deleted"]
#: the order the summary counts them in
STATUSES: tuple[Status, ...] = ("unchanged", "changed", "added", "deleted", "moved")
_PREFIX = {"preamble": "pre", "operative": "op", "heading": "heading"}


@dataclass(frozen=True, slots=True)
class DiffSettings:
    """The shares of common words that pair two paragraphs (``data/diff.toml``)."""

    same_number: float
    similar: float


@cache
def settings() -> DiffSettings:
    """The thresholds of ``data/diff.toml``, read once."""
    data = load_data("diff.toml")["align"]
    return DiffSettings(float(data["same_number"]), float(data["similar"]))


@dataclass(frozen=True, slots=True)
class Side:
    """One version's paragraph in a change: its place, its label as a reader cites it
    ("¶5", or "pre 3" for the third unnumbered preamble paragraph), its text and the span
    of that text in its document."""

    index: int
    label: str
    kind: Kind
    number: str | None
    text: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        """The side as JSON."""
        return {"index": self.index, "label": self.label, "kind": self.kind,
                "number": self.number, "text": self.text,
                "span": [self.span.start, self.span.end]}


@dataclass(frozen=True, slots=True)
class ParagraphChange:
    """What became of one paragraph: ``a`` in the earlier version, ``b`` in the later (one
    of them none when it was added or deleted), how alike their words are, whether it was
    renumbered or taken out of order, and its word runs (empty for added or deleted)."""

    status: Status
    part: Kind
    a: Side | None
    b: Side | None
    similarity: float
    renumbered: bool = False
    reordered: bool = False
    runs: tuple[Run, ...] = ()

    @property
    def title(self) -> str:
        """'¶5 → ¶6': the paragraph's label in each version, '—' where it is not."""
        return f"{self.a.label if self.a else '—'} → {self.b.label if self.b else '—'}"

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON, spans as [start, end]."""
        return {"status": self.status, "part": self.part, "title": self.title,
                "a": self.a.to_dict() if self.a else None,
                "b": self.b.to_dict() if self.b else None,
                "similarity": round(self.similarity, 3), "renumbered": self.renumbered,
                "reordered": self.reordered, "runs": [r.to_dict() for r in self.runs]}


@dataclass(frozen=True, slots=True)
class DocumentDiff:
    """Two versions compared: their labels and one change per paragraph, in the later
    version's order with each deleted paragraph after the one it followed."""

    a_label: str
    b_label: str
    changes: tuple[ParagraphChange, ...]

    def counts(self) -> dict[str, int]:
        """How many paragraphs are unchanged, changed, added, deleted and moved."""
        n: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for c in self.changes:
            n[c.status] += 1
        return n

    @property
    def identical(self) -> bool:
        """Whether every paragraph is unchanged, in place."""
        return all(c.status == "unchanged" for c in self.changes)

    def summary(self) -> str:
        """'3 unchanged, 1 changed, 0 added, 0 deleted, 2 moved', or that nothing changed."""
        if self.identical:
            return f"The texts are identical: {len(self.changes)} paragraphs, none changed."
        return ", ".join(f"{v} {k}" for k, v in self.counts().items())

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON."""
        return {"a": self.a_label, "b": self.b_label, "identical": self.identical,
                "summary": self.summary(), "counts": self.counts(),
                "changes": [c.to_dict() for c in self.changes]}


def _sides(doc: Document) -> list[Side]:
    seen: dict[str, int] = defaultdict(int)
    out = []
    for i, p in enumerate(doc.paragraphs):
        seen[p.kind] += 1
        label = f"¶{p.number}" if p.number else f"{_PREFIX[p.kind]} {seen[p.kind]}"
        out.append(Side(i, label, p.kind, p.number, p.text, p.body))
    return out


def _pairs(a: list[Side], b: list[Side], wa: list[list[Word]], wb: list[list[Word]],
           cfg: DiffSettings) -> dict[int, tuple[int, float]]:
    """Earlier paragraph index -> (later paragraph index, similarity), in three passes."""
    pairs: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    # 1. the same words, wherever they stand, in order
    by_words: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for j, s in enumerate(b):
        by_words[(s.kind, tuple(w.text for w in wb[j]))].append(j)
    for i, s in enumerate(a):
        free = by_words.get((s.kind, tuple(w.text for w in wa[i])))
        if free:
            j = free.pop(0)
            pairs[i] = (j, 1.0)
            taken.add(j)
    # 2. the same kind and number, enough words in common
    by_number: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, s in enumerate(b):
        if s.number and j not in taken:
            by_number[(s.kind, s.number)].append(j)
    for i, s in enumerate(a):
        if not s.number or i in pairs:
            continue
        for j_num in by_number.get((s.kind, s.number), []):  # a number twice: the first fit
            if j_num in taken:
                continue
            sim = similarity(wa[i], wb[j_num], cfg.same_number)
            if sim >= cfg.same_number:
                pairs[i] = (j_num, sim)
                taken.add(j_num)
                break
    # 3. the most similar of the rest, best first
    scored = sorted((-sim, i, j) for i, s in enumerate(a) if i not in pairs
                    for j, t in enumerate(b) if j not in taken and t.kind == s.kind
                    for sim in (similarity(wa[i], wb[j], cfg.similar),) if sim >= cfg.similar)
    for neg, i, j in scored:
        if i not in pairs and j not in taken:
            pairs[i] = (j, -neg)
            taken.add(j)
    return pairs


def _in_order(pairs: dict[int, tuple[int, float]]) -> set[int]:
    """The earlier indexes of the longest run of pairs in the same order in both versions:
    the others were reordered."""
    items = sorted(pairs.items())
    tails: list[int] = []  # tails[k]: the smallest later index ending a run of k + 1
    tail_at: list[int] = []  # the position in items of that tail
    back: list[int] = []
    for pos, (_, (j, _sim)) in enumerate(items):
        k = bisect_left(tails, j)
        back.append(tail_at[k - 1] if k else -1)
        if k == len(tails):
            tails.append(j)
            tail_at.append(pos)
        else:
            tails[k], tail_at[k] = j, pos
    kept: set[int] = set()
    pos = tail_at[-1] if tail_at else -1
    while pos >= 0:
        kept.add(items[pos][0])
        pos = back[pos]
    return kept


def compare(a: Document, b: Document, a_label: str | None = None,
            b_label: str | None = None, cfg: DiffSettings | None = None) -> DocumentDiff:
    """Compare the earlier version ``a`` with the later ``b``, paragraph by paragraph."""
    cfg = cfg or settings()
    sa, sb = _sides(a), _sides(b)
    wa, wb = [words(s.text) for s in sa], [words(s.text) for s in sb]
    pairs = _pairs(sa, sb, wa, wb, cfg)
    in_order = _in_order(pairs)
    keyed: list[tuple[tuple[int, int, int], ParagraphChange]] = []
    for i, (j, sim) in pairs.items():
        x, y = sa[i], sb[j]
        same = [w.text for w in wa[i]] == [w.text for w in wb[j]]
        renumbered = x.number != y.number
        reordered = i not in in_order
        status: Status = "changed" if not same else \
            "moved" if renumbered or reordered else "unchanged"
        runs = () if same else tuple(word_runs(x.text, y.text))
        keyed.append(((j, 0, 0), ParagraphChange(status, y.kind, x, y, sim, renumbered,
                                                  reordered, runs)))
    matched, later = sorted(pairs), {j for j, _ in pairs.values()}
    for j, y in enumerate(sb):
        if j not in later:
            keyed.append(((j, 0, 0), ParagraphChange("added", y.kind, None, y, 0.0)))
    for i, x in enumerate(sa):
        if i in pairs:
            continue
        before = [k for k in matched if k < i]
        after = pairs[before[-1]][0] if before else -1
        keyed.append(((after, 1, i), ParagraphChange("deleted", x.kind, x, None, 0.0)))
    keyed.sort(key=lambda kc: kc[0])
    return DocumentDiff(a_label or document_name(a), b_label or document_name(b),
                        tuple(c for _, c in keyed))


def document_name(doc: Document) -> str:
    """'CITES Decision 17.170 (Rev. CoP18)': the symbol with its convention, else the file."""
    if not doc.symbol:
        return doc.source
    conv = doc.convention or ""
    return doc.symbol if conv.lower() in doc.symbol.lower() else f"{conv} {doc.symbol}".strip()
