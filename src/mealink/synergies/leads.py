"""Who addresses a cross-cutting issue, and which convention could lead on it: a duplication
report per topic with the evidence behind each suggestion. Pure.

For each convention that has in-force mandates on the topic the report counts the asks (a
paragraph with its lettered items counted once) and the texts, who they are addressed to,
the earliest in-force text on the issue (stored, or known from a citation in a paragraph on
the issue: CMS 11.28 names the liaison group set up under a CBD decision), the texts
dedicated to the issue (the topic is in their title), and whether a scientific or standing
body is asked to work on it. Drafts and subsidiary bodies' recommendations ask nothing and
count for nothing. The lead suggested is the convention with the best weighted evidence
(weights in ``data/synergies.toml``); none is suggested when two are too close to call or
only one convention addresses the issue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from mealink.synergies.overlaps import MandateItem
from mealink.synergies.rules import SynergyRules

__all__ = ["ConventionShare", "IssueReport", "KnownText", "issue_reports"]


@dataclass(frozen=True, slots=True)
class KnownText:
    """A text of a convention on an issue, known from a citation in a paragraph on the
    issue (its own text may not be in the corpus): what the earliest-text evidence can use."""

    convention: str
    label: str
    adopted: str  # ISO date
    cited_in: str  # 'CMS Resolution 11.28 (pre 7)'


def _root(item: MandateItem) -> str:
    """The paragraph an ask belongs to, its lettered items folded in: '3(a)' -> '3'."""
    if item.number:
        return f"{item.document_id}#{item.number.split('(')[0]}"
    return item.paragraph_id


@dataclass(frozen=True, slots=True)
class ConventionShare:
    """One convention's part in an issue."""

    convention: str
    mandates: int  # asks: paragraphs with their items counted once
    texts: tuple[str, ...]
    addressees: tuple[tuple[str, int], ...]
    earliest: str | None  # ISO date of its first text on the issue
    earliest_text: str | None
    dedicated: tuple[str, ...]  # texts with the issue in their title
    standing: tuple[str, ...]  # standing or scientific bodies asked
    cited_by: tuple[str, ...]  # other conventions' texts on the issue that cite its texts
    score: float
    mandate_count: int = 0  # every mandate, items and addressees apart

    def to_dict(self) -> dict[str, Any]:
        return {"convention": self.convention, "mandates": self.mandates,
                "mandates_by_addressee": self.mandate_count,
                "texts": list(self.texts), "addressees": dict(self.addressees),
                "earliest": self.earliest, "earliest_text": self.earliest_text,
                "dedicated": list(self.dedicated), "standing_bodies": list(self.standing),
                "cited_by": list(self.cited_by), "score": round(self.score, 3)}


@dataclass(frozen=True, slots=True)
class IssueReport:
    """A cross-cutting issue: who addresses it, and the lead suggested with its evidence."""

    topic: str
    label: str
    shares: tuple[ConventionShare, ...]
    lead: str | None
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "label": self.label, "lead": self.lead,
                "evidence": list(self.evidence),
                "conventions": [s.to_dict() for s in self.shares]}


def _share(convention: str, items: list[MandateItem], topic: str, rules: SynergyRules,
           cited_by: tuple[str, ...], known: tuple[KnownText, ...] = ()) -> ConventionShare:
    texts = sorted({i.document for i in items})
    dated = sorted([(i.adopted, i.document) for i in items if i.adopted] +
                   [(k.adopted, f"{k.label}, known from its citation in {k.cited_in}")
                    for k in known])
    addressees = Counter(a for i in items for a in i.actors)
    dedicated = sorted({i.document for i in items if topic in i.title_topics})
    standing = sorted({a for i in items if i.family in rules.standing_roles
                       for a in i.actors})
    return ConventionShare(convention, len({_root(i) for i in items}), tuple(texts),
                           tuple(addressees.most_common()), dated[0][0] if dated else None,
                           dated[0][1] if dated else None, tuple(dedicated), tuple(standing),
                           cited_by, 0.0, sum(len(i.mandate_ids) for i in items))


