"""Documents as a reader sees them: one text with its status, the acts that changed it and
its paragraphs, each with its annotations placed in its text; lists of documents; the
corpus at a glance. The web pages and the API format what these return.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, or_, select

from mealink.errors import NotFoundError
from mealink.link.lineage import REMOVALS
from mealink.link.status import known_in_force, meeting_label
from mealink.store.corpus.records import short_adoption
from mealink.store.corpus.status import find_document
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import (
    ActorRow,
    CitationRow,
    DocumentRow,
    EdgeRow,
    MandateRow,
    ParagraphRow,
)
from mealink.store.mandates import MandateFilters, MandateView, list_mandates

__all__ = [
    "Act",
    "CitationView",
    "DocumentPage",
    "DocumentSummary",
    "Expression",
    "Mark",
    "Overview",
    "ParagraphPage",
    "list_documents",
    "locate",
    "overview",
    "read_document",
]

#: When two annotations overlap, the one of the earlier kind is kept.
MARK_PRIORITY = ("reference", "deadline", "actor", "condition")


@dataclass(frozen=True, slots=True)
class Mark:
    """An annotation placed in a paragraph's text: [start, end) of ``Paragraph.text``."""

    kind: str  # actor, reference, deadline, condition
    start: int
    end: int
    title: str
    target: str | None = None  # a reference's document id, when its text is in the corpus


@dataclass(frozen=True, slots=True)
class CitationView:
    """A reference in a paragraph and where it leads."""

    written: str
    relation: str
    target_id: str | None
    target_label: str | None
    in_corpus: bool
    in_footnote: bool


@dataclass(slots=True)
class ParagraphPage:
    """A paragraph with its annotations."""

    id: str
    anchor: str
    kind: str
    number: str | None
    depth: int
    verb: str | None
    text: str
    in_force: bool
    deadline: str | None
    condition: str | None
    actors: list[str]
    citations: list[CitationView]
    marks: list[Mark]
    mandates: int = 0
    lead: str | None = None  # the opening words as printed ("Recalling also"), for the page
    #: in another language's expression, its counterpart in the primary text and the rule
    #: that paired them
    aligned_to: str | None = None
    aligned_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["lead"]  # the page's typesetting, not part of the parse contract
        d["marks"] = [asdict(m) for m in self.marks]
        d["citations"] = [asdict(c) for c in self.citations]
        return d


@dataclass(frozen=True, slots=True)
class Expression:
    """One language of a work's text: its stored id, its language, and whether it is the
    primary text (the one its mandates, lineage and counts come from)."""

    id: str
    language: str
    primary: bool


@dataclass(frozen=True, slots=True)
class Act:
    """Something another text did to this one (repealed, revised ... it, or some paragraphs)."""

    relation: str
    source_id: str
    source_label: str
    adopted: str | None
    paragraph_id: str | None
    paragraphs: tuple[str, ...]


@dataclass(slots=True)
class DocumentPage:
    """A document with everything its page shows."""

    id: str
    label: str
    symbol: str | None
    title: str | None
    convention: str | None
    type: str
    adopted: str | None
    adopted_at: str | None
    language: str
    is_stub: bool
    state: str
    in_force: bool | None
    acts: list[Act]
    paragraphs: list[ParagraphPage]
    versions: list[tuple[str, str]] = field(default_factory=list)
    cited_by: list[tuple[str, str]] = field(default_factory=list)
    mandates: int = 0
    #: what the status rests on ({kind, text, document_id, paragraph_id}), who adopted the
    #: text and what says so, and where its symbol came from
    evidence: list[dict[str, Any]] = field(default_factory=list)
    adoption: str = "unknown"
    adopted_by: str | None = None
    adoption_evidence: str | None = None
    identified_by: str | None = None
    meeting: str | None = None  # the adopting meeting as its number tells ('COP12')
    #: every language this text is stored in (empty when one), the primary first; for
    #: another language's expression, the primary's id and why they are one work
    expressions: list[Expression] = field(default_factory=list)
    expression_of: str | None = None
    expression_evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "symbol": self.symbol, "title": self.title,
            "meeting": self.meeting,
            "convention": self.convention, "type": self.type, "adopted": self.adopted,
            "adopted_at": self.adopted_at, "language": self.language,
            "in_corpus": not self.is_stub, "state": self.state, "in_force": self.in_force,
            "evidence": self.evidence, "adoption": self.adoption,
            "adopted_by": self.adopted_by, "adoption_evidence": self.adoption_evidence,
            "identified_by": self.identified_by,
            "acts": [asdict(a) for a in self.acts], "mandates": self.mandates,
            "versions": [{"id": i, "label": lb} for i, lb in self.versions],
            "cited_by": [{"id": i, "label": lb} for i, lb in self.cited_by],
            "expressions": [asdict(e) for e in self.expressions],
            "expression_of": self.expression_of,
            "expression_evidence": self.expression_evidence,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }


