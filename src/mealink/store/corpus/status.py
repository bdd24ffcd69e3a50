"""Questions to the stored corpus: which document is meant, is it in force (as of a
meeting or date), what is its lineage, what is in force, which citations are unresolved.

Each function reads the database and applies the pure rules of ``mealink.link``; the CLI,
the API and the web pages format what they return.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from mealink.errors import NotFoundError
from mealink.link.identifiers import DocKey, citation_keys, parse_keys
from mealink.link.lineage import REMOVALS
from mealink.link.status import (
    PAST,
    AsOf,
    DocInfo,
    EdgeInfo,
    Evidence,
    Status,
    meeting_label,
    status_of,
)
from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import MeetingEntry
from mealink.store.calendar import calendar_for
from mealink.store.corpus.graph import edge_infos, load_graph
from mealink.store.corpus.records import short_adoption
from mealink.store.engine.reader import Reader, as_date, first, reading

if TYPE_CHECKING:
    from mealink.store.engine.database import Store

__all__ = ["CitedText", "DocumentStatus", "LineageNode", "cited", "document_id", "find_document",
           "in_force", "lineage", "status", "unresolved"]


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
    """A document's (or paragraph's) status, what it rests on, and who adopted the text.

    ``in_force`` is True, False or None (cannot be told: a text known only from
    citations); ``evidence`` is what a reader can check: the paragraph that repealed,
    replaced or retired it, the rule that made it lapse, or that no evidence says either
    way."""

    document_id: str
    label: str
    title: str | None
    adopted: str | None
    is_stub: bool
    state: str
    in_force: bool | None
    as_of: str | None
    acts: list[Act]
    paragraph_id: str | None = None
    removed_paragraphs: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    adoption: str = "unknown"
    adopted_by: str | None = None
    adoption_evidence: str | None = None
    identified_by: str | None = None
    asked: str | None = None  # what the question named, when it is a part of this text
    lapsed_at: str | None = None  # the meeting a text adopted for one period lasts until

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "label": self.label, "title": self.title,
                "asked": self.asked, "adopted": self.adopted, "in_corpus": not self.is_stub,
                "state": self.state, "in_force": self.in_force, "as_of": self.as_of,
                "lapses_at": self.lapsed_at,
                "paragraph_id": self.paragraph_id,
                "removed_paragraphs": list(self.removed_paragraphs),
                "evidence": [e.to_dict() for e in self.evidence],
                "adoption": self.adoption, "adopted_by": self.adopted_by,
                "adoption_evidence": self.adoption_evidence,
                "identified_by": self.identified_by,
                "acts": [{"relation": a.relation, "by": a.source_id, "by_label": a.source,
                          "adopted": a.adopted, "paragraph_id": a.paragraph_id,
                          "paragraphs": list(a.paragraphs)} for a in self.acts]}


def _versions_note(reader: Reader, key_id: str, work_id: str) -> str:
    rows = reader.rows(
        "SELECT DISTINCT d.label, d.is_stub, d.meeting FROM documents d"
        " JOIN document_keys k ON k.document_id = d.id"
        " WHERE k.key = :work OR k.key LIKE :revised ORDER BY d.meeting, d.label",
        {"work": work_id, "revised": f"{work_id}-rev-%"})
    if not rows:
        return ""
    known = "; ".join(f"{label} ({'known from citations' if is_stub else 'stored'})"
                      for label, is_stub, _ in rows)
    return f"; the corpus knows other versions: {known}"


def find_document(reader: Reader, text: str) -> tuple[str, str | None]:
    """The stored document ``text`` names (a stable id, a paragraph id, a symbol or a
    citation such as 'CMS Resolution 7.9'), and the paragraph id when it names one. A
    citation with a revision mark names that version only."""
    t = text.strip()
    for candidate in dict.fromkeys((t, t.rstrip("/"))):  # a stable id: the usual case
        if reader.rows("SELECT id FROM documents WHERE id = :id", {"id": candidate}):
            return candidate, None
    holder = first(reader.rows("SELECT document_id FROM paragraphs WHERE id = :id", {"id": t}))
    if holder is not None:
        return holder, t
    by_symbol = {r[0] for r in reader.rows("SELECT id FROM documents WHERE symbol = :symbol",
                                           {"symbol": t})}
    keys = parse_keys(t)
    note = ""
    stored = by_symbol or {r[0] for k in keys for r in reader.rows(
        "SELECT document_id FROM document_keys WHERE key = :key", {"key": k.id})[:1]}
    if len(stored) == 1:
        return stored.pop(), None
    if stored:  # the number fits several conventions and each has a stored text of it
        raise NotFoundError(f"{text!r} names no convention and fits {len(stored)} stored "
                            f"texts ({', '.join(sorted(stored))}); name the convention, "
                            "e.g. 'CITES Decision 19.30'")
    if keys:
        note = _versions_note(reader, keys[0].id, keys[0].work.id)
    raise NotFoundError(f"{text!r} is not in the corpus and no stored text cites it{note}; "
                        "check the symbol (e.g. 'CMS Resolution 11.10', 'decision XIV/11') or "
                        "ingest it first")


def primary_text(reader: Reader, doc_id: str, paragraph_id: str | None = None
                 ) -> tuple[str, str | None]:
    """Another language's expression answers for its work through the primary text: the
    primary's id, and the counterpart of ``paragraph_id`` (None when it has none)."""
    primary = first(reader.rows("SELECT expression_of FROM documents WHERE id = :id",
                                {"id": doc_id}))
    if primary is None:
        return doc_id, paragraph_id
    if paragraph_id is not None:
        paragraph_id = first(reader.rows("SELECT aligned_to FROM paragraphs WHERE id = :id",
                                         {"id": paragraph_id}))
    return primary, paragraph_id


