"""Overlapping mandates: in-force asks of different conventions, addressed to the same kind of
actor, that ask for the same work; pairs ranked by similarity, grouped into clusters labelled
by topic. Pure: mandate items and their action vectors in, overlaps out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.semantic.neighbours import close_pairs
from mealink.semantic.terms import content_words, stem

if TYPE_CHECKING:
    from numpy.typing import NDArray

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

__all__ = ["Cluster", "MandateItem", "Overlap", "clusters_of", "find_overlaps", "shared_words"]


@dataclass(frozen=True, slots=True)
class MandateItem:
    """What one paragraph asks of one kind of addressee (Parties and non-Parties asked in one
    paragraph are two items; CMS's Secretariat and CBD's Executive Secretary one family)."""

    key: str  # paragraph id + "/" + family
    paragraph_id: str
    document_id: str
    document: str  # its label: "CMS Resolution 13.5"
    convention: str
    number: str | None
    family: str
    actors: tuple[str, ...]
    action: str
    status: str
    mandate_ids: tuple[str, ...]
    topics: tuple[str, ...] = ()
    adopted: str | None = None  # ISO date, for "earliest"
    title_topics: tuple[str, ...] = ()  # topics of its document's title: a dedicated text

    @property
    def where(self) -> str:
        """'CMS Resolution 13.5 ¶5'; an unnumbered paragraph by its first words."""
        if self.number:
            return f"{self.document} ¶{self.number}"
        words = self.action.split()
        return f"{self.document} (“{' '.join(words[:5])}{'…' if len(words) > 5 else ''}”)"

    def to_dict(self) -> dict[str, Any]:
        return {"paragraph_id": self.paragraph_id, "document_id": self.document_id,
                "document": self.document, "convention": self.convention,
                "paragraph": self.number, "addressee": self.family,
                "actors": list(self.actors), "action": self.action, "status": self.status,
                "mandates": list(self.mandate_ids), "topics": list(self.topics)}


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two mandates that ask for the same work, with the words they share (spans into each
    action) so a reader sees the common ground."""

    a: MandateItem
    b: MandateItem
    similarity: float
    shared: tuple[str, ...]
    a_spans: tuple[tuple[int, int], ...]
    b_spans: tuple[tuple[int, int], ...]
    topics: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"similarity": round(self.similarity, 4), "shared_terms": list(self.shared),
                "topics": list(self.topics),
                "a": {**self.a.to_dict(), "highlights": [list(s) for s in self.a_spans]},
                "b": {**self.b.to_dict(), "highlights": [list(s) for s in self.b_spans]}}


@dataclass(frozen=True, slots=True)
class Cluster:
    """Mandates joined by overlaps (single link), labelled by their most common topic."""

    label: str | None
    members: tuple[MandateItem, ...]
    overlaps: tuple[Overlap, ...] = field(default=())

    @property
    def conventions(self) -> tuple[str, ...]:
        return tuple(sorted({m.convention for m in self.members}))

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.label, "conventions": list(self.conventions),
                "members": [m.to_dict() for m in self.members],
                "pairs": [[o.a.key, o.b.key, round(o.similarity, 4)] for o in self.overlaps]}


def shared_words(a: str, b: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...],
                                        tuple[tuple[int, int], ...]]:
    """Content words two texts share (by stem), and their spans in each."""
    word = _WORD
    stems_a = {stem(w) for w in content_words(a)}
    stems_b = {stem(w) for w in content_words(b)}
    common = stems_a & stems_b
    names: dict[str, str] = {}
    spans_a = []
    for m in word.finditer(a):
        s = stem(m.group(0))
        if s in common:
            names.setdefault(s, m.group(0).lower())
            spans_a.append((m.start(), m.end()))
    spans_b = [(m.start(), m.end()) for m in word.finditer(b) if stem(m.group(0)) in common]
    return tuple(names.values()), tuple(spans_a), tuple(spans_b)


def find_overlaps(items: list[MandateItem], vectors: NDArray[np.float32], threshold: float,
                  *, words: bool = True) -> list[Overlap]:
    """Pairs of items of different conventions and one addressee family whose actions'
    cosine reaches ``threshold``, most similar first; ``words=False`` leaves out the shared
    words (for a caller that only groups the pairs: they are most of the time)."""
    if len(items) < 2:
        return []
    # a group per (convention, family): pairs must differ in convention and share a family,
    # so compare within each family, grouping by convention
    out: list[Overlap] = []
    by_family: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_family.setdefault(it.family, []).append(i)
    for rows in by_family.values():
        if len({items[i].convention for i in rows}) < 2:
            continue
        conv = {c: n for n, c in enumerate(sorted({items[i].convention for i in rows}))}
        groups = np.array([conv[items[i].convention] for i in rows], dtype=np.int32)
        pairs = close_pairs(vectors[rows], groups, threshold)
        for a, b, s in zip(pairs.left.tolist(), pairs.right.tolist(),
                           pairs.similarity.tolist(), strict=True):
            x, y = items[rows[a]], items[rows[b]]
            if (x.convention, x.key) > (y.convention, y.key):
                x, y = y, x
            shared, sa, sb = shared_words(x.action, y.action) if words else ((), (), ())
            topics = tuple(t for t in x.topics if t in set(y.topics))
            out.append(Overlap(x, y, float(s), shared, sa, sb, topics))
    out.sort(key=lambda o: (-o.similarity, o.a.key, o.b.key))
    return out


def clusters_of(overlaps: list[Overlap], labels: dict[str, str] | None = None
                ) -> list[Cluster]:
    """Connected groups of overlapping mandates, largest first, each labelled by the topic
    most of its members carry (its label from ``labels`` when given)."""
    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    items: dict[str, MandateItem] = {}
    for o in overlaps:
        items[o.a.key], items[o.b.key] = o.a, o.b
        ra, rb = root(o.a.key), root(o.b.key)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[MandateItem]] = {}
    for k, it in items.items():
        groups.setdefault(root(k), []).append(it)
    clusters = []
    for r, members in groups.items():
        counts = Counter(t for m in members for t in m.topics)
        top = counts.most_common(1)[0][0] if counts else None
        label = (labels or {}).get(top, top) if top else None
        mine = tuple(o for o in overlaps if root(o.a.key) == r)
        clusters.append(Cluster(label, tuple(sorted(members, key=lambda m: (m.convention,
                                                                             m.key))), mine))
    clusters.sort(key=lambda c: (-len(c.conventions), -len(c.members),
                                 -max(o.similarity for o in c.overlaps)))
    return clusters
