"""Documents to JSON-ready dicts: the parse contract of DESIGN.md, plus spans and extras.

Contract fields keep their meaning (``symbol``, ``paragraphs[].kind``, ``verb``, ``actors``
as written ...); extras are added beside them (``report_by``, ``period``, ``spans``,
``actors_canonical``, ``actor_codes`` (the CBD Decision Tracking Tool's), ``instruments``
and ``instruments_detail``, ``topics``, ``footnotes``, ``parent``, ``embedded_in``) so that
consumers of the contract are not disturbed.
"""

from __future__ import annotations

from typing import Any

from mealink.models import Document, Footnote, Instrument, Paragraph, Span, Topic


def _span(s: Span) -> list[int]:
    return [s.start, s.end]


def _footnote(f: Footnote) -> dict[str, Any]:
    return {"marker": f.marker, "text": " ".join(f.text.split()), "span": _span(f.span)}


def _topic(t: Topic) -> dict[str, Any]:
    from mealink.annotate.topics import topic_vocabulary

    concept = topic_vocabulary().concepts.get(t.id)
    return {"id": t.id, "label": concept.label if concept else None, "score": round(t.score, 3),
            "triggers": [m.value for m in t.triggers]}


def _instrument(i: Instrument) -> dict[str, Any]:
    return {"id": i.id, "kind": i.kind, "convention": i.convention}


def paragraph_to_dict(p: Paragraph, actor_names: dict[str, str | None] | None = None,
                      actor_codes: dict[str, str | None] | None = None) -> dict[str, Any]:
    """One paragraph in contract form."""
    out: dict[str, Any] = {
        "kind": p.kind,
        "number": p.number,
        "lead": p.lead.value if p.lead else None,
        "verb": p.verb.value if p.verb else None,
        "actors": [a.value for a in p.actors],
        "references": [r.text for r in p.references],
        "instruments": [i.text for i in p.instruments],
        "instruments_detail": [_instrument(i) for i in p.instruments],
        "repeals": [r.value for r in p.repeals],
        "deadline": p.deadline.value if p.deadline else None,
        "condition": p.condition,
        "text": p.text,
        "report_by": p.report_deadline.value if p.report_deadline else None,
        "period": p.period.value if p.period else None,
        "other_verbs": [v.value for v in p.other_verbs],
        "topics": [_topic(t) for t in p.topics],
        "parent": p.parent,
        "span": _span(p.span),
        "spans": {
            "lead": _span(p.lead.span) if p.lead else None,
            "verb": _span(p.verb.span) if p.verb else None,
            "actors": [_span(a.span) for a in p.actors],
            "references": [_span(r.span) for r in p.references],
            "instruments": [_span(i.span) for i in p.instruments],
            "deadline": _span(p.deadline.span) if p.deadline else None,
            "report_by": _span(p.report_deadline.span) if p.report_deadline else None,
            "period": _span(p.period.span) if p.period else None,
            "conditions": [_span(c.span) for c in p.conditions],
            "topics": [[_span(m.span) for m in t.triggers] for t in p.topics],
        },
    }
    if actor_names is not None:
        out["actors_canonical"] = [actor_names.get(a.value) for a in p.actors]
    if actor_codes is not None:
        out["actor_codes"] = [actor_codes.get(a.value) for a in p.actors]
    if p.footnotes:
        out["footnotes"] = [_footnote(f) for f in p.footnotes]
    if p.embedded_in is not None:
        out["embedded_in"] = p.embedded_in
    return out


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The whole document in contract form (one JSON Lines record of ``mealink parse``)."""
    from mealink.annotate.actors import actor_code, canonical_actor

    written = {a.value for p in doc.paragraphs for a in p.actors}
    names = {w: canonical_actor(w, doc.convention) for w in written}
    codes = {w: actor_code(w, doc.convention) for w in written}
    return {
        "source": doc.source,
        "symbol": doc.symbol,
        "convention": doc.convention,
        "number": doc.number,
        "revision": doc.revision,
        "title": doc.title,
        "adopted_at": doc.adopted_at,
        "language": doc.language,
        "adoption": doc.adoption,
        "adopted_by": doc.adopted_by,
        "adoption_evidence": doc.adoption_evidence,
        "identified_by": doc.identified_by,
        "page_status": doc.page_status,
        "paragraphs": [paragraph_to_dict(p, names, codes) for p in doc.paragraphs],
        "footnotes": [_footnote(f) for f in doc.footnotes],
        "annexes": [_span(s) for s in doc.annexes],
        "apparatus": [{"reason": a.reason, "span": _span(a.span)} for a in doc.apparatus],
    }