def _pattern(written: str) -> re.Pattern[str] | None:
    words = written.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def locate(text: str, written: str, near: int) -> tuple[int, int] | None:
    """Where ``written`` stands in ``text`` (whitespace may differ), the occurrence nearest
    ``near``; None when it is not there (a reference that stood in a footnote, say)."""
    pattern = _pattern(written)
    if pattern is None:
        return None
    best: tuple[int, int] | None = None
    for m in pattern.finditer(text):
        if best is None or abs(m.start() - near) < abs(best[0] - near):
            best = (m.start(), m.end())
    return best


def _without_overlaps(marks: list[Mark]) -> list[Mark]:
    """Marks in text order, dropping any that overlaps a mark of a stronger kind."""
    kept: list[Mark] = []
    for m in sorted(marks, key=lambda m: (MARK_PRIORITY.index(m.kind), m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def paragraph_marks(text: str, offset: int, actors: list[tuple[str, str | None, int]],
                    citations: list[tuple[str, int, CitationView]], deadline: str | None,
                    condition: str | None) -> list[Mark]:
    """The annotations of a paragraph placed in its text. Stored spans point into the
    whole document, whose whitespace the paragraph text has collapsed: each value is found
    in the text, nearest where its span says (``offset`` is the paragraph's start)."""
    marks: list[Mark] = []
    for name, canonical, start in actors:
        at = locate(text, name, start - offset)
        if at:
            marks.append(Mark("actor", *at, canonical or name))
    for written, start, c in citations:
        at = locate(text, written, start - offset)
        if at:
            title = c.target_label or written
            marks.append(Mark("reference", *at, title, c.target_id if c.in_corpus else None))
    if deadline:
        at = locate(text, deadline, 0)
        if at:
            marks.append(Mark("deadline", *at, "deadline"))
    for hedge in (condition or "").split("; "):
        at = locate(text, hedge, 0) if hedge.strip() else None
        if at:
            marks.append(Mark("condition", *at, "condition"))
    return _without_overlaps(marks)


def _acts(conn: Connection, doc_id: str) -> list[Act]:
    rows = conn.execute(select(EdgeRow.relation, EdgeRow.source_id, EdgeRow.paragraph_id,
                               EdgeRow.paragraphs, DocumentRow.label,
                               DocumentRow.adopted_at).join(
        DocumentRow, DocumentRow.id == EdgeRow.source_id).where(
        EdgeRow.target_id == doc_id, EdgeRow.source_id != doc_id,
        or_(EdgeRow.relation.in_(REMOVALS), EdgeRow.relation.in_(("revises", "keeps"))))
        .order_by(DocumentRow.adopted_on, EdgeRow.source_id)).all()
    return [Act(r.relation, r.source_id, r.label, short_adoption(r.adopted_at), r.paragraph_id,
                tuple(json.loads(r.paragraphs)) if r.paragraphs else ()) for r in rows]


def _paragraphs(conn: Connection, doc_id: str, primary_id: str) -> list[ParagraphPage]:
    rows = conn.execute(select(ParagraphRow).where(ParagraphRow.document_id == doc_id)
                        .order_by(ParagraphRow.seq)).all()
    pks = [r.pk for r in rows]
    actors: dict[int, list[tuple[str, str | None, int]]] = defaultdict(list)
    cites: dict[int, list[tuple[str, int, CitationView]]] = defaultdict(list)
    if pks:
        for a in conn.execute(select(ActorRow.paragraph_pk, ActorRow.name, ActorRow.canonical,
                                     ActorRow.start).where(ActorRow.paragraph_pk.in_(pks))
                              .order_by(ActorRow.pk)):
            actors[a.paragraph_pk].append((a.name, a.canonical, a.start))
        # each citation with whether its target's text is stored, in one read
        for c in conn.execute(select(CitationRow, DocumentRow.is_stub).outerjoin(
                DocumentRow, DocumentRow.id == CitationRow.target_id).where(
                CitationRow.document_id == doc_id).order_by(CitationRow.pk)):
            stored = c.target_id is not None and c.is_stub is not None and not c.is_stub
            cites[c.paragraph_pk].append((c.written, c.start, CitationView(
                c.written, c.relation, c.target_id, c.target_label, stored,
                bool(c.in_footnote))))
    # an expression's paragraph shows the mandates of its counterpart (counted there)
    counts = dict(conn.execute(select(MandateRow.paragraph_id, func.count()).where(
        MandateRow.document_id == primary_id).group_by(MandateRow.paragraph_id)).all())
    out = []
    for r in rows:
        names = []
        for name, canonical, _ in actors[r.pk]:
            if (canonical or name) not in names:
                names.append(canonical or name)
        out.append(ParagraphPage(
            r.id, r.anchor, r.kind, r.number, r.depth, r.verb, r.text, bool(r.in_force),
            r.deadline, r.condition, names, [c for _, _, c in cites[r.pk]],
            paragraph_marks(r.text, r.start, actors[r.pk], cites[r.pk], r.deadline,
                            r.condition), int(counts.get(r.aligned_to or r.id, 0)), r.lead,
            r.aligned_to, r.aligned_by))
    return out


def _expressions(conn: Connection, primary_id: str) -> list[Expression]:
    """The languages ``primary_id`` is stored in, itself first (empty when one)."""
    rows = conn.execute(select(DocumentRow.id, DocumentRow.language, DocumentRow.expression_of)
                        .where(or_(DocumentRow.id == primary_id,
                                   DocumentRow.expression_of == primary_id))).all()
    if len(rows) < 2:
        return []
    return sorted((Expression(r.id, r.language, r.expression_of is None) for r in rows),
                  key=lambda e: (not e.primary, e.language))


def read_document(store: Store, text: str, language: str | None = None) -> DocumentPage:
    """The document ``text`` names (id, symbol or citation) with its paragraphs; in
    ``language`` when given ('fr': its French expression), NotFoundError naming the
    languages stored when it is not stored in that one."""
    with store.engine.connect() as conn:
        doc_id, _ = find_document(SqlReader(conn), text)
        d = conn.execute(select(DocumentRow).where(DocumentRow.id == doc_id)).one()
        primary_id = d.expression_of or d.id
        expressions = _expressions(conn, primary_id)
        if language and language.lower() != d.language:
            wanted = [e for e in expressions if e.language == language.lower()]
            if not wanted:
                have = ", ".join(e.language for e in expressions) or d.language
                raise NotFoundError(f"{d.label} is not stored in {language!r}; it is in "
                                    f"{have}")
            doc_id = wanted[0].id
            d = conn.execute(select(DocumentRow).where(DocumentRow.id == doc_id)).one()
        versions = [(r.id, r.label) for r in conn.execute(
            select(DocumentRow.id, DocumentRow.label).where(
                DocumentRow.work_id == d.work_id, DocumentRow.id != primary_id,
                DocumentRow.expression_of.is_(None))
            .order_by(DocumentRow.adopted_on, DocumentRow.id))]
        cited_by = [(r.id, r.label) for r in conn.execute(
            select(DocumentRow.id, DocumentRow.label).where(DocumentRow.id.in_(
                select(CitationRow.document_id).where(CitationRow.target_id == primary_id)),
                DocumentRow.id != primary_id)
            .order_by(DocumentRow.adopted_on, DocumentRow.id).limit(200))]
        page = DocumentPage(
            d.id, d.label, d.symbol, d.title, d.convention, d.type,
            short_adoption(d.adopted_at), d.adopted_at, d.language, bool(d.is_stub), d.status,
            known_in_force(d.status, bool(d.in_force)), _acts(conn, primary_id),
            _paragraphs(conn, doc_id, primary_id), versions, cited_by,
            evidence=json.loads(d.status_evidence) if d.status_evidence else [],
            adoption=d.adoption or "unknown", adopted_by=d.adopted_by,
            adoption_evidence=d.adoption_evidence, identified_by=d.identified_by,
            meeting=meeting_label(d.convention, d.meeting) if d.meeting else None,
            expressions=expressions, expression_of=d.expression_of,
            expression_evidence=d.expression_evidence)
    page.mandates = sum(p.mandates for p in page.paragraphs)
    return page


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A line in a list of documents."""

    id: str
    label: str
    title: str | None
    convention: str | None
    type: str
    adopted: str | None
    state: str
    in_force: bool | None
    in_corpus: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: a list of documents: by convention (texts of none last), identified texts before those
#: whose symbol mealink could not tell (they must not head a list), then by adoption
_LIST_ORDER = (DocumentRow.convention.is_(None), DocumentRow.convention,
               DocumentRow.type == "document", DocumentRow.adopted_on, DocumentRow.id)


def list_documents(store: Store, *, convention: str | None = None, type: str | None = None,
                   in_force: bool | None = None, in_corpus: bool | None = True,
                   text: str | None = None, limit: int = 50, offset: int = 0
                   ) -> tuple[int, list[DocumentSummary]]:
    """A page of documents (by convention, identified first, then adoption) and how many
    match in all; ``text`` looks in labels, symbols and titles. A work is listed once, by
    its primary text: its other languages' expressions are on its page."""
    where: list[Any] = [DocumentRow.expression_of.is_(None)]
    if convention:
        where.append(func.lower(DocumentRow.convention) == convention.lower())
    if type:
        where.append(DocumentRow.type == type.lower())
    if in_force is not None:
        where.append(DocumentRow.in_force.is_(in_force))
    if in_corpus is not None:
        where.append(DocumentRow.is_stub.is_(not in_corpus))
    if text and text.strip():
        like = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        where.append(or_(func.lower(DocumentRow.label).like(like, escape="\\"),
                         func.lower(DocumentRow.symbol).like(like, escape="\\"),
                         func.lower(DocumentRow.title).like(like, escape="\\")))
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(DocumentRow).where(
            *where)).scalar_one()
        rows = conn.execute(select(DocumentRow.id, DocumentRow.label, DocumentRow.title,
                                   DocumentRow.convention, DocumentRow.type,
                                   DocumentRow.adopted_at, DocumentRow.status,
                                   DocumentRow.in_force, DocumentRow.is_stub).where(*where)
                            .order_by(*_LIST_ORDER).limit(limit).offset(offset)).all()
    return total, [DocumentSummary(r.id, r.label, r.title, r.convention, r.type,
                                   short_adoption(r.adopted_at), r.status,
                                   known_in_force(r.status, bool(r.in_force)), not r.is_stub)
                   for r in rows]


@dataclass(slots=True)
class Overview:
    """The corpus at a glance."""

    conventions: list[dict[str, Any]]
    paragraphs: int
    mandates: dict[str, int]
    upcoming: list[MandateView]

    def to_dict(self) -> dict[str, Any]:
        return {"conventions": self.conventions, "paragraphs": self.paragraphs,
                "mandates_by_status": self.mandates,
                "upcoming": [m.to_dict() for m in self.upcoming]}


def overview(store: Store, today: date | None = None, upcoming: int = 8) -> Overview:
    """Conventions with their documents (in force, in all), paragraphs, mandates by status,
    and the in-force mandates due soonest from ``today``."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(DocumentRow.convention, DocumentRow.in_force,
                                   func.count()).where(
            ~DocumentRow.is_stub, DocumentRow.expression_of.is_(None)).group_by(
            DocumentRow.convention, DocumentRow.in_force)).all()
        paragraphs = conn.execute(select(func.count()).select_from(ParagraphRow)).scalar_one()
        by_status = dict(conn.execute(select(MandateRow.status, func.count()).group_by(
            MandateRow.status)).all())
    conv: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = conv.setdefault(r[0] or "other", {"convention": r[0] or "other", "documents": 0,
                                             "in_force": 0})
        c["documents"] += r[2]
        if r[1]:
            c["in_force"] += r[2]
    day = (today or date.today()).isoformat()
    due = [m for m in list_mandates(store, MandateFilters(in_force=True, time_bound=True,
                                                          status="active", due_after=day),
                                    with_text=False, ordered=False) if m.due is not None]
    due.sort(key=lambda m: (m.due or date.max, m.order))
    return Overview(sorted(conv.values(), key=lambda c: (-c["documents"], c["convention"])),
                    int(paragraphs), {k: int(v) for k, v in by_status.items()}, due[:upcoming])