def document_id(store: Store, text: str) -> str:
    """The stable id of the stored document ``text`` names (a stable id, a symbol or a
    citation such as 'CMS Res.11.10'), so a filter takes what a reader types."""
    with reading(store) as reader:
        return find_document(reader, text)[0]


def _acts(statuses: Status, docs: dict[str, DocInfo]) -> list[Act]:
    return [Act(e.relation, e.source, docs[e.source].label,
                short_adoption(docs[e.source].adopted_at), e.paragraph_id, e.paragraphs)
            for e in statuses.acts]


def _cited_by(reader: Reader, doc_id: str, limit: int = 6) -> Evidence | None:
    """'cited by CMS Resolution 11.10 (pre 1, para 20)': where a text known only from
    citations is known from."""
    rows = reader.rows(
        "SELECT d.label, p.anchor FROM citations c"
        " JOIN paragraphs p ON p.pk = c.paragraph_pk JOIN documents d ON d.id = c.document_id"
        " WHERE c.target_id = :id ORDER BY c.pk", {"id": doc_id})
    if not rows:
        return None
    where: dict[str, list[str]] = {}
    for label, written_anchor in rows:
        where.setdefault(label, [])
        anchor = written_anchor.replace("_", " ")
        if anchor not in where[label]:
            where[label].append(anchor)
    shown = [f"{label} ({', '.join(anchors)})" for label, anchors in list(where.items())[:limit]]
    more = f" and {len(where) - limit} more" if len(where) > limit else ""
    return Evidence("citations", f"known from citations: {'; '.join(shown)}{more}")


class _Stored(NamedTuple):
    label: str
    meeting: int | None
    adopted_on: date | None


def _coverage(reader: Reader, convention: str | None, calendar: Calendar) -> Evidence:
    """How far the corpus reaches for a convention: an 'in force' answer is no stronger."""
    same = "convention IS NULL" if convention is None else "convention = :convention"
    rows = [_Stored(label, meeting, as_date(day)) for label, meeting, day in reader.rows(
        f"SELECT label, meeting, adopted_on FROM documents WHERE NOT is_stub AND {same}"
        " AND expression_of IS NULL", {"convention": convention})]
    if not rows:
        return Evidence("none", "no stored text of its convention")

    def when(r: _Stored) -> date | None:
        return r.adopted_on or calendar.end_of(convention, "COP", r.meeting)

    dated = [r for r in rows if when(r) is not None]
    n = f"{len(rows)} stored text{'s' if len(rows) != 1 else ''} of {convention}"
    if not dated:
        return Evidence("none", f"consulted: {n}, none of them dated")
    latest = max(dated, key=lambda r: (when(r), r.label))
    day = when(latest)
    meeting = f"{meeting_label(convention, latest.meeting)}, " if latest.meeting else ""
    return Evidence("none", f"consulted: {n}, the latest {latest.label} ({meeting}"
                            f"{day.year if day else ''})")


def _store_status(reader: Reader, info: DocInfo, st: Status, docs: dict[str, DocInfo],
                  calendar: Calendar, as_of: AsOf | None) -> DocumentStatus:
    evidence = list(st.evidence)
    if info.is_stub and st.state == "no repeal known":
        cited = _cited_by(reader, info.id)
        if cited is not None:
            evidence.append(cited)
    elif st.state in ("in force", "in force in part"):
        evidence.append(_coverage(reader, info.convention, calendar))
    found = reader.rows("SELECT title, identified_by FROM documents WHERE id = :id",
                        {"id": info.id})
    title, identified_by = found[0] if found else (None, None)
    return DocumentStatus(
        info.id, info.label, title, short_adoption(info.adopted_at),
        info.is_stub, st.state, st.in_force, as_of.label if as_of else None, _acts(st, docs),
        None, st.removed_paragraphs, tuple(evidence), info.adoption, info.adopted_by,
        info.adoption_evidence, identified_by, lapsed_at=st.lapsed_at)


