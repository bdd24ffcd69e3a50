"""Stored documents as InforMEA decision records, with mealink's extension.

A document imported from an InforMEA record gives that record back field for field; any
other document gets the fields derived from what mealink knows (its id, number, status in
InforMEA's words, treaty, adoption, title, text, topics as keywords). Both carry the
``mealink`` extension: paragraphs with their actors, verbs, deadlines, topics, references
and status, and the lineage. Records are written as a JSON array, one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from mealink.annotate.actors import canonical_actor
from mealink.annotate.topics import topic_vocabulary
from mealink.export.documents import StoredDocument
from mealink.interop.frbr import interop_rules
from mealink.interop.informea import EXTENSION, RECORD_FIELDS, treaty_of
from mealink.models import Document

__all__ = ["EXTENSION_VERSION", "informea_record", "write_records"]

#: Bumped when the extension's layout changes (2: ``source``, the name the text was read
#: under, so that a text with neither symbol nor title keeps its label when read back).
EXTENSION_VERSION = 2


def _keywords(doc: Document) -> list[dict[str, str]]:
    concepts = topic_vocabulary().concepts
    seen: dict[str, None] = {}
    for p in doc.paragraphs:
        for t in p.topics:
            seen.setdefault(t.id, None)
    return [{"namespace": "mealink-topics", "term": concepts[t].label if t in concepts else t}
            for t in seen]


def _derived(sd: StoredDocument, base_url: str | None) -> dict[str, Any]:
    """The InforMEA fields of a document that was not imported from InforMEA."""
    inp, doc = sd.akn, sd.akn.doc
    treaty = treaty_of(doc.convention)
    statuses: dict[str, str] = interop_rules()["informea"]["status"]
    lang = doc.language
    meeting_id = f"{treaty}-cop{sd.meeting}" if treaty and sd.meeting is not None else None
    return {
        "id": inp.id,
        "link": f"{base_url.rstrip('/')}/{inp.id}" if base_url else None,
        "number": doc.number or "",
        "status": statuses.get(inp.status, "active"),
        "type": "decision" if inp.type == "document" else inp.type,
        "treaty": treaty,
        "published": f"{sd.adopted_on.isoformat()}T00:00:00" if sd.adopted_on else None,
        "updated": sd.updated_at.replace(microsecond=0).isoformat(),
        "meetingId": meeting_id,
        "meetingTitle": doc.adopted_at,
        "meetingUrl": None,
        # the work's other languages are values of the same record, as InforMEA keeps them
        "titles": [{"language": la, "value": t} for la, t in
                   [(lang, doc.title), *((e[0], e[1]) for e in sd.expressions)] if t],
        "longTitles": [],
        "summaries": [],
        "contents": [{"language": lang, "value": doc.text},
                     *({"language": la, "value": text} for la, _, text in sd.expressions)],
        "keywords": _keywords(doc),
        "files": [],
    }


def _extension(sd: StoredDocument) -> dict[str, Any]:
    """What mealink adds: paragraphs, actors, lineage, per-paragraph status."""
    inp, doc = sd.akn, sd.akn.doc
    paras = []
    for i, p in enumerate(doc.paragraphs):
        paras.append({
            "id": sd.paragraph_ids[i], "kind": p.kind, "number": p.number,
            "parent": sd.paragraph_ids[p.parent] if p.parent is not None else None,
            "inForce": inp.paragraph_in_force[i] if inp.paragraph_in_force else True,
            "verb": p.verb.value if p.verb else None,
            "actors": [{"written": a.value, "canonical": canonical_actor(a.value, doc.convention)}
                       for a in p.actors],
            "deadline": p.deadline.value if p.deadline else None,
            "condition": p.condition,
            "topics": [t.id for t in p.topics],
            "references": [{"written": r.text, "target": inp.reference_uris.get(
                (i, r.span.start, r.span.end))} for r in p.references],
            "text": p.text,
        })
    lineage = [{"relation": a.relation, "direction": "by", "document": a.other_label,
                "uri": a.other_uri, "paragraphs": list(a.paragraphs)} for a in inp.acted_on_by]
    lineage += [{"relation": a.relation, "direction": "of", "document": a.other_label,
                 "uri": a.other_uri, "paragraphs": list(a.paragraphs)} for a in inp.acts]
    return {"version": EXTENSION_VERSION, "id": inp.id, "label": inp.label,
            "symbol": doc.symbol, "convention": doc.convention,
            "source": Path(doc.source).name or None, "status": inp.status,
            "inForce": inp.in_force, "statusBy": inp.status_by, "akn": inp.name.work(),
            "paragraphs": paras, "lineage": lineage}


def informea_record(sd: StoredDocument, base_url: str | None = None) -> dict[str, Any]:
    """One document as an InforMEA record with the ``mealink`` extension."""
    kept = sd.akn.doc.informea
    if kept is not None:
        record = dict(kept)
    else:
        derived = _derived(sd, base_url)
        record = {k: derived[k] for k in RECORD_FIELDS}
    record[EXTENSION] = _extension(sd)
    return record


def write_records(docs: Iterable[StoredDocument], out: IO[str], *,
                  base_url: str | None = None, extension: bool = True) -> int:
    """Write a JSON array of records to ``out`` one record at a time; the count."""
    n = 0
    out.write("[")
    for sd in docs:
        record = informea_record(sd, base_url)
        if not extension:
            record.pop(EXTENSION)
        out.write(",\n" if n else "\n")
        out.write(json.dumps(record, ensure_ascii=False, indent=1))
        n += 1
    out.write("\n]\n")
    return n
