"""One work in several languages, in the store: which stored text is the work's primary
text, and how another language's text becomes its expression.

The primary is the English text when one is stored, else the first text stored: its
mandates, lineage and counts are the work's. Another language's text of the same work is
stored beside it as ``PRIMARY-ID@LANG`` (``records.expression_record``), its paragraphs
aligned with the primary's (``link/expressions.py``). When the English text comes after
another language's, it becomes the primary and the texts stored before are made again, from
their kept bytes, as its expressions, unless progress was recorded on the old primary's
mandates (ids people wrote against do not move). When a primary is stored again, its
expressions are aligned again with what it now says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from mealink.errors import MealinkError
from mealink.findings.parse import findings_source
from mealink.interop import read_document, sniff_format
from mealink.link.expressions import Para, align, expression_evidence
from mealink.link.lineage import document_links
from mealink.pipeline import parse_source
from mealink.store.corpus.records import DocumentRecord, document_record, expression_record
from mealink.store.engine.schema import (
    DocumentKeyRow,
    DocumentRow,
    MandateRow,
    ParagraphRow,
    ProgressRow,
    SourceRow,
)
from mealink.version import __version__

__all__ = ["Kept", "LanguagePlan", "Primary", "plan_languages", "realign"]

#: a stored text's kept source as ``ingest._write`` takes it: (name, format, bytes, meta)
Source = tuple[str, str, bytes, str | None]

#: the language whose text is a work's primary when it is stored
PRIMARY_LANGUAGE = "en"


@dataclass(slots=True)
class Primary:
    """What an expression is made against: the primary text's row, keys and paragraphs
    ((id, anchor, kind, number, text) each)."""

    row: dict[str, Any]
    keys: list[str]
    paragraphs: list[tuple[str, str, str, str | None, str]]


@dataclass(slots=True)
class LanguagePlan:
    """What storing a text of a work stored in another language does: the rows to delete,
    the record to write, and the records to write after it (expressions made again)."""

    record: DocumentRecord
    delete: list[str] = field(default_factory=list)
    then: list[Kept] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class Kept:
    """A stored text made again from its kept bytes: its new record and its source."""

    record: DocumentRecord
    source: Source


def _stored(conn: Connection, doc_id: str) -> Primary:
    row = conn.execute(select(DocumentRow.__table__).where(DocumentRow.id == doc_id)).one()
    keys = list(conn.execute(select(DocumentKeyRow.key).where(
        DocumentKeyRow.document_id == doc_id)).scalars())
    paras = [(p.id, p.anchor, p.kind, p.number, p.text) for p in conn.execute(
        select(ParagraphRow.id, ParagraphRow.anchor, ParagraphRow.kind, ParagraphRow.number,
               ParagraphRow.text).where(ParagraphRow.document_id == doc_id)
        .order_by(ParagraphRow.seq))]
    return Primary(dict(row._mapping), keys, paras)


def _unstored(rec: DocumentRecord) -> Primary:
    return Primary(rec.document, [k.id for k in rec.keys],
                   [(p["id"], p["anchor"], p["kind"], p["number"], p["text"])
                    for p in rec.paragraphs])


def as_expression(rec: DocumentRecord, primary: Primary) -> DocumentRecord | str:
    """``rec`` as ``primary``'s expression in its own language, or why it is not one."""
    p, lang = primary.row, rec.document["language"]
    if p.get("expression_of"):
        return "itself another language's expression of a text"
    evidence = expression_evidence(
        (p["language"], p["convention"], p["label"], p["identified_by"]),
        (lang, rec.document["convention"], rec.document["label"],
         rec.document["identified_by"]), primary.keys, [k.id for k in rec.keys])
    if evidence is None:
        return ("but the texts do not show they are one work (the same convention and the "
                "same numbers, each read from its own text)")
    pairs = align([Para(k, n, t) for _, _, k, n, t in primary.paragraphs],
                  [Para(q["kind"], q["number"], q["text"]) for q in rec.paragraphs])
    if not any(rec.paragraphs[a.second]["kind"] == "operative" for a in pairs):
        return "but none of their operative paragraphs align"
    by_second: dict[int, tuple[str, str, str]] = {}
    for a in pairs:
        pid, anchor = primary.paragraphs[a.first][:2]
        by_second.setdefault(a.second, (pid, anchor, a.rule))
    return expression_record(rec, p, evidence, by_second)