def status(store: Store | Reader, text: str, as_of: AsOf | None = None,
           meetings: Iterable[MeetingEntry] = ()) -> DocumentStatus:
    """Whether the text (or paragraph) named by ``text`` is in force, why (not), and what
    that rests on."""
    with reading(store) as reader:
        doc_id, paragraph_id = primary_text(reader, *find_document(reader, text))
        docs, _, _ = load_graph(reader)
        edges = edge_infos(reader, doc_id)
        calendar = calendar_for(reader, meetings)
        info = docs[doc_id]
        st = status_of(info, edges, docs, as_of, calendar)
        out = _store_status(reader, info, st, docs, calendar, as_of)
        held = {r[0] for r in reader.rows(
            "SELECT key FROM document_keys WHERE document_id = :id", {"id": doc_id})}
        # the key the text was found by (of the conventions 'Decision 19.30' may mean)
        key = next((k for k in parse_keys(text.strip()) if k.id in held), None)
        if paragraph_id is None and key is not None and key.id != doc_id and len(held) > 1:
            out = replace(out, asked=key.label)
            paragraph_id = first(reader.rows(
                "SELECT id FROM paragraphs WHERE document_id = :doc AND number = :number",
                {"doc": doc_id, "number": key.number}))
        number = first(reader.rows("SELECT number FROM paragraphs WHERE id = :id",
                                   {"id": paragraph_id})) if paragraph_id is not None else None
    if paragraph_id is None:
        return out
    out = replace(out, paragraph_id=paragraph_id)
    if st.in_force:
        def reaches(p: str) -> bool:
            return bool(number) and (number == p or str(number).startswith(f"{p}("))

        hit = [e for e in st.acts if any(reaches(p) for p in e.paragraphs)]
        if hit:
            evidence = tuple(e for e in out.evidence if e.paragraph_id == hit[0].paragraph_id
                             and e.kind == "act")
            return replace(out, state=PAST[hit[0].relation], in_force=False, evidence=evidence)
        if any(reaches(p) for p in st.page_removed):  # as the publisher's page says
            return replace(out, state="retired", in_force=False,
                           evidence=tuple(e for e in out.evidence if e.kind == "page"))
        if any(reaches(p) for p in st.removed_paragraphs):  # a decision of a group not kept
            return replace(out, state="expected to have lapsed", in_force=False,
                           evidence=tuple(e for e in out.evidence if e.kind == "rule"))
        return replace(out, state="in force")
    return out


def in_force(store: Store | Reader, convention: str | None = None, as_of: AsOf | None = None, *,
             include_cited: bool = False,
             meetings: Iterable[MeetingEntry] = ()) -> list[DocumentStatus]:
    """Every stored text of ``convention`` (all when None) that is in force, wholly or in
    part; ``include_cited`` adds the texts known only from citations that nothing known
    ends ("no repeal known"), labelled so."""
    with reading(store) as reader:
        docs, _, _ = load_graph(reader)
        incoming: dict[str, list[EdgeInfo]] = defaultdict(list)
        for e in edge_infos(reader):
            if e.source in docs and e.target in docs and e.target is not None and \
                    e.relation in (*REMOVALS, "revises", "keeps"):
                incoming[e.target].append(e)
        calendar = calendar_for(reader, meetings)
        titles: dict[str, str | None] = dict(reader.rows("SELECT id, title FROM documents"))
        coverage: dict[str | None, Evidence] = {}
        out = []
        for d in sorted(docs.values(),
                        key=lambda d: (d.convention or "", d.adoption_order, d.id)):
            if convention and (d.convention or "").lower() != convention.lower():
                continue
            if d.is_stub and not include_cited:
                continue
            st = status_of(d, incoming.get(d.id, []), docs, as_of, calendar)
            if not (st.in_force or (include_cited and st.state == "no repeal known")):
                continue
            evidence = list(st.evidence)
            if not d.is_stub:
                if d.convention not in coverage:
                    coverage[d.convention] = _coverage(reader, d.convention, calendar)
                evidence.append(coverage[d.convention])
            out.append(DocumentStatus(d.id, d.label, titles.get(d.id),
                                      short_adoption(d.adopted_at), d.is_stub, st.state,
                                      st.in_force, as_of.label if as_of else None,
                                      _acts(st, docs), None, st.removed_paragraphs,
                                      tuple(evidence), d.adoption, d.adopted_by,
                                      d.adoption_evidence, lapsed_at=st.lapsed_at))
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
    #: what the edge to this node rests on: the paragraph that repeals, retires, keeps ...
    #: (its stable id), or "revision mark" for a later version known by its symbol
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "label": self.label,
                "relation": self.relation, "paragraphs": list(self.paragraphs),
                "via": self.via, "in_corpus": self.in_corpus, "state": self.state,
                "children": [c.to_dict() for c in self.children]}


