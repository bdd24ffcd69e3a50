"""The stored lineage graph, read: every document as ``DocInfo`` with its keys and versions,
and the resolved edges between them.

Reading it needs no parser: ``status`` and ``review`` answer from it, and ``linking``
(which writes the graph, and re-reads stored texts to carry mandates across revisions)
builds on it.
"""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, select

from mealink.link.status import DocInfo, EdgeInfo
from mealink.store.engine.tables import document_keys, documents, edges

__all__ = ["edge_infos", "load_graph"]


def load_graph(conn: Connection) -> tuple[dict[str, DocInfo], dict[str, str],
                                          dict[str, list[str]]]:
    """Documents as ``DocInfo``, the key -> document map, and the versions of each work."""
    numbers: dict[str, list[str]] = defaultdict(list)
    for key, holder in conn.execute(select(document_keys.c.key, document_keys.c.document_id)
                                    .order_by(document_keys.c.key)):
        numbers[holder].append(key.rsplit("/", 1)[-1])
    docs = {r.id: DocInfo(r.id, r.work_id, r.convention, r.meeting, r.adopted_on, r.is_stub,
                          r.revision, r.label, r.adopted_at, r.type, r.adoption or "unknown",
                          r.adopted_by, r.adoption_evidence, tuple(numbers.get(r.id, ())),
                          r.page_status)
            for r in conn.execute(select(
                documents.c.id, documents.c.work_id, documents.c.convention, documents.c.meeting,
                documents.c.adopted_on, documents.c.is_stub, documents.c.revision,
                documents.c.label, documents.c.adopted_at, documents.c.type,
                documents.c.adoption, documents.c.adopted_by, documents.c.adoption_evidence,
                documents.c.page_status).where(documents.c.expression_of.is_(None)))}
    keymap = {r.key: r.document_id for r in conn.execute(
        select(document_keys.c.key, document_keys.c.document_id))}
    versions: dict[str, list[str]] = defaultdict(list)
    for d in docs.values():
        versions[d.work_id].append(d.id)
    for work, ids in versions.items():
        ids.sort(key=lambda i: (docs[i].adoption_order, docs[i].revision or ""))
        versions[work] = ids
    return docs, keymap, versions


def edge_infos(conn: Connection, target: str | None = None) -> list[EdgeInfo]:
    """The resolved lineage edges (of one target, or all), with the paragraph that makes
    each."""
    query = select(edges.c.source_id, edges.c.relation, edges.c.target_id, edges.c.paragraphs,
                   edges.c.paragraph_id, edges.c.target_key).where(
        edges.c.target_id.is_not(None))
    if target is not None:
        query = query.where(edges.c.target_id == target)
    return [EdgeInfo(r.source_id, r.relation, r.target_id,
                     tuple(json.loads(r.paragraphs)) if r.paragraphs else (), r.paragraph_id,
                     r.target_key)
            for r in conn.execute(query.order_by(edges.c.pk))]