def _kept_record(conn: Connection, doc_id: str) -> Kept | None:
    """The stored text ``doc_id`` parsed again from its kept bytes, as a text of its own."""
    r = conn.execute(select(SourceRow.name, SourceRow.format, SourceRow.data, SourceRow.meta,
                            DocumentRow.source, DocumentRow.content_hash).join(
        DocumentRow, DocumentRow.id == SourceRow.document_id).where(
        SourceRow.document_id == doc_id)).first()
    if r is None:
        return None
    try:
        if sniff_format(r.data) != "text":
            doc = read_document(r.data, r.name)
        else:
            src = findings_source(r.data, r.name)
            if r.meta:
                src = replace(src, meta={**src.meta, **json.loads(r.meta)})
            doc = parse_source(src)
    except MealinkError:  # it was read once; if it no longer is, it is left as it was
        return None
    return Kept(document_record(doc, document_links(doc), source=r.source,
                                content_hash=r.content_hash, parser_version=__version__,
                                now=datetime.now(UTC).replace(tzinfo=None)),
                (r.name, r.format, r.data, r.meta))


def _expression_ids(conn: Connection, primary_id: str) -> list[str]:
    return list(conn.execute(select(DocumentRow.id).where(
        DocumentRow.expression_of == primary_id).order_by(DocumentRow.id)).scalars())


def _has_progress(conn: Connection, doc_id: str) -> bool:
    return conn.execute(select(ProgressRow.id).join(
        MandateRow, MandateRow.id == ProgressRow.mandate_id).where(
        MandateRow.document_id == doc_id).limit(1)).first() is not None


def plan_languages(conn: Connection, rec: DocumentRecord, key: str) -> LanguagePlan | str:
    """How to store ``rec``, whose id a stored text in another language holds: as that
    text's expression, or (an English text after another language's) as the new primary
    with the texts stored before made again as its expressions; or why it is neither."""
    doc_id, lang = rec.document["id"], rec.document["language"]
    stored = _stored(conn, doc_id)
    other = conn.execute(select(DocumentRow.source).where(
        DocumentRow.expression_of == doc_id, DocumentRow.language == lang,
        DocumentRow.source != key)).scalar()
    if other is not None:
        return f"whose {lang} expression {other} is stored already"
    if lang == PRIMARY_LANGUAGE and stored.row["language"] != lang and \
            not stored.row.get("expression_of") and not _has_progress(conn, doc_id):
        promoted = _promote(conn, rec, doc_id)
        if promoted is not None:
            return promoted
    said = as_expression(rec, stored)
    if isinstance(said, str):
        return said
    mine = conn.execute(select(DocumentRow.id).where(DocumentRow.source == key)).scalar()
    return LanguagePlan(said, [mine] if mine else [])


def _promote(conn: Connection, rec: DocumentRecord, doc_id: str) -> LanguagePlan | None:
    """``rec`` (English) as the primary of ``doc_id``'s work, the stored texts made again
    as its expressions; None when one of them would not be."""
    new = _unstored(rec)
    olds = [doc_id, *_expression_ids(conn, doc_id)]
    then: list[Kept] = []
    for old in olds:
        again = _kept_record(conn, old)
        if again is None or again.record.document["language"] == PRIMARY_LANGUAGE:
            return None
        said = as_expression(again.record, new)
        if isinstance(said, str):
            return None
        then.append(Kept(said, again.source))
    langs = ", ".join(sorted(k.record.document["language"] for k in then))
    note = (f"the primary text of its work (English): the text stored before ({langs}) is "
            "now its expression")
    return LanguagePlan(rec, olds, then, note)


def realign(conn: Connection, rec: DocumentRecord) -> tuple[list[str], list[Kept]]:
    """A primary stored again: its expressions made again against what it now says (those
    that no longer align are left as they were)."""
    ids = _expression_ids(conn, rec.document["id"])
    if not ids:
        return [], []
    new = _unstored(rec)
    gone: list[str] = []
    then: list[Kept] = []
    for old in ids:
        again = _kept_record(conn, old)
        said = as_expression(again.record, new) if again is not None else None
        if isinstance(said, DocumentRecord) and again is not None:
            gone.append(old)
            then.append(Kept(said, again.source))
    return gone, then
