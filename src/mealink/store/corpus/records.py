"""From an annotated document to the rows the store writes: pure functions, no database.

Paragraph ids are stable and readable: ``cms/resolution/11.10/para_28`` for a numbered
operative paragraph, ``.../para_3(a)`` for a sub-paragraph, ``.../pre_4`` for the fourth
preamble paragraph, ``.../op_2`` for the second unnumbered operative paragraph,
``.../head_1`` for a heading.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mealink.link.identifiers import DocKey, group_label
from mealink.link.lineage import DocumentLinks
from mealink.models import Document
from mealink.store.engine.vector_keys import text_hash

if TYPE_CHECKING:
    from mealink.mandates.extract import Mandate

__all__ = ["DocumentRecord", "adoption_date", "adoption_meeting", "document_record",
           "expression_record", "fingerprint", "paragraph_anchors", "short_adoption",
           "stub_record", "title_key"]

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_DATE = re.compile(r"(?:(?P<day>\d{1,2})\s*(?:[-–]\s*\d{1,2}\s*)?)?(?P<month>[A-Z][a-z]+)\s+"
                   r"(?P<year>(?:19|20)\d{2})")
_ISO_DATE = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_MEETING = re.compile(r"\b(?:COP|CoP|MOP|MoP|EA|UNEA)[ .-]?(?P<n>\d{1,2})\b")
_SLUG = re.compile(r"[^A-Za-z0-9.()-]+")
_NORM = re.compile(r"[^0-9a-z]+")


def title_key(title: str | None) -> str | None:
    """A title as it is looked up: lower case, spaces collapsed, at most 300 characters."""
    return " ".join(title.lower().split())[:300] if title else None


def adoption_date(adopted_at: str | None) -> date | None:
    """The last day of the meeting that adopted the text ('4-9 November 2014' -> 2014-11-09;
    'February 2024' -> 2024-02-01; 'COP13, 2020-02-22' -> 2020-02-22; '2014' -> 2014-01-01).
    ISO dates are what InforMEA records and Akoma Ntoso metadata give."""
    if not adopted_at:
        return None
    for m in reversed(list(_DATE.finditer(adopted_at))):
        month = _MONTHS.get(m.group("month").lower())
        if month:
            days = re.findall(r"\d{1,2}", adopted_at[m.start():m.start("month")])
            day = int(days[-1]) if days else 1
            try:
                return date(int(m.group("year")), month, day)
            except ValueError:
                return date(int(m.group("year")), month, 1)
    for iso in reversed(list(_ISO_DATE.finditer(adopted_at))):
        try:
            return date(int(iso["year"]), int(iso["month"]), int(iso["day"]))
        except ValueError:
            continue
    y = _YEAR.findall(adopted_at)
    return date(int(y[-1]), 1, 1) if y else None


def short_adoption(adopted_at: str | None) -> str | None:
    """'COP11, Quito, 4-9 November 2014' -> 'COP11, Quito, 2014': meeting, place, year."""
    if not adopted_at:
        return None
    years = _YEAR.findall(adopted_at)
    keep = [p.strip() for p in adopted_at.split(",")
            if not _YEAR.search(p) and not any(w.lower() in _MONTHS for w in p.split())]
    return ", ".join(keep[:2] + years[-1:]) or adopted_at


def adoption_meeting(key: DocKey | None, adopted_at: str | None) -> int | None:
    """The number of the meeting that adopted this version: the revision's meeting, else
    the one the adoption line names, else the one the number tells ('11.10' -> 11)."""
    if key is not None and key.revision:
        m = re.search(r"\d+", key.revision)
        if m:
            return int(m.group(0))
    if adopted_at:
        m = _MEETING.search(adopted_at)
        if m:
            return int(m.group("n"))
    return key.meeting if key is not None else None


def fingerprint(doc: Document) -> str:
    """A hash of the decision text alone (letters and digits of the operative paragraphs, or
    of all paragraphs when none is operative), equal for two copies of one text however they
    were laid out or encoded, even when a page header ran into the preamble."""
    kinds = {"operative"} if any(p.kind == "operative" for p in doc.paragraphs) else \
        {"preamble", "operative"}
    h = hashlib.sha256()
    for p in doc.paragraphs:
        if p.kind in kinds:
            h.update(_NORM.sub("", p.text.lower()).encode())
            h.update(b"\x00")
    return h.hexdigest()


def paragraph_anchors(doc: Document) -> list[str]:
    """One anchor per paragraph, unique within the document."""
    out: list[str] = []
    used: set[str] = set()
    counts = {"preamble": 0, "operative": 0, "heading": 0}
    for p in doc.paragraphs:
        counts[p.kind] += 1
        if p.kind == "operative" and p.number:
            anchor = "para_" + re.sub(r"\s+", "", p.number)
        else:
            prefix = {"preamble": "pre", "operative": "op", "heading": "head"}[p.kind]
            anchor = f"{prefix}_{counts[p.kind]}"
        base, n = anchor, 2
        while anchor in used:
            anchor, n = f"{base}~{n}", n + 1
        used.add(anchor)
        out.append(anchor)
    return out


def fallback_id(doc: Document) -> str:
    """The id of a document that neither symbol nor number identify: its convention and
    the name of its file ('basel/document/basel_bc14_esm_informea'), or the id of the
    InforMEA record it came from."""
    conv = (doc.convention or "unknown").lower().replace(" ", "-")
    # each record of an InforMEA file is its own text, named by the last part of its id
    name = str(doc.informea["id"]).rsplit("/", 1)[-1] if doc.informea and \
        doc.informea.get("id") is not None else Path(doc.source).stem
    stem = _SLUG.sub("-", name).strip("-") or "document"
    return f"{conv}/document/{stem}"


@dataclass(slots=True)
class DocumentRecord:
    """The rows of one document, ready to insert (paragraph keys are filled in by the store
    once paragraphs have their primary keys)."""

    document: dict[str, Any]
    keys: list[DocKey]
    paragraphs: list[dict[str, Any]] = field(default_factory=list)
    actors: list[list[dict[str, Any]]] = field(default_factory=list)
    citations: list[list[dict[str, Any]]] = field(default_factory=list)
    topics: list[list[dict[str, Any]]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    targets: list[DocKey] = field(default_factory=list)
    mandates: list[dict[str, Any]] = field(default_factory=list)


def _scope(paragraphs: tuple[str, ...]) -> str | None:
    return json.dumps(list(paragraphs)) if paragraphs else None


def document_record(doc: Document, links: DocumentLinks, *, source: str, content_hash: str,
                    parser_version: str, now: datetime) -> DocumentRecord:
    """All rows for an annotated document and what ``document_links`` found in it."""
    # here, not at the top: reading the store (``mealink status``) loads no annotator
    from mealink.annotate.actors import canonical_actor
    from mealink.mandates.extract import mandates_of

    key = links.keys[0] if links.keys else None
    doc_id = key.id if key else fallback_id(doc)
    label = group_label(links.keys) if key else (doc.symbol or doc.title or
                                                 Path(doc.source).name)
    if doc.adoption == "other body" and doc.adopted_by:  # not a convention's: say whose
        label = f"{label} ({doc.adopted_by})"
    row = {
        "id": doc_id, "work_id": key.work.id if key else doc_id,
        "convention": doc.convention, "type": key.type if key else "document",
        "number": key.number if key else doc.number, "revision": key.revision if key else None,
        "label": label[:300], "symbol": doc.symbol, "title": doc.title,
        "adopted_at": doc.adopted_at, "meeting": adoption_meeting(key, doc.adopted_at),
        "adopted_on": adoption_date(doc.adopted_at), "language": doc.language,
        "is_stub": False, "source": source, "content_hash": content_hash,
        "fingerprint": fingerprint(doc), "parser_version": parser_version,
        "status": "in force", "status_by": None, "in_force": True, "updated_at": now,
        "adoption": doc.adoption, "adopted_by": doc.adopted_by,
        "adoption_evidence": doc.adoption_evidence, "identified_by": doc.identified_by,
        "status_evidence": None, "page_status": doc.page_status,
    }
    rec = DocumentRecord(row, list(links.keys))
    anchors = paragraph_anchors(doc)
    names = {w: canonical_actor(w, doc.convention)
             for w in {a.value for p in doc.paragraphs for a in p.actors}}
    for i, p in enumerate(doc.paragraphs):
        pid = f"{doc_id}/{anchors[i]}"
        rec.paragraphs.append({
            "id": pid, "document_id": doc_id, "seq": i, "anchor": anchors[i], "kind": p.kind,
            "number": p.number,
            "parent_id": f"{doc_id}/{anchors[p.parent]}" if p.parent is not None else None,
            "depth": p.depth, "lead": p.lead.value[:120] if p.lead else None,
            "verb": p.verb.value if p.verb else None, "text": p.text,
            "text_hash": text_hash(p.text), "start": p.span.start, "end": p.span.end,
            "deadline": p.deadline.value if p.deadline else None,
            "condition": p.condition, "in_force": True,
            "convention": row["convention"], "meeting": row["meeting"],
        })
        rec.actors.append([{"name": a.value, "canonical": names.get(a.value),
                            "start": a.span.start, "end": a.span.end} for a in p.actors])
        rec.citations.append([])
        rec.topics.append([{"topic_id": t.id, "score": t.score, "evidence": json.dumps(
            [[m.span.start, m.span.end, m.value] for m in t.triggers], ensure_ascii=False)}
            for t in p.topics])
    for c in links.citations:
        target = c.keys[0] if len(c.keys) == 1 else None
        rec.citations[c.paragraph].append({
            "document_id": doc_id, "written": c.reference.text, "type": c.reference.type,
            "identifier": c.reference.identifier, "relation": c.relation,
            "target_key": target.id if target else None,
            "target_label": target.label if target else None, "target_id": None,
            "paragraphs": _scope(c.paragraphs), "in_footnote": c.reference.in_footnote,
            "start": c.reference.span.start, "end": c.reference.span.end, "title": c.title,
            "title_key": title_key(c.title),
        })
    for e in links.edges:
        rec.edges.append({
            "source_id": doc_id,
            "paragraph_id": f"{doc_id}/{anchors[e.paragraph]}" if e.paragraph is not None
            else None,
            "relation": e.relation, "target_key": e.target.id if e.target else None,
            "target_label": e.target.label if e.target else None, "target_id": None,
            "paragraphs": _scope(e.paragraphs), "written": e.written, "derived": False,
        })
    targets = {e.target for e in links.edges if e.target is not None}
    targets.update(k for c in links.citations for k in c.keys if k.type != "document")
    # a revised text revises at least its original, whether it is this text or one it cites
    # ("UNEP/CMS/Resolution 7.2 (Rev.COP12)" tells that Resolution 7.2 was revised at COP12)
    targets.update(k.work for k in [*links.keys, *targets] if k.revision)
    targets.difference_update(links.keys)
    rec.targets = sorted(targets, key=lambda k: k.id)
    rec.mandates = mandate_rows(mandates_of(
        doc, [f"{doc_id}/{a}" for a in anchors], doc_id, key.type if key else None,
        adoption_meeting(key, doc.adopted_at)), row, rec.paragraphs)
    return rec


def expression_record(rec: DocumentRecord, primary: dict[str, Any], evidence: str,
                      pairs: dict[int, tuple[str, str, str]]) -> DocumentRecord:
    """``rec`` as another language's expression of the stored text ``primary`` (its row as
    a dict: id, work_id, type, number, revision, meeting, label): the id
    ``PRIMARY-ID@LANG``, and each paragraph that ``pairs`` aligns (its index -> the
    counterpart's id and anchor, and the rule) takes its counterpart's anchor, so that
    ``cites/decision/19.30@es/op_1`` is ``cites/decision/19.30/op_1`` in Spanish. It holds
    no mandates, citations, lineage or topics of its own: the work's are the primary's, so
    nothing is counted twice."""
    lang = rec.document["language"]
    doc_id = f"{primary['id']}@{lang}"
    row = {**rec.document, "id": doc_id, "work_id": primary["work_id"],
           "type": primary["type"], "number": primary["number"],
           "revision": primary["revision"], "meeting": primary["meeting"],
           "adopted_on": primary["adopted_on"],
           "label": primary["label"], "expression_of": primary["id"],
           "expression_evidence": evidence}
    out = DocumentRecord(row, [])
    used: set[str] = set()
    ids: dict[str, str] = {}
    for i, p in enumerate(rec.paragraphs):
        pair = pairs.get(i)
        base = pair[1] if pair else p["anchor"]
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}~{n}", n + 1
        used.add(anchor)
        ids[p["id"]] = f"{doc_id}/{anchor}"
        out.paragraphs.append({**p, "id": ids[p["id"]], "document_id": doc_id,
                               "anchor": anchor, "meeting": row["meeting"],
                               "aligned_to": pair[0] if pair else None,
                               "aligned_by": pair[2][:200] if pair else None})
    for para in out.paragraphs:
        if para["parent_id"] is not None:
            para["parent_id"] = ids.get(para["parent_id"])
    out.actors = rec.actors
    out.citations = [[] for _ in rec.paragraphs]
    out.topics = [[] for _ in rec.paragraphs]
    return out


def mandate_rows(mandates: list[Mandate], document: dict[str, Any],
                 paragraphs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the mandates table (statuses are set by linking)."""
    where = {p["id"]: p for p in paragraphs}
    rows = []
    for seq, m in enumerate(mandates):
        d = m.deadline
        para = where[m.paragraph_id]
        rows.append({
            "id": m.id, "document_id": m.document_id, "paragraph_id": m.paragraph_id,
            "seq": seq, "convention": document["convention"],
            "document_label": document["label"], "document_title": document["title"],
            "paragraph_number": para["number"], "paragraph_seq": para["seq"], "in_force": True,
            "actor": m.actor[:300], "written": m.written, "role": m.role,
            "verb": m.verb, "strength": m.strength, "action": m.action,
            "deadline": d.written if d else None, "deadline_kind": d.kind if d else None,
            "deadline_convention": d.convention if d else None,
            "deadline_body": d.body if d else None, "deadline_number": d.number if d else None,
            "deadline_after": d.after if d else None, "deadline_on": d.day if d else None,
            "deadline_implied": d.implied if d else False, "condition": m.condition,
            "reporting_to": list(m.reporting_to), "time_bound": m.time_bound,
            "derived_status": "active", "derived_reason": None, "status": "active",
        })
    return rows


def stub_record(key: DocKey, now: datetime) -> dict[str, Any]:
    """The row of a text known only from citations: what its key tells."""
    return {
        "id": key.id, "work_id": key.work.id, "convention": key.convention, "type": key.type,
        "number": key.number, "revision": key.revision, "label": key.label[:300],
        "symbol": None, "title": None, "adopted_at": None,
        "meeting": adoption_meeting(key, None), "adopted_on": None, "language": "en",
        "is_stub": True, "source": None, "content_hash": None, "fingerprint": None,
        "parser_version": None, "status": "no repeal known", "status_by": None,
        "in_force": False, "updated_at": now, "adoption": "unknown", "adopted_by": None,
        "adoption_evidence": None, "identified_by": None, "status_evidence": None,
        "page_status": None,
    }

