"""Link the stored corpus: resolve every citation and edge to a stored document, add the
``revises`` edges between versions of one text, drop stubs nothing cites any more, and set
each document's and paragraph's in-force status.

It runs over the whole corpus after each ingest, in one transaction under the database's
write lock; its decisions come from ``mealink.link.status`` (pure), so the same rules answer
"in force as of COP14".
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from mealink.link.status import DocInfo, EdgeInfo, Status, current_status, pick_version
from mealink.mandates.deadlines import Calendar
from mealink.store.corpus.carry import carry_mandates
from mealink.store.corpus.graph import edge_infos, load_graph
from mealink.store.engine.database import Store, writing
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import (
    CitationRow,
    DocumentKeyRow,
    DocumentRow,
    EdgeRow,
    ParagraphRow,
)
from mealink.store.mandates import calendar_for, derive_statuses

__all__ = ["LinkSummary", "evidence_json", "link"]


@dataclass(frozen=True, slots=True)
class LinkSummary:
    """What linking found."""

    documents: int
    stubs: int
    citations: int
    resolved: int
    edges: int
    not_in_force: int


_REVISED_KEY = re.compile(r"^(?P<work>.+?)-rev-[a-z-]*?(?P<n>\d{1,2})$")


def _drop_orphan_stubs(conn: Connection) -> int:
    """Drop the stubs nothing cites any more, keeping the originals of revised texts (a
    stored or cited '(Rev.COP14)' version tells its original exists)."""
    cited = set(conn.execute(select(CitationRow.target_key).distinct()).scalars())
    cited |= set(conn.execute(select(EdgeRow.target_key).where(~EdgeRow.derived)
                              .distinct()).scalars())
    own = set(conn.execute(select(DocumentKeyRow.key).join(
        DocumentRow, DocumentRow.id == DocumentKeyRow.document_id).where(
        ~DocumentRow.is_stub)).scalars())
    revised = {m["work"] for k in cited | own if k and (m := _REVISED_KEY.match(k))}
    stubs = conn.execute(select(DocumentRow.id).where(DocumentRow.is_stub)).scalars().all()
    orphans = [s for s in stubs if s not in cited and s not in revised]
    for i in range(0, len(orphans), 500):
        conn.execute(delete(DocumentRow).where(DocumentRow.id.in_(orphans[i:i + 500])))
    return len(orphans)


def _revises_edges(conn: Connection, docs: dict[str, DocInfo]) -> list[EdgeInfo]:
    """A ``revises`` edge from each version of a text to the one before it, by the keys the
    documents answer to, so that the second text of a group ('Decisions 16.159 and 15.93
    (Rev. CoP16)') revises 15.93, and a version known only from a citation ('Resolution
    Conf. 13.10 (Rev. CoP14)') replaces the stored original."""
    conn.execute(delete(EdgeRow).where(EdgeRow.derived))
    works: dict[str, dict[str, tuple[int, bool]]] = defaultdict(dict)
    for key, doc_id in conn.execute(select(DocumentKeyRow.key, DocumentKeyRow.document_id)):
        if doc_id not in docs:
            continue
        m = _REVISED_KEY.match(key)
        work, order = (m["work"], int(m["n"])) if m else (key, docs[doc_id].adoption_order)
        revised = m is not None
        known = works[work].get(doc_id)
        if known is None or (revised and not known[1]):
            works[work][doc_id] = (order, revised)
    rows = []
    out: list[EdgeInfo] = []
    for versions in works.values():
        ordered = sorted(versions.items(), key=lambda v: (v[1][0], v[1][1], v[0]))
        for (older, _), (newer, (_, revised)) in pairwise(ordered):
            if not revised or older == newer:
                continue
            rows.append({"source_id": newer, "paragraph_id": None, "relation": "revises",
                         "target_key": older, "target_label": docs[older].label,
                         "target_id": older, "paragraphs": None,
                         "written": docs[newer].label, "derived": True})
            out.append(EdgeInfo(newer, "revises", older, ()))
    if rows:
        conn.execute(insert(EdgeRow), rows)
    return out


def _resolve(conn: Connection, table: type[CitationRow] | type[EdgeRow], citing_col: str,
             docs: dict[str, DocInfo], keymap: dict[str, str],
             versions: dict[str, list[str]]) -> tuple[int, int]:
    """Point each row's ``target_id`` at the version of the cited text it means."""
    citing = getattr(table, citing_col)
    query = select(table.pk, citing, table.target_key, table.target_id).where(
        table.target_key.is_not(None))
    if table is EdgeRow:
        query = query.where(~EdgeRow.derived)
    changes: list[dict[str, object]] = []
    total = resolved = 0
    for pk, source_id, key, old in conn.execute(query).all():
        total += 1
        target = pick_version(key, docs.get(source_id), docs, keymap, versions)
        if target is not None and not docs[target].is_stub:
            resolved += 1
        if target != old:
            changes.append({"b_pk": pk, "b_target": target})
    if changes:
        conn.execute(update(table).where(table.pk == bindparam("b_pk"))
                     .values(target_id=bindparam("b_target")), changes)
    return total, resolved


def evidence_json(st: Status) -> str:
    """A status's evidence as stored (``DocumentRow.status_evidence``)."""
    return json.dumps([e.to_dict() for e in st.evidence], ensure_ascii=False)


def _stub_titles(conn: Connection) -> None:
    """A text known only from citations takes the title the citations give it most often
    ('Resolution 10.25 on "Enhancing Engagement with the Global Environment Facility"')."""
    said: dict[str, Counter[str]] = defaultdict(Counter)
    for target, title in conn.execute(select(CitationRow.target_id, CitationRow.title).join(
            DocumentRow, DocumentRow.id == CitationRow.target_id).where(
            DocumentRow.is_stub, CitationRow.title.is_not(None))):
        if target is not None and title is not None:
            said[target][title] += 1
    stubs = conn.execute(select(DocumentRow.id, DocumentRow.title).where(
        DocumentRow.is_stub)).all()
    changes = []
    for r in stubs:
        best = said[r.id].most_common(1)[0][0] if said.get(r.id) else None
        if best != r.title:
            changes.append({"b_id": r.id, "title": best})
    if changes:
        conn.execute(update(DocumentRow).where(DocumentRow.id == bindparam("b_id")), changes)


def _set_status(conn: Connection, docs: dict[str, DocInfo], edges: list[EdgeInfo],
                calendar: Calendar) -> int:
    statuses = current_status(docs, edges, calendar)
    rows = conn.execute(select(DocumentRow.id, DocumentRow.status, DocumentRow.status_by,
                               DocumentRow.in_force, DocumentRow.status_evidence,
                               DocumentRow.expression_of)).all()
    changes = []
    for r in rows:
        # another language's expression holds what the text it expresses holds
        st = statuses.get(r.expression_of or r.id)
        if st is None:
            continue
        known = bool(st.in_force)
        ev = evidence_json(st)
        if (r.status, r.status_by, r.in_force, r.status_evidence) != (st.state, st.by, known,
                                                                      ev):
            changes.append({"b_id": r.id, "status": st.state, "status_by": st.by,
                            "in_force": known, "status_evidence": ev})
    if changes:
        conn.execute(update(DocumentRow).where(DocumentRow.id == bindparam("b_id")), changes)
    conn.execute(update(ParagraphRow).where(~ParagraphRow.in_force).values(in_force=True))
    repealed = [{"b_doc": doc_id} for doc_id, st in statuses.items() if not st.in_force]
    if repealed:  # one statement for them all (a text's own: one each cost a link a second)
        conn.execute(update(ParagraphRow).where(ParagraphRow.document_id == bindparam("b_doc"))
                     .values(in_force=False), repealed)
    for doc_id, st in statuses.items():
        if st.in_force and st.removed_paragraphs:
            conds = []
            for n in st.removed_paragraphs:
                conds += [ParagraphRow.number == n, ParagraphRow.number.like(f"{n}(%")]
            conn.execute(update(ParagraphRow).where(ParagraphRow.document_id == doc_id,
                                                    or_(*conds)).values(in_force=False))
    _expressions_follow(conn)
    # last: a mandate is in force when its paragraph is, as just set (before, a text
    # repealed by the batch that stored it kept its mandates in force until the next link)
    derive_statuses(conn, docs, statuses, calendar)
    return sum(1 for s in statuses.values() if s.in_force is False)


def _expressions_follow(conn: Connection) -> None:
    """Each paragraph of another language's expression is in force when its counterpart
    is (an unaligned one when its document is)."""
    mirror = aliased(ParagraphRow)
    counterpart = select(mirror.in_force).where(mirror.id == ParagraphRow.aligned_to) \
        .scalar_subquery()
    whole = select(DocumentRow.in_force).where(DocumentRow.id == ParagraphRow.document_id) \
        .scalar_subquery()
    expressions = select(DocumentRow.id).where(DocumentRow.expression_of.is_not(None))
    conn.execute(update(ParagraphRow).where(ParagraphRow.document_id.in_(expressions))
                 .values(in_force=func.coalesce(counterpart, whole)))


def link(store: Store) -> LinkSummary:
    """Link the whole stored corpus (idempotent; one transaction, under the write lock so
    that no document another process stores meanwhile is half seen)."""
    # here, not at the top: reading the corpus (``status``, ``lineage``) needs no numpy
    from mealink.store.search.vectors import bump_generation

    with writing(store) as conn:
        _drop_orphan_stubs(conn)
        docs, keymap, versions = load_graph(SqlReader(conn))
        n_cit, n_res = _resolve(conn, CitationRow, "document_id", docs, keymap, versions)
        _resolve(conn, EdgeRow, "source_id", docs, keymap, versions)
        _revises_edges(conn, docs)
        _stub_titles(conn)
        edges = edge_infos(SqlReader(conn))
        carry_mandates(conn)  # before statuses: a carried mandate keeps what was recorded
        not_in_force = _set_status(conn, docs, edges, calendar_for(SqlReader(conn)))
        stubs = sum(1 for d in docs.values() if d.is_stub)
        bump_generation(conn)
        return LinkSummary(len(docs) - stubs, stubs, n_cit, n_res, len(edges), not_in_force)
