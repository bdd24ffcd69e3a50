"""What a search answers with, on every engine and in every mode: the filters a query takes,
one matching paragraph (``Hit``), why it matched (``Why``), and the closest paragraph when
none is shown (``Closest``). Plain values, so the keyword engine, the meaning search and the
front ends share them without importing one another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Closest", "Counterpart", "Hit", "SearchFilters", "Why"]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Filters on paragraphs: each one None means no filter."""

    convention: str | None = None
    document: str | None = None
    meeting: int | None = None
    kind: str | None = None
    verb: str | None = None
    actor: str | None = None
    in_force: bool | None = None


@dataclass(frozen=True, slots=True)
class Counterpart:
    """The same paragraph in another language of its text (aligned when the expression was
    stored): what a hit brings from the other languages."""

    paragraph_id: str
    document_id: str
    language: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"paragraph_id": self.paragraph_id, "document_id": self.document_id,
                "language": self.language, "text": self.text}


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching paragraph: its stable id, where it is, a snippet and its score."""

    paragraph_id: str
    document_id: str
    document: str
    convention: str | None
    number: str | None
    kind: str
    verb: str | None
    in_force: bool
    score: float
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    why: Why | None = None
    #: its language, and the same paragraph in the other languages its text is stored in
    language: str | None = None
    counterparts: tuple[Counterpart, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paragraph_id": self.paragraph_id, "document_id": self.document_id,
                "document": self.document, "convention": self.convention,
                "number": self.number, "kind": self.kind, "verb": self.verb,
                "in_force": self.in_force, "score": round(self.score, 4),
                "snippet": self.snippet, "highlights": [list(h) for h in self.highlights]}
        if self.why is not None:
            out["why"] = self.why.to_dict()
        if self.language is not None:
            out["language"] = self.language
        out["counterparts"] = [c.to_dict() for c in self.counterparts]
        return out


@dataclass(frozen=True, slots=True)
class Why:
    """Why a paragraph matched a query."""

    similarity: float | None
    keyword_rank: int | None
    semantic_rank: int | None
    shared_terms: tuple[str, ...]
    topics: tuple[str, ...]
    #: the query's quoted phrases this paragraph does not hold: shown for its meaning only
    lacks: tuple[str, ...] = ()

    @property
    def related(self) -> str | None:
        """'related: does not contain “Liaison Group”' for a paragraph shown for its meaning
        that lacks a quoted phrase of the query; None otherwise."""
        if not self.lacks:
            return None
        return "related: does not contain " + ", ".join(f"“{p}”" for p in self.lacks)

    def to_dict(self) -> dict[str, Any]:
        return {"similarity": None if self.similarity is None else round(self.similarity, 4),
                "keyword_rank": self.keyword_rank, "semantic_rank": self.semantic_rank,
                "shared_terms": list(self.shared_terms), "topics": list(self.topics),
                "lacks_phrases": list(self.lacks), "related": self.related}


@dataclass(frozen=True, slots=True)
class Closest:
    """The paragraph closest in meaning to a query for which no paragraph is shown."""

    paragraph_id: str
    document: str
    number: str | None
    kind: str
    similarity: float

    @property
    def name(self) -> str:
        """'CMS Resolution 11.10 ¶5', or 'CMS Resolution 13.905, preamble paragraph 3'."""
        if self.number:
            return f"{self.document} ¶{self.number}"
        ordinal = self.paragraph_id.rsplit("_", 1)[-1]
        return f"{self.document}, {self.kind} paragraph" + (
            f" {ordinal}" if ordinal.isdigit() else "")

    def to_dict(self) -> dict[str, Any]:
        return {"paragraph_id": self.paragraph_id, "document": self.document,
                "number": self.number, "name": self.name,
                "similarity": round(self.similarity, 4)}
