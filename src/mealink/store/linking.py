"""Link the stored corpus: resolve every citation and edge to a stored document, add the
``revises`` edges between versions of one text, drop stubs nothing cites any more, and set
each document's and paragraph's in-force status.

It runs over the whole corpus after each ingest, in one transaction; its decisions come
from ``mealink.link.status`` (pure), so the same rules answer "in force as of COP14".
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update

from mealink.link.status import DocInfo, EdgeInfo, current_status, pick_version
from mealink.store.database import Store
from mealink.store.mandates import derive_statuses
from mealink.store.schema import CitationRow, DocumentKeyRow, DocumentRow, EdgeRow, ParagraphRow
from mealink.store.vectors import bump_generation

__all__ = ["LinkSummary", "link", "load_graph"]


@dataclass(frozen=True, slots=True)
class LinkSummary:
    """What linking found."""

    documents: int
    stubs: int
    citations: int
    resolved: int
    edges: int
    not_in_force: int


def load_graph(conn: Connection) -> tuple[dict[str, DocInfo], dict[str, str],
                                          dict[str, list[str]]]:
    """Documents as ``DocInfo``, the key -> document map, and the versions of each work."""
    docs = {r.id: DocInfo(r.id, r.work_id, r.convention, r.meeting, r.adopted_on, r.is_stub,
                          r.revision, r.label, r.adopted_at)
            for r in conn.execute(select(
                DocumentRow.id, DocumentRow.work_id, DocumentRow.convention, DocumentRow.meeting,
                DocumentRow.adopted_on, DocumentRow.is_stub, DocumentRow.revision,
                DocumentRow.label, DocumentRow.adopted_at))}
    keymap = {r.key: r.document_id for r in conn.execute(
        select(DocumentKeyRow.key, DocumentKeyRow.document_id))}
    versions: dict[str, list[str]] = defaultdict(list)
    for d in docs.values():
        versions[d.work_id].append(d.id)
    for work, ids in versions.items():
        ids.sort(key=lambda i: (docs[i].adoption_order, docs[i].revision or ""))
        versions[work] = ids
    return docs, keymap, versions


def _drop_orphan_stubs(conn: Connection) -> int:
    cited = set(conn.execute(select(CitationRow.target_key).distinct()).scalars())
    cited |= set(conn.execute(select(EdgeRow.target_key).where(~EdgeRow.derived)
                              .distinct()).scalars())
    revised_works = set(conn.execute(select(DocumentRow.work_id).where(
        ~DocumentRow.is_stub, DocumentRow.revision.is_not(None))).scalars())
    stubs = conn.execute(select(DocumentRow.id, DocumentRow.work_id).where(
        DocumentRow.is_stub)).all()
    orphans = [s.id for s in stubs if s.id not in cited and s.id not in revised_works]
    for i in range(0, len(orphans), 500):
        conn.execute(delete(DocumentRow).where(DocumentRow.id.in_(orphans[i:i + 500])))
    return len(orphans)


def _revises_edges(conn: Connection, docs: dict[str, DocInfo],
                   versions: dict[str, list[str]]) -> list[EdgeInfo]:
    conn.execute(delete(EdgeRow).where(EdgeRow.derived))
    rows = []
    out: list[EdgeInfo] = []
    for ids in versions.values():
        for older, newer in pairwise(ids):
            if docs[newer].revision is None:
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


def _edges(conn: Connection) -> list[EdgeInfo]:
    return [EdgeInfo(r.source_id, r.relation, r.target_id,
                     tuple(json.loads(r.paragraphs)) if r.paragraphs else ())
            for r in conn.execute(select(EdgeRow.source_id, EdgeRow.relation, EdgeRow.target_id,
                                         EdgeRow.paragraphs).where(
                EdgeRow.target_id.is_not(None)))]


def _set_status(conn: Connection, docs: dict[str, DocInfo], edges: list[EdgeInfo]) -> int:
    statuses = current_status(docs, edges)
    derive_statuses(conn, docs, statuses)
    rows = conn.execute(select(DocumentRow.id, DocumentRow.status, DocumentRow.status_by,
                               DocumentRow.in_force)).all()
    changes = []
    for r in rows:
        st = statuses[r.id]
        if (r.status, r.status_by, r.in_force) != (st.state, st.by, st.in_force):
            changes.append({"b_id": r.id, "status": st.state, "status_by": st.by,
                            "in_force": st.in_force})
    if changes:
        conn.execute(update(DocumentRow).where(DocumentRow.id == bindparam("b_id")), changes)
    conn.execute(update(ParagraphRow).where(~ParagraphRow.in_force).values(in_force=True))
    for doc_id, st in statuses.items():
        if not st.in_force:
            conn.execute(update(ParagraphRow).where(ParagraphRow.document_id == doc_id)
                         .values(in_force=False))
        elif st.removed_paragraphs:
            conds = []
            for n in st.removed_paragraphs:
                conds += [ParagraphRow.number == n, ParagraphRow.number.like(f"{n}(%")]
            conn.execute(update(ParagraphRow).where(ParagraphRow.document_id == doc_id,
                                                    or_(*conds)).values(in_force=False))
    return sum(1 for s in statuses.values() if not s.in_force)


def link(store: Store) -> LinkSummary:
    """Link the whole stored corpus (idempotent; one transaction)."""
    with store.engine.begin() as conn:
        _drop_orphan_stubs(conn)
        docs, keymap, versions = load_graph(conn)
        n_cit, n_res = _resolve(conn, CitationRow, "document_id", docs, keymap, versions)
        _resolve(conn, EdgeRow, "source_id", docs, keymap, versions)
        _revises_edges(conn, docs, versions)
        edges = _edges(conn)
        not_in_force = _set_status(conn, docs, edges)
        stubs = sum(1 for d in docs.values() if d.is_stub)
        bump_generation(conn)
        return LinkSummary(len(docs) - stubs, stubs, n_cit, n_res, len(edges), not_in_force)
