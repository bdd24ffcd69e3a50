"""Questions to the stored corpus: which document is meant, is it in force (as of a
meeting or date), what is its lineage, what is in force, which citations are unresolved.

Each function reads the database and applies the pure rules of ``mealink.link``; the CLI,
the API and the web pages format what they return.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, or_, select

from mealink.errors import NotFoundError
from mealink.link.identifiers import parse_key
from mealink.link.lineage import REMOVALS
from mealink.link.status import PAST, AsOf, DocInfo, EdgeInfo, Status, status_of
from mealink.store.database import Store
from mealink.store.linking import load_graph
from mealink.store.records import short_adoption
from mealink.store.schema import CitationRow, DocumentKeyRow, DocumentRow, EdgeRow, ParagraphRow

__all__ = ["CitedText", "DocumentStatus", "LineageNode", "cited", "find_document", "in_force",
           "lineage", "status", "unresolved"]


@dataclass(frozen=True, slots=True)
class Act:
    """Something another text did to this one."""

    relation: str
    source_id: str
    source: str
    adopted: str | None
    paragraph_id: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    """A document's (or paragraph's) status, with the acts that decided it."""

    document_id: str
    label: str
    title: str | None
    adopted: str | None
    is_stub: bool
    state: str
    in_force: bool
    as_of: str | None
    acts: list[Act]
    paragraph_id: str | None = None
    removed_paragraphs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "label": self.label, "title": self.title,
                "adopted": self.adopted, "in_corpus": not self.is_stub, "state": self.state,
                "in_force": self.in_force, "as_of": self.as_of,
                "paragraph_id": self.paragraph_id,
                "removed_paragraphs": list(self.removed_paragraphs),
                "acts": [{"relation": a.relation, "by": a.source_id, "by_label": a.source,
                          "adopted": a.adopted, "paragraph_id": a.paragraph_id,
                          "paragraphs": list(a.paragraphs)} for a in self.acts]}


def find_document(conn: Connection, text: str) -> tuple[str, str | None]:
    """The stored document ``text`` names (a stable id, a paragraph id, a symbol or a
    citation such as 'CMS Resolution 7.9'), and the paragraph id when it names one."""
    t = text.strip()
    for candidate in dict.fromkeys((t, t.rstrip("/"))):  # a stable id: the usual case
        if conn.execute(select(DocumentRow.id).where(DocumentRow.id == candidate)).first():
            return candidate, None
    row = conn.execute(select(ParagraphRow.document_id).where(ParagraphRow.id == t)).first()
    if row:
        return row.document_id, t
    row = conn.execute(select(DocumentRow.id).where(DocumentRow.symbol == t)).first()
    if row:
        return row.id, None
    key = parse_key(t)
    if key is not None:
        for k in (key.id, key.work.id):
            row = conn.execute(select(DocumentKeyRow.document_id).where(
                DocumentKeyRow.key == k)).first()
            if row:
                return row.document_id, None
    raise NotFoundError(f"{text!r} is not in the corpus and no stored text cites it; check "
                        "the symbol (e.g. 'CMS Resolution 11.10', 'decision XIV/11') or "
                        "ingest it first")


def _acts(statuses: Status, docs: dict[str, DocInfo],
          paragraph_of: dict[tuple[str, str], str | None]) -> list[Act]:
    return [Act(e.relation, e.source, docs[e.source].label,
                short_adoption(docs[e.source].adopted_at), paragraph_of.get((e.source,
                                                                            e.relation)),
                e.paragraphs) for e in statuses.acts]


def _incoming(conn: Connection, target: str) -> tuple[list[EdgeInfo], dict[tuple[str, str],
                                                                         str | None]]:
    rows = conn.execute(select(EdgeRow.source_id, EdgeRow.relation, EdgeRow.target_id,
                               EdgeRow.paragraphs, EdgeRow.paragraph_id).where(
        EdgeRow.target_id == target)).all()
    edges = [EdgeInfo(r.source_id, r.relation, r.target_id,
                      tuple(json.loads(r.paragraphs)) if r.paragraphs else ()) for r in rows]
    return edges, {(r.source_id, r.relation): r.paragraph_id for r in rows}


def status(store: Store, text: str, as_of: AsOf | None = None) -> DocumentStatus:
    """Whether the text (or paragraph) named by ``text`` is in force, and why not."""
    with store.engine.connect() as conn:
        doc_id, paragraph_id = find_document(conn, text)
        docs, _, _ = load_graph(conn)
        edges, paragraph_of = _incoming(conn, doc_id)
        number = None
        if paragraph_id is not None:
            number = conn.execute(select(ParagraphRow.number).where(
                ParagraphRow.id == paragraph_id)).scalar()
    info = docs[doc_id]
    st = status_of(info, edges, docs, as_of)
    state, in_force = st.state, st.in_force
    if paragraph_id is not None and st.in_force:
        hit = [e for e in st.acts if number and any(
            number == p or number.startswith(f"{p}(") for p in e.paragraphs)]
        state, in_force = (PAST[hit[0].relation], False) if hit else ("in force", True)
    return DocumentStatus(doc_id, info.label, None, short_adoption(info.adopted_at),
                          info.is_stub, state, in_force, as_of.label if as_of else None,
                          _acts(st, docs, paragraph_of), paragraph_id, st.removed_paragraphs)


def in_force(store: Store, convention: str | None = None,
             as_of: AsOf | None = None) -> list[DocumentStatus]:
    """Every text of ``convention`` (all when None) that is in force, wholly or in part."""
    with store.engine.connect() as conn:
        docs, _, _ = load_graph(conn)
        rows = conn.execute(select(EdgeRow.source_id, EdgeRow.relation, EdgeRow.target_id,
                                   EdgeRow.paragraphs).where(
            EdgeRow.target_id.is_not(None),
            or_(EdgeRow.relation.in_(REMOVALS), EdgeRow.relation == "revises"))).all()
    incoming: dict[str, list[EdgeInfo]] = defaultdict(list)
    for r in rows:
        if r.source_id in docs and r.target_id in docs:
            incoming[r.target_id].append(EdgeInfo(
                r.source_id, r.relation, r.target_id,
                tuple(json.loads(r.paragraphs)) if r.paragraphs else ()))
    out = []
    for d in sorted(docs.values(), key=lambda d: (d.convention or "", d.adoption_order, d.id)):
        if convention and (d.convention or "").lower() != convention.lower():
            continue
        st = status_of(d, incoming.get(d.id, []), docs, as_of)
        if st.in_force:
            out.append(DocumentStatus(d.id, d.label, None, short_adoption(d.adopted_at),
                                      d.is_stub, st.state, True,
                                      as_of.label if as_of else None, _acts(st, docs, {}),
                                      None, st.removed_paragraphs))
    return out


@dataclass(slots=True)
class LineageNode:
    """A document in a lineage tree, with the edges that lead on from it."""

    document_id: str
    label: str
    relation: str | None
    paragraphs: tuple[str, ...]
    in_corpus: bool
    state: str
    children: list[LineageNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "label": self.label,
                "relation": self.relation, "paragraphs": list(self.paragraphs),
                "in_corpus": self.in_corpus, "state": self.state,
                "children": [c.to_dict() for c in self.children]}


def lineage(store: Store, text: str, *, citations: bool = False,
            depth: int = 4) -> tuple[LineageNode, LineageNode]:
    """Ancestors (what this text revises, repeals, retires ..., recursively) and
    descendants (what revised, repealed, retired ... it), as two trees rooted at it;
    ``citations`` adds recalls and cites."""
    relations = set(REMOVALS) | {"revises"}
    if citations:
        relations |= {"recalls", "cites"}
    with store.engine.connect() as conn:
        doc_id, _ = find_document(conn, text)
        rows = conn.execute(select(EdgeRow.source_id, EdgeRow.relation, EdgeRow.target_id,
                                   EdgeRow.paragraphs).where(
            EdgeRow.target_id.is_not(None), EdgeRow.relation.in_(relations))).all()
        meta = {r.id: (r.label, not r.is_stub, r.status) for r in conn.execute(
            select(DocumentRow.id, DocumentRow.label, DocumentRow.is_stub, DocumentRow.status))}
    out_edges: dict[str, list[Any]] = defaultdict(list)
    in_edges: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        if r.source_id != r.target_id:
            out_edges[r.source_id].append(r)
            in_edges[r.target_id].append(r)

    def build(node_id: str, rel: str | None, scope: tuple[str, ...], up: bool, level: int,
              seen: frozenset[str]) -> LineageNode:
        label, in_corpus, state = meta[node_id]
        node = LineageNode(node_id, label, rel, scope, in_corpus, state)
        if level >= depth:
            return node
        for r in (out_edges if up else in_edges)[node_id]:
            nxt = r.target_id if up else r.source_id
            if nxt in seen or nxt not in meta:
                continue
            sc = tuple(json.loads(r.paragraphs)) if r.paragraphs else ()
            node.children.append(build(nxt, r.relation, sc, up, level + 1, seen | {nxt}))
        return node

    return (build(doc_id, None, (), True, 0, frozenset({doc_id})),
            build(doc_id, None, (), False, 0, frozenset({doc_id})))


@dataclass(frozen=True, slots=True)
class CitedText:
    """A cited text, how often and by whom; ``in_corpus`` False means what to ingest next."""

    target: str
    key: str | None
    count: int
    cited_by: list[str]
    in_corpus: bool

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "key": self.key, "count": self.count,
                "cited_by": self.cited_by, "in_corpus": self.in_corpus}


def cited(store: Store, *, unresolved_only: bool = False) -> list[CitedText]:
    """Every cited text (or only those whose text is not in the corpus), most cited first."""
    with store.engine.connect() as conn:
        stubs = set(conn.execute(select(DocumentRow.id).where(DocumentRow.is_stub)).scalars())
        rows = conn.execute(select(CitationRow.target_key, CitationRow.target_label,
                                   CitationRow.written, CitationRow.target_id,
                                   CitationRow.document_id, func.count().label("n")).group_by(
            CitationRow.target_key, CitationRow.target_label, CitationRow.written,
            CitationRow.target_id, CitationRow.document_id)).all()
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        stored = r.target_id is not None and r.target_id not in stubs
        if stored and unresolved_only:
            continue
        name = r.target_label or r.written
        g = groups.setdefault(r.target_key or name, {"target": name, "key": r.target_key,
                                                      "count": 0, "by": set(),
                                                      "stored": stored})
        g["count"] += r.n
        g["by"].add(r.document_id)
    return sorted((CitedText(g["target"], g["key"], g["count"], sorted(g["by"]), g["stored"])
                   for g in groups.values()), key=lambda u: (-u.count, u.target))


def unresolved(store: Store) -> list[CitedText]:
    """Citations that do not lead to a stored text, most cited first."""
    return cited(store, unresolved_only=True)
