"""The stored lineage graph, read: every document as ``DocInfo`` with its keys and versions,
and the resolved edges between them.

Reading it needs no parser and no ORM (plain SQL through a ``Reader``): ``status`` and
``review`` answer from it, and ``linking`` (which writes the graph, and re-reads stored
texts to carry mandates across revisions) builds on it.
"""

from __future__ import annotations

import json
from collections import defaultdict

from mealink.link.status import DocInfo, EdgeInfo
from mealink.store.engine.reader import Reader, as_date

__all__ = ["edge_infos", "load_graph"]


def load_graph(reader: Reader) -> tuple[dict[str, DocInfo], dict[str, str],
                                        dict[str, list[str]]]:
    """Documents as ``DocInfo``, the key -> document map, and the versions of each work."""
    keys = reader.rows("SELECT key, document_id FROM document_keys ORDER BY key")
    numbers: dict[str, list[str]] = defaultdict(list)
    for key, holder in keys:
        numbers[holder].append(key.rsplit("/", 1)[-1])
    docs = {doc_id: DocInfo(doc_id, work_id, convention, meeting, as_date(adopted_on),
                            bool(is_stub), revision, label, adopted_at, kind,
                            adoption or "unknown", adopted_by, adoption_evidence,
                            tuple(numbers.get(doc_id, ())), page_status)
            for (doc_id, work_id, convention, meeting, adopted_on, is_stub, revision, label,
                 adopted_at, kind, adoption, adopted_by, adoption_evidence, page_status)
            in reader.rows(
                "SELECT id, work_id, convention, meeting, adopted_on, is_stub, revision, label,"
                " adopted_at, type, adoption, adopted_by, adoption_evidence, page_status"
                " FROM documents WHERE expression_of IS NULL")}
    keymap = {key: holder for key, holder in keys}  # the key is the table's primary key
    versions: dict[str, list[str]] = defaultdict(list)
    for d in docs.values():
        versions[d.work_id].append(d.id)
    for work, ids in versions.items():
        ids.sort(key=lambda i: (docs[i].adoption_order, docs[i].revision or ""))
        versions[work] = ids
    return docs, keymap, versions


def edge_infos(reader: Reader, target: str | None = None) -> list[EdgeInfo]:
    """The resolved lineage edges (of one target, or all), with the paragraph that makes
    each."""
    where = "target_id = :target" if target is not None else "target_id IS NOT NULL"
    return [EdgeInfo(source_id, relation, target_id,
                     tuple(json.loads(scope)) if scope else (), paragraph_id, target_key)
            for source_id, relation, target_id, scope, paragraph_id, target_key in reader.rows(
                "SELECT source_id, relation, target_id, paragraphs, paragraph_id, target_key"
                f" FROM edges WHERE {where} ORDER BY pk", {"target": target})]
