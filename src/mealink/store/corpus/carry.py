"""Where the mandates of an earlier version of a work went in the next stored version: the
two texts are aligned paragraph by paragraph (``mealink.versions.compare``) and each mandate
of the earlier one is carried to the mandate of the aligned paragraph with the same actor
(unchanged, renumbered or reworded), or superseded by the later text when none is there.
Run when the corpus is linked, so that a mandate's history follows its paragraph."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import pairwise

from sqlalchemy import Connection, delete, insert, select

from mealink.interop import read_document
from mealink.models import Document
from mealink.store.engine.schema import DocumentRow, MandateCarryRow, MandateRow, SourceRow
from mealink.versions import ParagraphChange, compare

__all__ = ["carry_mandates", "how_carried", "version_text"]


def version_text(conn: Connection, doc_id: str) -> tuple[str, Document] | None:
    """The label and the parsed text of the stored document ``doc_id``, rebuilt from the
    bytes kept with the reader ingest used; None when only citations know it."""
    row = conn.execute(select(DocumentRow.label, SourceRow.name, SourceRow.data,
                              SourceRow.meta).outerjoin(
        SourceRow, SourceRow.document_id == DocumentRow.id).where(
        DocumentRow.id == doc_id)).first()
    if row is None or row.data is None:
        return None
    return row.label, read_document(row.data, row.name,
                                    known=json.loads(row.meta) if row.meta else None)


def how_carried(change: ParagraphChange) -> str:
    """What became of a paragraph that survived: unchanged, renumbered, reworded or both."""
    parts = [w for w, hit in (("renumbered", change.a is not None and change.b is not None
                                             and change.a.number != change.b.number),
                              ("reworded", change.status == "changed"
                                           or change.similarity < 1.0)) if hit]
    return ", ".join(parts) or "unchanged"


def _pairs(conn: Connection) -> list[tuple[str, str]]:
    """(earlier, next later) stored versions of every work with more than one, in one
    language (a translation of the same version is not a revision of it)."""
    works: dict[tuple[str, str | None], list[tuple[int, str]]] = defaultdict(list)
    for r in conn.execute(select(DocumentRow.id, DocumentRow.work_id, DocumentRow.language,
                                 DocumentRow.meeting).where(
            ~DocumentRow.is_stub, DocumentRow.expression_of.is_(None))):
        works[(r.work_id, r.language)].append((r.meeting or 0, r.id))
    out = []
    for versions in works.values():
        versions.sort()
        out += [(a, b) for (ma, a), (mb, b) in pairwise(versions) if ma < mb]
    return out


def _carry_pair(conn: Connection, a: str, b: str) -> int:
    """Record where each mandate of ``a`` went in ``b``; how many rows were written."""
    mandates = conn.execute(select(MandateRow.id, MandateRow.paragraph_seq, MandateRow.actor)
                            .where(MandateRow.document_id == a)
                            .order_by(MandateRow.paragraph_seq, MandateRow.seq)).all()
    done = set(conn.execute(select(MandateCarryRow.mandate_id).where(
        MandateCarryRow.document_id == a, MandateCarryRow.later_id == b)).scalars())
    if not mandates or done == {m.id for m in mandates}:
        return 0
    earlier, later = version_text(conn, a), version_text(conn, b)
    if earlier is None or later is None:
        return 0
    diff = compare(earlier[1], later[1], earlier[0], later[0])
    to: dict[int, tuple[int, str]] = {c.a.index: (c.b.index, how_carried(c))
                                      for c in diff.changes if c.a and c.b}
    in_later: dict[tuple[int, str], list[str]] = defaultdict(list)
    for m in conn.execute(select(MandateRow.id, MandateRow.paragraph_seq, MandateRow.actor)
                          .where(MandateRow.document_id == b)
                          .order_by(MandateRow.paragraph_seq, MandateRow.seq)):
        in_later[(m.paragraph_seq, m.actor)].append(m.id)
    rows = []
    for m in mandates:
        seq, how = to.get(m.paragraph_seq, (-1, "superseded"))
        same = in_later.get((seq, m.actor))
        target = same.pop(0) if same else None
        rows.append({"mandate_id": m.id, "document_id": a, "later_id": b,
                     "to_mandate_id": target, "how": how if target else "superseded",
                     "by_label": later[0][:300]})
    conn.execute(delete(MandateCarryRow).where(MandateCarryRow.document_id == a))
    conn.execute(insert(MandateCarryRow), rows)
    return len(rows)


def carry_mandates(conn: Connection) -> int:
    """Where the mandates of every earlier stored version went in the next one (idempotent:
    a pair already recorded for every mandate is not compared again); rows written."""
    pairs = _pairs(conn)
    latest = {a for a, _ in pairs}
    conn.execute(delete(MandateCarryRow).where(MandateCarryRow.document_id.not_in(latest))
                 if latest else delete(MandateCarryRow))
    return sum(_carry_pair(conn, a, b) for a, b in pairs)
