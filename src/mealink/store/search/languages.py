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

from sqlalchemy import Connection

from mealink.store.engine.driver import run
from mealink.store.search.hits import Counterpart, Hit

__all__ = ["with_counterparts"]


def _counterparts(sqlite: bool) -> str:
    """One read for a page of hits (``ids``): the hits' primaries (heads), every paragraph
    that is one or is aligned to one; each hit is among them (a head, or aligned to its
    head). SQLite's statistics count NULLs as one value, so where almost no paragraph is
    aligned the index on aligned_to looks useless to its planner, which then read every
    document and paragraph for an OR (200 ms at 100,000): the aligned ones are read apart,
    said to be few. Handed to the driver (``driver.run``), compiled once per dialect and
    length of the page: SQLAlchemy compiled its expanding IN again for every page."""
    heads = "SELECT coalesce(h.aligned_to, h.id) FROM paragraphs h WHERE h.id IN :ids"
    aligned = f"p.aligned_to IN ({heads})"
    paragraphs = ("SELECT p.id AS id, p.document_id, p.aligned_to, p.text, "
                  "d.language AS language FROM paragraphs p JOIN documents d "
                  "ON d.id = p.document_id WHERE ")
    return (f"{paragraphs}p.id IN ({heads}) UNION {paragraphs}"
            f"{f'likelihood({aligned}, 0.0001)' if sqlite else aligned} ORDER BY language, id")


_COUNTERPARTS = {True: _counterparts(True), False: _counterparts(False)}


def with_counterparts(conn: Connection, hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` in the same order, each with its language and its counterparts (only works
    stored in more than one language have any)."""
    ids = [h.paragraph_id for h in hits]
    if not ids:
        return list(hits)
    rows = run(conn, _COUNTERPARTS[conn.dialect.name == "sqlite"], {"ids": ids}).all()
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
