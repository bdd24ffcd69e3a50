"""Who a text is when its own words do not say, asked of the store before it is written:
a title that stored texts give one cited text, and a guess (its file name, its title) that
a stored text contradicts. ``prepare.may_be_identified`` says when these may answer."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from mealink.link.identifiers import document_keys, parse_key
from mealink.models import Document
from mealink.parse.metadata import symbol_parts
from mealink.store.corpus.prepare import WEAK
from mealink.store.corpus.records import fingerprint, title_key
from mealink.store.engine.schema import CitationRow, DocumentRow, ParagraphRow
from mealink.vocabulary import vocabulary

__all__ = ["AS_GIVEN", "identify_by_title", "refuse_weak_guess"]

#: how an identification given with ``ingest --as`` is recorded
AS_GIVEN = "given at ingest (--as)"


def identify_by_title(conn: Connection, doc: Document) -> str | None:
    """A text without a symbol whose title is, word for word, the title stored texts give
    one cited text ('Resolution 10.25 on "Enhancing Engagement with the Global Environment
    Facility"') is that text. One cited text only, and no stored text with that title: two
    candidates are no identification."""
    if doc.symbol or not doc.title or len(doc.title.split()) < 3:
        return None
    wanted = title_key(doc.title)
    rows = conn.execute(select(CitationRow.target_key, CitationRow.target_label,
                               CitationRow.document_id, ParagraphRow.anchor).join(
        ParagraphRow, ParagraphRow.pk == CitationRow.paragraph_pk).where(
        CitationRow.title_key == wanted, CitationRow.target_key.is_not(None))
        .order_by(CitationRow.pk)).all()
    keys = {r.target_key for r in rows}
    if len(keys) != 1 or rows[0].target_label is None:
        return None
    # versions share titles (CMS 10.21 and 11.10 are both "Synergies and Partnerships"): a
    # title a stored text also bears identifies nothing
    if conn.execute(select(DocumentRow.id).where(
            ~DocumentRow.is_stub, func.lower(DocumentRow.title) == wanted)).first():
        return None
    first = rows[0]
    key = parse_key(first.target_label)
    if key is None or (doc.convention not in (None, key.convention)):
        return None
    doc.symbol, doc.convention = first.target_label, key.convention
    doc.number, doc.revision = symbol_parts(doc.symbol, vocabulary())
    doc.identified_by = (f"its title, which {first.document_id} "
                         f"({first.anchor.replace('_', ' ')}) gives to {first.target_label}")
    return None


def refuse_weak_guess(conn: Connection, doc: Document, key: str,
                      print_of: str | None = None) -> str | None:
    """Never merge two texts on a weak guess: a text identified only by its file name or
    its title, whose identifier a different stored text already holds, is stored as an
    unidentified text beside it, with a note saying so. ``print_of`` is the text's
    ``fingerprint`` when ``doc`` is a ``Prepared.who`` without its paragraphs."""
    if not doc.symbol or not (doc.identified_by or "").startswith(WEAK):
        return None
    keys = document_keys(doc.convention, doc.symbol, doc.number, doc.revision)
    if not keys:
        return None
    holder = conn.execute(select(DocumentRow.id, DocumentRow.source, DocumentRow.fingerprint)
                          .where(DocumentRow.id == keys[0].id, ~DocumentRow.is_stub,
                                 DocumentRow.source != key)).first()
    if holder is None or holder.fingerprint == (print_of or fingerprint(doc)):
        return None
    said = doc.identified_by
    doc.symbol = doc.number = doc.revision = doc.identified_by = None
    return (f"{said} suggests {keys[0].label}, but {holder.source} already holds that text "
            "and this one differs: stored as an unidentified text (give `--as SYMBOL` if it "
            "is another version)")
