"""Which stored paragraph a work plan's reference names: a paragraph's stable id as it is,
else the text (by id, symbol or citation, through ``link.identifiers.parse_key``; a text
cited without its revision is its version in force) and the paragraph by its number.
What cannot be resolved is said in words a reader can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from mealink.link.identifiers import parse_key
from mealink.store.engine.schema import DocumentKeyRow, DocumentRow, ParagraphRow
from mealink.workplans.refs import parse_reference

__all__ = ["Resolved", "resolve_reference"]


@dataclass(frozen=True, slots=True)
class Resolved:
    """One paragraph (or a whole text: ``paragraph_id`` None) a reference names, or why it
    names none (``problem``)."""

    written: str
    document_id: str | None
    paragraph_id: str | None
    problem: str | None = None
    label: str | None = None  # 'CMS Resolution 11.10 ¶8'


def _document(conn: Connection, text: str, context: str | None
              ) -> tuple[tuple[str, str] | None, str | None]:
    """The stored text ``text`` names (id, label, symbol or citation), or why none."""
    stored = DocumentRow.is_stub.is_(False)
    cols = (DocumentRow.id, DocumentRow.label)
    row = conn.execute(select(*cols).where(
        (DocumentRow.id == text) | (DocumentRow.symbol == text) | (DocumentRow.label == text),
        stored)).first()
    if row is not None:
        return (row.id, row.label), None
    key = parse_key(text, context)
    if key is None:
        return None, (f"{text!r} names no resolution or decision mealink can read; write it "
                      "as 'CMS Resolution 11.10 ¶8' or 'CBD XIII/5 ¶3'")
    row = conn.execute(select(*cols).join(DocumentKeyRow).where(
        DocumentKeyRow.key == key.id, stored)).first()
    if row is None and key.revision is None:  # 'CMS Resolution 10.8': its version in force
        row = conn.execute(select(*cols).where(
            DocumentRow.work_id == key.work.id, stored).order_by(
            DocumentRow.in_force.desc(), DocumentRow.meeting.desc().nulls_last(),
            DocumentRow.id.desc())).first()
    if row is None:
        return None, (f"{key.label} is not in the corpus; ingest its text (`mealink ingest`) "
                      "and import the plan again")
    return (row.id, row.label), None


def resolve_reference(conn: Connection, written: str, context: str | None = None,
                      memo: dict[Any, Any] | None = None) -> list[Resolved]:
    """The paragraphs ``written`` names (one per paragraph number), or one ``Resolved``
    with the problem; ``context`` is the convention a bare 'Resolution 11.10' belongs to.
    ``memo`` keeps the texts and their paragraph numbers found so far (one import)."""
    memo = {} if memo is None else memo
    exact = conn.execute(select(ParagraphRow.id, ParagraphRow.document_id, ParagraphRow.number,
                                DocumentRow.label).join(DocumentRow).where(
        ParagraphRow.id == written.strip())).first()
    if exact is not None:
        where = f" ¶{exact.number}" if exact.number else f" ({exact.id.rsplit('/', 1)[-1]})"
        return [Resolved(written, exact.document_id, exact.id, None, exact.label + where)]
    ref = parse_reference(written)
    if (ref.document, context) not in memo:
        memo[(ref.document, context)] = _document(conn, ref.document, context)
    doc, problem = memo[(ref.document, context)]
    if doc is None:
        return [Resolved(written, None, None, problem)]
    doc_id, label = doc
    if not ref.paragraphs:
        return [Resolved(written, doc_id, None, None, f"{label} (the whole text)")]
    if doc_id not in memo:
        memo[doc_id] = {r.number: r.id for r in conn.execute(select(
            ParagraphRow.number, ParagraphRow.id).where(ParagraphRow.document_id == doc_id,
                                                        ParagraphRow.number.is_not(None)))}
    numbers: dict[str, str] = memo[doc_id]
    out = []
    key = parse_key(ref.document)
    for n in ref.paragraphs:
        found = numbers.get(n) or numbers.get(n.lower())
        if found is None and key is not None:  # 'CMS Decision 14.912 ¶(b)' in a group page
            found = numbers.get(f"{key.number}{n}") or numbers.get(f"{key.number}({n})")
        if found is None:
            top = [k for k in numbers if k.isdigit()]
            span = f" (its paragraphs are numbered {min(top, key=int)} to " \
                   f"{max(top, key=int)})" if top else ""
            out.append(Resolved(written, doc_id, None,
                                f"{label} has no paragraph {n}{span}"))
        else:
            out.append(Resolved(written, doc_id, found, None, f"{label} ¶{n}"))
    return out