class _Edge(NamedTuple):
    source_id: str
    relation: str
    target_id: str
    paragraphs: str | None
    paragraph_id: str | None
    derived: bool


def lineage(store: Store | Reader, text: str, *, citations: bool = False,
            depth: int = 4) -> tuple[LineageNode, LineageNode]:
    """Ancestors (what this text revises, repeals, retires ..., recursively) and
    descendants (what revised, repealed, retired ... it), as two trees rooted at it;
    ``citations`` adds recalls and cites."""
    relations = set(REMOVALS) | {"revises", "keeps"}
    if citations:
        relations |= {"recalls", "cites"}
    with reading(store) as reader:
        doc_id, _ = primary_text(reader, find_document(reader, text)[0])
        rows = [_Edge(*r) for r in reader.rows(
            "SELECT source_id, relation, target_id, paragraphs, paragraph_id, derived FROM edges"
            " WHERE target_id IS NOT NULL AND relation IN :relations",
            {"relations": relations})]
        meta = {doc: (label, not is_stub, state) for doc, label, is_stub, state in reader.rows(
            "SELECT id, label, is_stub, status FROM documents")}
    out_edges: dict[str, list[_Edge]] = defaultdict(list)
    in_edges: dict[str, list[_Edge]] = defaultdict(list)
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
            child = build(nxt, r.relation, sc, up, level + 1, seen | {nxt})
            child.via = "revision mark" if r.derived else r.paragraph_id
            node.children.append(child)
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


def cited(store: Store | Reader, *, unresolved_only: bool = False) -> list[CitedText]:
    """Every cited text (or only those whose text is not in the corpus), most cited first.

    ``count`` is the number of citations of the text in stored texts, counted the same way
    in both lists (the unresolved list is a subset of the full one); a text citing itself
    or an item it holds ('Decision 14.10' citing 14.11 in 'Decisions 14.10-14.12') is left
    out of both: there is nothing to ingest."""
    columns = ("c.target_key, c.target_label, c.written, c.target_id, c.document_id, c.type,"
               " c.identifier, d.convention")
    with reading(store) as reader:
        stubs = {r[0] for r in reader.rows("SELECT id FROM documents WHERE is_stub")}
        own: dict[str, set[str]] = defaultdict(set)
        for key, doc_id in reader.rows("SELECT key, document_id FROM document_keys"):
            own[doc_id].add(key)
        rows = reader.rows(f"SELECT {columns}, COUNT(*) FROM citations c"
                           f" JOIN documents d ON d.id = c.document_id GROUP BY {columns}")
    groups: dict[str, dict[str, Any]] = {}
    for (target_key, target_label, written, target_id, doc_id, kind, identifier, convention,
         n) in rows:
        if _cites_itself(doc_id, target_key, target_id, own[doc_id],
                         citation_keys(kind, identifier, written, convention)):
            continue
        name = target_label or written
        g = groups.setdefault(target_key or name, {"target": name, "key": target_key,
                                                    "count": 0, "by": set(), "stored": False})
        g["count"] += n
        g["by"].add(doc_id)
        g["stored"] |= target_id is not None and target_id not in stubs
    return sorted((CitedText(g["target"], g["key"], g["count"], sorted(g["by"]), g["stored"])
                   for g in groups.values() if not (unresolved_only and g["stored"])),
                  key=lambda u: (-u.count, u.target))


def _cites_itself(doc_id: str, target_key: str | None, target_id: str | None,
                  own: set[str], named: list[DocKey]) -> bool:
    """Whether a citation resolves to the citing text or to an item it holds (the linker
    drops such keys, so the citation is left without a target)."""
    if target_id == doc_id or (target_key is not None and target_key in own):
        return True
    return target_key is None and bool(named) and all(k.id in own for k in named)


def unresolved(store: Store | Reader) -> list[CitedText]:
    """Citations that do not lead to a stored text, most cited first."""
    return cited(store, unresolved_only=True)
