"""Assessment findings in the store, and what they bear on: each finding linked to the
in-force mandates closest to it in meaning, with the topics they share, and the draft list
of recommendations a scientific body would consider (CMS Resolution 10.8 asks the
Scientific Council to consider the findings of IPBES assessments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from mealink.annotate.topics import find_topics
from mealink.errors import MealinkError
from mealink.findings.rules import Assessment
from mealink.semantic.encoder import Encoder
from mealink.store.engine.database import Store
from mealink.store.engine.schema import AssessmentRow, FindingRow
from mealink.store.search.vectors import vectors_of
from mealink.store.synergies import mandate_items, topic_labels
from mealink.synergies.overlaps import MandateItem
from mealink.synergies.rules import synergy_rules

__all__ = ["FindingLink", "FindingsReport", "match_findings", "store_assessment"]


def store_assessment(conn: Connection, assessment: Assessment, *, source: str,
                     content_hash: str) -> bool:
    """Write an assessment and its findings, replacing an earlier version (same id or same
    file); True when it replaced one."""
    old = conn.execute(select(AssessmentRow.id).where(
        (AssessmentRow.id == assessment.id) | (AssessmentRow.source == source))).scalars().all()
    if old:
        conn.execute(delete(AssessmentRow).where(AssessmentRow.id.in_(old)))
    conn.execute(insert(AssessmentRow), [{
        "id": assessment.id, "title": assessment.title, "body": assessment.body,
        "year": assessment.year, "symbol": assessment.symbol, "source": source,
        "content_hash": content_hash, "text": assessment.text,
        "updated_at": datetime.now(UTC).replace(tzinfo=None)}])
    if assessment.findings:
        conn.execute(insert(FindingRow), [{
            "assessment_id": assessment.id, "seq": i, "label": f.label, "section": f.section,
            "text": f.text, "confidence": f.confidence, "start": f.span.start,
            "end": f.span.end} for i, f in enumerate(assessment.findings)])
    return bool(old)


@dataclass(frozen=True, slots=True)
class FindingLink:
    """One finding, its topics, and the in-force mandates it bears on (most similar first)."""

    assessment: str
    label: str
    text: str
    topics: tuple[str, ...]
    topic_labels: tuple[str, ...]
    mandates: tuple[tuple[MandateItem, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"assessment": self.assessment, "label": self.label, "text": self.text,
                "topics": list(self.topics),
                "mandates": [{**m.to_dict(), "where": m.where, "similarity": round(s, 4)}
                             for m, s in self.mandates]}


@dataclass(frozen=True, slots=True)
class FindingsReport:
    """Every finding's links, and the draft recommendations drawn from them."""

    assessments: tuple[str, ...]
    links: tuple[FindingLink, ...]
    threshold: float
    recommendations: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"assessments": list(self.assessments), "threshold": self.threshold,
                "findings": [f.to_dict() for f in self.links],
                "recommendations": list(self.recommendations)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per link (a finding with no link gets one row of its own)."""
        out: list[dict[str, Any]] = []
        for f in self.links:
            base = {"assessment": f.assessment, "finding": f.label,
                    "topics": "; ".join(f.topic_labels)}
            if not f.mandates:
                out.append(base)
            for m, s in f.mandates:
                out.append({**base, "similarity": round(s, 3), "document": m.document,
                            "paragraph": m.number, "paragraph_id": m.paragraph_id,
                            "actors": "; ".join(m.actors), "action": m.action})
        return out


def _places(mandates: tuple[tuple[MandateItem, float], ...]) -> str:
    """'CMS Resolution 13.5 ¶2 and ¶4; CBD Decision 15/8 ¶2(b)' in order of first mention."""
    by_doc: dict[str, list[str]] = {}
    for m, _ in mandates:
        numbers = by_doc.setdefault(m.document, [])
        label = f"¶{m.number}" if m.number else ""
        if label and label not in numbers:
            numbers.append(label)
    parts = []
    for doc, numbers in by_doc.items():
        if not numbers:
            parts.append(doc)
        elif len(numbers) == 1:
            parts.append(f"{doc} {numbers[0]}")
        else:
            parts.append(f"{doc} {', '.join(numbers[:-1])} and {numbers[-1]}")
    return "; ".join(parts)


def recommendation(link: FindingLink) -> str:
    """The draft line for one finding."""
    on = f" on {', '.join(link.topic_labels[:2])}" if link.topic_labels else ""
    if not link.mandates:
        return (f"Finding {link.label}{on} bears on no mandate in force: consider whether "
                "new work is needed.")
    sims = [s for _, s in link.mandates]
    spread = f"{max(sims):.2f}" if len(sims) == 1 else f"{max(sims):.2f}–{min(sims):.2f}"
    return (f"Finding {link.label}{on} bears on {_places(link.mandates)} "
            f"(similarity {spread}).")


def match_findings(store: Store, *, assessment: str | None = None,
                   convention: str | None = None, threshold: float | None = None,
                   model: Encoder | None = None) -> FindingsReport:
    """Link every stored finding (of one assessment, or all) to the in-force mandates it
    bears on: those whose action is at least ``threshold`` close in meaning to the finding's
    statement or its whole text."""
    rules = synergy_rules()
    t = rules.finding_threshold if threshold is None else threshold
    with store.engine.connect() as conn:
        query = select(FindingRow.assessment_id, FindingRow.label, FindingRow.text).order_by(
            FindingRow.assessment_id, FindingRow.seq)
        if assessment:
            query = query.where(FindingRow.assessment_id == assessment)
        found = conn.execute(query).all()
    if not found:
        raise MealinkError(f"{store.name}: no assessment findings"
                           + (f" for {assessment!r}" if assessment else "")
                           + "; ingest a key-messages text or a findings list first")
    items = mandate_items(store, conventions=[convention] if convention else None)
    labels = topic_labels()
    actions = vectors_of(store, [i.action for i in items], model=model)
    statements = [f.text.split(". ")[0] for f in found]
    fv = vectors_of(store, [f.text for f in found] + statements, model=model)
    sims = np.maximum(fv[:len(found)] @ actions.T, fv[len(found):] @ actions.T) \
        if len(items) else np.zeros((len(found), 0), dtype=np.float32)
    links = []
    for row, f in enumerate(found):
        topics = tuple(tp.id for tp in find_topics(f.text, 0, len(f.text)) if tp.score >= 0.3)
        order = np.argsort(-sims[row], kind="stable")[:rules.finding_limit]
        chosen = tuple((items[i], float(sims[row, i])) for i in order if sims[row, i] >= t)
        links.append(FindingLink(f.assessment_id, f.label, f.text, topics,
                                 tuple(labels.get(x, x) for x in topics), chosen))
    return FindingsReport(tuple(dict.fromkeys(f.assessment_id for f in found)), tuple(links),
                          t, tuple(recommendation(link) for link in links))
