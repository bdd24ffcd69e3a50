"""Stored documents, one at a time, as what the Akoma Ntoso and InforMEA writers need.

The annotated ``Document`` is rebuilt from the bytes the store kept (``read_document``: the
same reader ingest used), and the corpus adds what only it knows: the stable id, the
status, the texts that repealed or revised it, where its references lead, which of its
paragraphs are still in force. One document is in memory at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from mealink.errors import StoreError
from mealink.interop import read_document
from mealink.interop.akn_model import AknAct, AknInput
from mealink.interop.frbr import WorkName, work_date
from mealink.link.lineage import REMOVALS
from mealink.store.corpus.status import find_document
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import CitationRow, DocumentRow, EdgeRow, ParagraphRow, SourceRow

__all__ = ["StoredDocument", "iter_stored", "select_documents", "work_name"]

_ACTS = (*REMOVALS, "revises")
#: The columns of a document that name it (``work_name``) and say what it is.
_NAMING = (DocumentRow.id, DocumentRow.label, DocumentRow.convention, DocumentRow.type,
           DocumentRow.number, DocumentRow.revision, DocumentRow.meeting,
           DocumentRow.adopted_on)


def work_name(row: Any) -> WorkName:
    """The FRBR name of a stored document row (stubs included)."""
    return WorkName(row.convention, row.type, row.number, row.revision,
                    work_date(row.convention, row.meeting, row.adopted_on), row.id)


@dataclass(slots=True)
class StoredDocument:
    """A stored document ready to be written: the writer's input, plus the store's own
    fields (when it was stored, its paragraph ids)."""

    akn: AknInput
    updated_at: datetime
    paragraph_ids: list[str]
    adopted_on: Any
    meeting: int | None
    #: the work's other languages stored as its expressions: (language, title, text) each
    expressions: list[tuple[str, str | None, str]] = field(default_factory=list)


def select_documents(store: Store, names: Sequence[str] = (), *, every: bool = False,
                     expressions: bool = True) -> list[str]:
    """The ids of the documents ``names`` name (ids, symbols, citations), or of every
    stored text with ``every``, sorted (without other languages' expressions unless
    ``expressions``). A name the corpus does not hold is one error."""
    with store.engine.connect() as conn:
        if every:
            query = select(DocumentRow.id).where(~DocumentRow.is_stub)
            if not expressions:
                query = query.where(DocumentRow.expression_of.is_(None))
            return list(conn.execute(query.order_by(DocumentRow.id)).scalars())
        out: list[str] = []
        for name in names:
            doc_id, _ = find_document(SqlReader(conn), name)
            stub = conn.execute(select(DocumentRow.is_stub).where(
                DocumentRow.id == doc_id)).scalar_one()
            if stub:
                raise StoreError(f"{name!r} is known only from citations: its text is not "
                                 "stored, so there is nothing to export (ingest it first)")
            if doc_id not in out:
                out.append(doc_id)
        return out


def _acts_on(conn: Connection, doc_id: str) -> list[AknAct]:
    """What other stored texts did to this one (repealed, revised ... it)."""
    rows = conn.execute(select(EdgeRow.relation, EdgeRow.paragraphs, *_NAMING).join(
        DocumentRow, DocumentRow.id == EdgeRow.source_id).where(
        EdgeRow.target_id == doc_id, EdgeRow.relation.in_(_ACTS)).order_by(
        DocumentRow.id, EdgeRow.relation, EdgeRow.pk)).all()
    return [AknAct(r.relation, work_name(r).work(), r.label,
                   work_name(r).day,
                   tuple(json.loads(r.paragraphs)) if r.paragraphs else ()) for r in rows]


def _acts_of(conn: Connection, doc_id: str) -> list[AknAct]:
    """What this text did to others."""
    rows = conn.execute(select(EdgeRow.relation, EdgeRow.paragraphs, EdgeRow.paragraph_id,
                               *_NAMING).join(
        DocumentRow, DocumentRow.id == EdgeRow.target_id).where(
        EdgeRow.source_id == doc_id, EdgeRow.relation.in_(_ACTS)).order_by(
        EdgeRow.pk)).all()
    return [AknAct(r.relation, work_name(r).work(), r.label,
                   work_name(r).day,
                   tuple(json.loads(r.paragraphs)) if r.paragraphs else (),
                   r.paragraph_id.rsplit("/", 1)[-1] if r.paragraph_id else None)
            for r in rows]


def _reference_uris(conn: Connection, doc_id: str) -> dict[tuple[int, int, int], str]:
    rows = conn.execute(select(ParagraphRow.seq, CitationRow.start, CitationRow.end,
                               *_NAMING).join(
        ParagraphRow, ParagraphRow.pk == CitationRow.paragraph_pk).join(
        DocumentRow, DocumentRow.id == CitationRow.target_id).where(
        CitationRow.document_id == doc_id).order_by(CitationRow.pk)).all()
    return {(r.seq, r.start, r.end): work_name(r).work() + "/!main"
            for r in rows}


def stored_document(conn: Connection, doc_id: str) -> StoredDocument:
    """One stored document, rebuilt and placed in its corpus."""
    row = conn.execute(select(*_NAMING, DocumentRow.status, DocumentRow.in_force,
                              DocumentRow.status_by, DocumentRow.updated_at,
                              DocumentRow.expression_of,
                              SourceRow.name.label("source_name"), SourceRow.data,
                              SourceRow.meta).join(
        SourceRow, SourceRow.document_id == DocumentRow.id).where(
        DocumentRow.id == doc_id)).first()
    if row is None:
        raise StoreError(f"{doc_id}: no stored text to export (a text known only from "
                         "citations, or ingested without its source)")
    d = row
    doc = read_document(row.data, row.source_name,
                        known=json.loads(row.meta) if row.meta else None)
    paras = conn.execute(select(ParagraphRow.id, ParagraphRow.anchor, ParagraphRow.in_force)
                         .where(ParagraphRow.document_id == doc_id)
                         .order_by(ParagraphRow.seq)).all()
    if len(paras) != len(doc.paragraphs):
        raise StoreError(f"{doc_id}: stored by another version of mealink's parser "
                         f"({len(paras)} paragraphs stored, {len(doc.paragraphs)} read now); "
                         "run `mealink reparse` first")
    inp = AknInput(doc=doc, id=d.id, label=d.label, type=d.type, name=work_name(d),
                   status=d.status, in_force=d.in_force, status_by=d.status_by,
                   anchors=[p.anchor for p in paras],
                   paragraph_in_force=[p.in_force for p in paras],
                   # another language's expression: the work's acts are its primary's
                   acted_on_by=_acts_on(conn, d.expression_of or doc_id),
                   acts=_acts_of(conn, d.expression_of or doc_id),
                   reference_uris=_reference_uris(conn, doc_id))
    return StoredDocument(inp, d.updated_at, [p.id for p in paras], d.adopted_on, d.meeting,
                          _expressions(conn, doc_id))


def _expressions(conn: Connection, doc_id: str) -> list[tuple[str, str | None, str]]:
    """The work's texts in other languages (its paragraphs' texts, a blank line apart)."""
    out = []
    for e in conn.execute(select(DocumentRow.id, DocumentRow.language, DocumentRow.title)
                          .where(DocumentRow.expression_of == doc_id)
                          .order_by(DocumentRow.language)).all():
        texts = conn.execute(select(ParagraphRow.text).where(
            ParagraphRow.document_id == e.id).order_by(ParagraphRow.seq)).scalars()
        out.append((e.language, e.title, "\n\n".join(texts)))
    return out


def iter_stored(store: Store, ids: Sequence[str]) -> Iterator[StoredDocument]:
    """The documents ``ids``, one at a time, on one connection."""
    with store.engine.connect() as conn:
        for doc_id in ids:
            yield stored_document(conn, doc_id)