def _scored(shares: list[ConventionShare], rules: SynergyRules) -> list[ConventionShare]:
    w = rules.lead
    most = max(s.mandates for s in shares) or 1
    most_dedicated = max(len(s.dedicated) for s in shares) or 1
    first = min((s.earliest for s in shares if s.earliest), default=None)
    most_cited = max(len(s.cited_by) for s in shares) or 1
    out = []
    for s in shares:
        score = (w.mandates * s.mandates / most
                 + w.earliest * (1.0 if first is not None and s.earliest == first else 0.0)
                 + w.specific * len(s.dedicated) / most_dedicated
                 + w.standing * (1.0 if s.standing else 0.0)
                 + w.cited * len(s.cited_by) / most_cited)
        out.append(ConventionShare(s.convention, s.mandates, s.texts, s.addressees,
                                   s.earliest, s.earliest_text, s.dedicated, s.standing,
                                   s.cited_by, score, s.mandate_count))
    return sorted(out, key=lambda s: (-s.score, s.convention))


def _evidence(best: ConventionShare, others: list[ConventionShare]) -> tuple[str, ...]:
    texts = "1 text" if len(best.texts) == 1 else f"{len(best.texts)} texts"
    if best.texts:
        lines = [f"{best.mandates} in-force ask{'s' if best.mandates != 1 else ''} "
                 f"(paragraphs, items counted once) in {texts}"
                 + (" (the most)" if all(best.mandates >= o.mandates for o in others) else "")]
    else:
        lines = ["none of its texts on the issue is in the corpus: it is known from citations"]
    if best.earliest and all(not o.earliest or best.earliest <= o.earliest for o in others):
        lines.append(f"earliest text on the issue that nothing known has ended: "
                     f"{best.earliest_text} ({best.earliest[:4]})")
    if best.dedicated:
        lines.append("dedicated to the issue: " + ", ".join(best.dedicated))
    if best.standing:
        lines.append("standing body assigned: " + ", ".join(best.standing))
    if best.cited_by:
        lines.append("its texts are cited on the issue by " + ", ".join(best.cited_by))
    thin = [o.convention for o in others if not o.texts]
    if thin:
        lines.append(f"{', '.join(thin)}: {'its' if len(thin) == 1 else 'their'} texts on the "
                     "issue are known only from citations, not in the corpus; ingest them "
                     "before relying on this suggestion")
    return tuple(lines)


def issue_reports(items: list[MandateItem], labels: dict[str, str], rules: SynergyRules,
                  *, topics: list[str] | None = None,
                  cited: dict[str, dict[str, tuple[str, ...]]] | None = None,
                  known: dict[str, dict[str, tuple[KnownText, ...]]] | None = None
                  ) -> list[IssueReport]:
    """One report per topic addressed by at least two conventions (or per topic asked for),
    issues addressed by the most conventions first. ``cited[topic][convention]`` lists the
    other conventions' texts on the topic that cite that convention's texts;
    ``known[topic][convention]`` the convention's in-force texts known from citations in
    paragraphs on the topic."""
    cites = cited or {}
    knows = known or {}
    by_topic: dict[str, dict[str, list[MandateItem]]] = {}
    for it in items:
        for t in it.topics:
            by_topic.setdefault(t, {}).setdefault(it.convention, []).append(it)
    # a convention whose text on the issue is known only from a citation addresses it too
    # (no ask of it is in the corpus, but its earliest text may be the earliest of all)
    for t, conventions in by_topic.items():
        for c in knows.get(t, {}):
            conventions.setdefault(c, [])
    wanted = topics if topics is not None else [t for t, c in by_topic.items() if len(c) >= 2]
    reports = []
    for t in wanted:
        conventions = by_topic.get(t, {})
        shares = _scored([_share(c, its, t, rules, cites.get(t, {}).get(c, ()),
                                 knows.get(t, {}).get(c, ()))
                          for c, its in sorted(conventions.items())], rules) \
            if conventions else []
        lead: str | None = None
        evidence: tuple[str, ...] = ()
        if len(shares) == 1:
            evidence = (f"only {shares[0].convention} addresses it",)
        elif len(shares) >= 2:
            if shares[0].score - shares[1].score >= rules.lead.margin:
                lead = shares[0].convention
                evidence = _evidence(shares[0], shares[1:])
            else:
                evidence = (f"{shares[0].convention} and {shares[1].convention} are too close "
                            "to call on the evidence",)
        reports.append(IssueReport(t, labels.get(t, t), tuple(shares), lead, evidence))
    reports.sort(key=lambda r: (-len(r.shares), -sum(s.mandates for s in r.shares), r.topic))
    return reports
