"""Review of decisions over the stored corpus: gathers the in-force documents of one
convention with their mandates' statuses as of a meeting or a date, and hands them to the
pure rules in ``mealink.mandates.review``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select

from mealink.errors import NotFoundError
from mealink.link.lineage import REMOVALS
from mealink.link.status import parse_as_of
from mealink.mandates.knowledge import MeetingEntry, knowledge
from mealink.mandates.review import DocumentFacts, MandateFacts, ReviewResult, propose
from mealink.mandates.status import Derived, derive_status, effective_status
from mealink.store.database import Store
from mealink.store.mandates import calendar_for, deadline_of, recorded_statuses
from mealink.store.schema import CitationRow, DocumentRow, EdgeRow, MandateRow, ParagraphRow

__all__ = ["review"]


def _opening(text: str) -> str:
    """How an annex names an unnumbered paragraph: by its first words."""
    words = text.split()
    return "“" + " ".join(words[:4]) + (" …”" if len(words) > 4 else "”")


def review(store: Store, convention: str, as_of: str | None = None,
           meetings: Iterable[MeetingEntry] = ()) -> ReviewResult:
    """Proposals to repeal in full, repeal in part and consolidate for ``convention``."""
    moment = parse_as_of(as_of) if as_of else None
    know = knowledge()
    with store.engine.connect() as conn:
        docs = conn.execute(select(DocumentRow.id, DocumentRow.label, DocumentRow.title,
                                   DocumentRow.type, DocumentRow.convention).where(
            ~DocumentRow.is_stub, DocumentRow.in_force,
            func.lower(DocumentRow.convention) == convention.lower())
            .order_by(DocumentRow.id)).all()
        if not docs:
            raise NotFoundError(f"no document of {convention!r} in force in the corpus; "
                                "`mealink in-force` lists the conventions")
        conv = docs[0].convention
        ids = [d.id for d in docs]
        cal = calendar_for(conn, meetings)
        acts = set(conn.execute(select(EdgeRow.paragraph_id).where(
            EdgeRow.source_id.in_(ids), EdgeRow.relation.in_(REMOVALS))).scalars())
        paragraphs: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
        removed: dict[str, set[str]] = defaultdict(set)
        texts: dict[str, list[str]] = defaultdict(list)
        numbers: dict[str, str | None] = {}
        for p in conn.execute(select(ParagraphRow.id, ParagraphRow.document_id,
                                     ParagraphRow.number, ParagraphRow.verb,
                                     ParagraphRow.in_force, ParagraphRow.text).where(
                ParagraphRow.document_id.in_(ids), ParagraphRow.kind == "operative")
                .order_by(ParagraphRow.document_id, ParagraphRow.seq)):
            numbers[p.id] = p.number or _opening(p.text)
            # a paragraph that repeals or supersedes has done its work on adoption
            verb = None if p.id in acts else p.verb
            paragraphs[p.document_id].append((p.id, numbers[p.id], verb))
            texts[p.document_id].append(p.text)
            if not p.in_force:
                removed[p.document_id].add(p.id)
        cites: dict[str, set[str]] = defaultdict(set)
        for c in conn.execute(select(CitationRow.document_id, CitationRow.target_key).where(
                CitationRow.document_id.in_(ids), CitationRow.target_key.is_not(None))):
            cites[c.document_id].add(c.target_key)
        rows = conn.execute(select(MandateRow.__table__).where(MandateRow.document_id.in_(ids))
                            .order_by(MandateRow.document_id, MandateRow.seq)).all()
        recorded = recorded_statuses(conn, [m.id for m in rows])
    mandates: dict[str, list[MandateFacts]] = defaultdict(list)
    for m in rows:
        removal = Derived(m.derived_status, m.derived_reason) \
            if m.derived_status in ("superseded", "retired") else None
        d = derive_status(removal, deadline_of(m), cal, moment, conv)
        status = effective_status(d, recorded.get(m.id))
        reason = d.reason if status == d.status else f"recorded as {status}"
        mandates[m.document_id].append(MandateFacts(
            m.id, numbers.get(m.paragraph_id), m.paragraph_id, status, m.time_bound, reason))
    facts = [DocumentFacts(d.id, d.label, d.title, d.type, tuple(paragraphs[d.id]),
                           tuple(mandates[d.id]), frozenset(cites[d.id]),
                           " ".join(texts[d.id]), frozenset(removed[d.id])) for d in docs]
    return propose(conv or convention, as_of, facts, know.standing_verbs, know.consolidate_at)
