"""Search across languages through the alignment: each hit brings the same paragraph in the
other languages its text is stored in, so a query in French that finds a French paragraph
also shows its English and Spanish counterparts (and an English hit its translations).

A paragraph's counterparts are its primary paragraph (``aligned_to``) and every paragraph of
another expression aligned to that same one. One read for a page of hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    bindparam,
    func,
    literal_column,
    select,
    union,
)

from mealink.store.engine.schema import DocumentRow, ParagraphRow
from mealink.store.search.hits import Counterpart, Hit

__all__ = ["with_counterparts"]


def _paragraphs(where: ColumnElement[bool]) -> Select[str, str, str | None, str, str]:
    """The paragraphs that meet ``where``, with their document's language."""
    return select(ParagraphRow.id.label("id"), ParagraphRow.document_id,
                  ParagraphRow.aligned_to, ParagraphRow.text,
                  DocumentRow.language.label("language")).join(
        DocumentRow, DocumentRow.id == ParagraphRow.document_id).where(where)


def _counterparts(sqlite: bool) -> CompoundSelect[str, str, str | None, str, str]:
    """One read for a page of hits (``ids``): the hits' primaries (heads), every paragraph
    that is one or is aligned to one; each hit is among them (a head, or aligned to its
    head). SQLite's statistics count NULLs as one value, so where almost no paragraph is
    aligned the index on aligned_to looks useless to its planner, which then read every
    document and paragraph for an OR (200 ms at 100,000): the aligned ones are read apart,
    said to be few."""
    heads = select(func.coalesce(ParagraphRow.aligned_to, ParagraphRow.id)).where(
        ParagraphRow.id.in_(bindparam("ids", expanding=True))).scalar_subquery()
    aligned = ParagraphRow.aligned_to.in_(heads)
    return union(_paragraphs(ParagraphRow.id.in_(heads)), _paragraphs(
        func.likelihood(aligned, literal_column("0.0001")) if sqlite else aligned)
    ).order_by(literal_column("language"), literal_column("id"))


#: built once: a page's read then costs the database's time, not the statement's making
_COUNTERPARTS = {True: _counterparts(True), False: _counterparts(False)}


def with_counterparts(conn: Connection, hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` in the same order, each with its language and its counterparts (only works
    stored in more than one language have any)."""
    ids = [h.paragraph_id for h in hits]
    if not ids:
        return list(hits)
    rows = conn.execute(_COUNTERPARTS[conn.dialect.name == "sqlite"], {"ids": ids}).all()
    own = {r.id: (r.aligned_to or r.id, r.language) for r in rows}
    group: dict[str, list[Counterpart]] = defaultdict(list)
    for r in rows:
        group[r.aligned_to or r.id].append(Counterpart(r.id, r.document_id, r.language,
                                                       r.text))
    out = []
    for h in hits:
        head, lang = own.get(h.paragraph_id, (None, None))
        mates = tuple(c for c in group.get(head, ()) if c.paragraph_id != h.paragraph_id) \
            if head is not None and len(group.get(head, ())) > 1 else ()
        out.append(replace(h, language=lang, counterparts=mates))
    return out
