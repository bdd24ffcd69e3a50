"""Two stored versions of a text compared: each named as the other commands take it (a
stable id, a symbol, a citation with its revision mark), rebuilt from the bytes the store
kept with the reader ingest used, and handed to ``mealink.versions.compare``; and the other
stored versions of a text, for the form that offers the comparison."""

from __future__ import annotations

from sqlalchemy import select

from mealink.errors import NotFoundError
from mealink.models import Document
from mealink.store.corpus.carry import version_text
from mealink.store.corpus.status import find_document
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import DocumentRow
from mealink.versions import DocumentDiff, compare

__all__ = ["diff_stored", "other_versions", "stored_version"]


def stored_version(store: Store, name: str) -> tuple[str, Document]:
    """The label and the parsed text of the stored document ``name`` names; one error if
    the corpus does not hold its text."""
    with store.engine.connect() as conn:
        doc_id, _ = find_document(SqlReader(conn), name)
        found = version_text(conn, doc_id)
    if found is None:
        stored = "; ".join(label for _, label, _ in other_versions(store, doc_id))
        raise NotFoundError(f"{name!r} is known only from citations: its text is not stored, "
                            "so there is nothing to compare (ingest it first"
                            + (f", or name a stored version: {stored})" if stored else ")"))
    return found


def diff_stored(store: Store, a: str, b: str) -> DocumentDiff:
    """The stored versions ``a`` (earlier) and ``b`` (later) compared paragraph by paragraph."""
    (la, da), (lb, db) = stored_version(store, a), stored_version(store, b)
    return compare(da, db, la, lb)


def other_versions(store: Store, doc_id: str) -> list[tuple[str, str, bool]]:
    """(id, label, earlier) of the other stored versions of the work ``doc_id`` is a
    version of, oldest meeting first; ``earlier`` when that version's meeting comes before
    this one's (so a comparison reads from the earlier to the later)."""
    with store.engine.connect() as conn:
        this = conn.execute(select(DocumentRow.work_id, DocumentRow.meeting).where(
            DocumentRow.id == doc_id)).first()
        if this is None:
            return []
        rows = conn.execute(select(DocumentRow.id, DocumentRow.label, DocumentRow.meeting)
                            .where(DocumentRow.work_id == this.work_id,
                                   DocumentRow.id != doc_id, ~DocumentRow.is_stub,
                                   DocumentRow.expression_of.is_(None))
                            .order_by(DocumentRow.meeting, DocumentRow.id)).all()
    return [(r.id, r.label, (r.meeting or 0, r.id) < (this.meeting or 0, doc_id))
            for r in rows]
