"""What one annotated document says about other texts: citations and lineage edges.

``document_links`` is pure: from a document it gives the keys it is known by, each citation
with the keys it names (and the title the citation gives it: 'Resolution 10.25 on
“Enhancing Engagement with the Global Environment Facility”'), and the edges it creates:
``repeals``, ``retires``, ``supersedes`` and ``consolidates`` (in full, or of listed
paragraphs), ``keeps`` (an operative paragraph that keeps a text in force past the meeting
it was adopted for), ``recalls`` (cited in a "Recalling" paragraph) and ``cites``.
``revises`` edges need the other versions of a text, so the store adds them when it links
the whole corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mealink.link.identifiers import DocKey, citation_keys, document_keys
from mealink.link.scopes import scope_around
from mealink.models import Document, Paragraph, Reference
from mealink.numbering import numbering

__all__ = ["Citation", "DocumentLinks", "Edge", "cited_title", "document_links", "removal_relation"]

#: Relations that take a text (or some of its paragraphs) out of force.
REMOVALS = ("repeals", "retires", "supersedes", "consolidates")


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference found in a paragraph, with the texts it names."""

    paragraph: int
    reference: Reference
    keys: tuple[DocKey, ...]
    paragraphs: tuple[str, ...]
    relation: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A lineage edge from this document to a text (``target`` None when the text is only
    described, as in 'the decisions ... listed in the annex')."""

    relation: str
    target: DocKey | None
    paragraphs: tuple[str, ...]
    paragraph: int | None
    written: str


@dataclass(frozen=True, slots=True)
class DocumentLinks:
    """Everything ``link`` needs from one document."""

    keys: tuple[DocKey, ...]
    citations: tuple[Citation, ...]
    edges: tuple[Edge, ...]


def removal_relation(text: str, title: str | None = None) -> str:
    """The relation an operative paragraph creates with the texts it repeals: the first of
    the relation words (data/numbering.toml) in the paragraph; a consolidation when the
    paragraph or the title says so."""
    lower = text.lower()
    rel = numbering().relations
    if any(s in lower or (title and s in title.lower()) for s in rel["consolidates"]):
        return "consolidates"
    best, where = "repeals", len(lower) + 1
    for name in ("retires", "supersedes", "repeals"):
        for stem in rel[name]:
            i = lower.find(stem)
            if 0 <= i < where:
                best, where = name, i
    return best


_QUOTED_TITLE = re.compile(
    r"\s*,?\s*(?:on|entitled|titled)?\s*[“\"«]\s*(?P<t>[^”\"»]{4,200}?)\s*[”\"»]")
_PLAIN_TITLE = re.compile(
    r"\s+on\s+(?P<t>[A-Z][\w’'-]*(?:\s+(?:(?:and|of|the|in|on|for|to|with|between|related)\s+)*"
    r"[A-Z][\w’'-]*){1,13})(?=\s*[,;.)]|\s*$)")


def cited_title(text: str, end: int, limit: int) -> str | None:
    """The title a citation gives the text it cites, right after it: 'Resolution 7.9 on
    “Cooperation with Other Bodies and Processes”' or 'Resolution 7.2 (Rev.COP12) on Impact
    Assessment and Migratory Species,' (capitalised words up to punctuation; words that run
    on in lower case may be part of a longer title, so they give none)."""
    window = text[end:min(limit, end + 260)]
    m = _QUOTED_TITLE.match(window)
    if m:
        return " ".join(m.group("t").split()).rstrip(" ,;.")
    m = _PLAIN_TITLE.match(window)
    return " ".join(m.group("t").split()) if m else None


def _keeps(text: str, start: int, end: int) -> bool:
    """Whether words that keep a text in force stand near the citation at [start, end)."""
    lower = text[max(0, start - 160):end + 160].lower()
    return any(k in lower for k in numbering().relations.get("keeps", ()))


def _is_recall(p: Paragraph) -> bool:
    if p.kind != "preamble" or p.lead is None:
        return False
    lead = p.lead.value.lower()
    return any(stem in lead for stem in numbering().relations["recalls"])


def document_links(doc: Document) -> DocumentLinks:
    """Keys, citations and lineage edges of an annotated document."""
    keys = document_keys(doc.convention, doc.symbol, doc.number, doc.revision)
    own = set(keys)
    text = doc.text
    citations: list[Citation] = []
    edges: list[Edge] = []
    seen: set[tuple[str, DocKey]] = set()
    for i, p in enumerate(doc.paragraphs):
        relation = "recalls" if _is_recall(p) else "cites"
        for ref in p.references:
            ref_keys = tuple(k for k in citation_keys(ref.type, ref.identifier, ref.text,
                                                      doc.convention, ref.convention)
                             if k not in own)
            scope = scope_around(text, ref.span.start, ref.span.end, p.body.end) \
                if len(ref_keys) == 1 else ()
            title = cited_title(text, ref.span.end, p.body.end) if len(ref_keys) == 1 else None
            citations.append(Citation(i, ref, ref_keys, scope, relation, title))
            for k in ref_keys:
                if k.type != "document" and (relation, k) not in seen:
                    seen.add((relation, k))
                    edges.append(Edge(relation, k, (), i, ref.text))
                if p.kind == "operative" and k.type != "document" and not p.repeals and \
                        ("keeps", k) not in seen and _keeps(text, ref.span.start, ref.span.end):
                    seen.add(("keeps", k))
                    edges.append(Edge("keeps", k, (), i, ref.text))
        if p.repeals:
            removal = removal_relation(text[p.body.start:p.body.end], doc.title)
            for mention in p.repeals:
                inside = [c for c in citations if c.paragraph == i and c.keys
                          and mention.span.start <= c.reference.span.start < mention.span.end
                          and not c.reference.in_footnote]
                if not inside:
                    edges.append(Edge(removal, None, (), i, mention.value))
                for c in inside:
                    for k in c.keys:
                        edges.append(Edge(removal, k, c.paragraphs, i, mention.value))
    return DocumentLinks(tuple(keys), tuple(citations), tuple(edges))
