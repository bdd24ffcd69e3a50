"""A joint work plan drafted from overlapping in-force mandates: one activity per cluster of
overlaps that holds mandates of at least two of the conventions asked for, carrying its
mandates, the lead suggested for the cluster's issue with its evidence, and the earliest
deadline among its mandates as the timetable. Pure: clusters, issues and deadlines in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from mealink.synergies.leads import IssueReport
from mealink.synergies.overlaps import Cluster, MandateItem
from mealink.workplans.model import Activity, WorkPlan

__all__ = ["NO_DEADLINE", "Deadline", "DraftActivity", "draft_plan", "reference_of"]

NO_DEADLINE = "no deadline stated"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A mandate's deadline as resolved: its label ('CMS COP14') and the day it falls on,
    where the calendar tells."""

    label: str
    due: date | None


@dataclass(frozen=True, slots=True)
class DraftActivity:
    """A drafted activity with what it rests on: its mandates, the issue, why its lead."""

    activity: Activity
    topic: str | None
    members: tuple[MandateItem, ...]
    lead_evidence: tuple[str, ...]
    due: date | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.activity.to_dict(), "topic": self.topic,
                "due": self.due.isoformat() if self.due else None,
                "lead_evidence": list(self.lead_evidence),
                "mandate_details": [{"convention": m.convention, "symbol": m.document,
                                     "paragraph": m.number, "paragraph_id": m.paragraph_id,
                                     "addressee": m.family, "action": m.action,
                                     "mandates": list(m.mandate_ids)} for m in self.members]}


def reference_of(item: MandateItem) -> str:
    """How the plan cites a mandate: 'CMS Resolution 11.10 ¶8', or the paragraph's stable
    id when it has no number (the store resolves either)."""
    return f"{item.document} ¶{item.number}" if item.number else item.paragraph_id


def _topic(cluster: Cluster) -> str | None:
    """The topic most members carry (what ``clusters_of`` labels the cluster by)."""
    counts = Counter(t for m in cluster.members for t in m.topics)
    return counts.most_common(1)[0][0] if counts else None


def _shorten(text: str, width: int = 220) -> str:
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    return cut[:cut.rfind(" ")].rstrip(" ,;:") + "…"


def _timetable(cluster: Cluster, deadlines: dict[str, Deadline], as_of: date | None
               ) -> tuple[str, date | None]:
    """The earliest deadline among the cluster's mandates (those still ahead at ``as_of``
    when given), as its label and day."""
    found = [deadlines[i] for m in cluster.members for i in m.mandate_ids if i in deadlines]
    if as_of is not None:
        found = [d for d in found if d.due is None or d.due >= as_of]
    if not found:
        return NO_DEADLINE, None
    dated = sorted((d for d in found if d.due), key=lambda d: (d.due or date.max, d.label))
    first = dated[0] if dated else found[0]
    return (f"{first.label} ({first.due.isoformat()})" if first.due else first.label,
            first.due)


def draft_plan(name: str, conventions: list[str], clusters: list[Cluster],
               issues: list[IssueReport], deadlines: dict[str, Deadline], *,
               labels: dict[str, str] | None = None, as_of: date | None = None,
               compared: int = 0, threshold: float = 0.0) -> tuple[WorkPlan,
                                                                    list[DraftActivity]]:
    """The draft plan and its activities with their evidence; ``notes`` of the plan say why
    it is empty when no cluster qualifies."""
    wanted = {c.upper() for c in conventions}
    by_topic = {i.topic: i for i in issues}
    drafts: list[DraftActivity] = []
    for cluster in clusters:
        mine = [m for m in cluster.members if m.convention.upper() in wanted]
        if len({m.convention for m in mine}) < 2:
            continue
        topic = _topic(cluster)
        label = (labels or {}).get(topic or "", topic) if topic else None
        issue = by_topic.get(topic or "")
        lead = issue.lead if issue and issue.lead and issue.lead.upper() in wanted else None
        evidence = issue.evidence if issue else ("no issue shared by the mandates to weigh",)
        if issue and issue.lead and lead is None:
            evidence = (f"the issue's suggested lead, {issue.lead}, is not among "
                        f"{', '.join(conventions)}", *issue.evidence)
        first = next((m for m in mine if m.convention == lead), mine[0])
        timetable, due = _timetable(cluster, deadlines, as_of)
        n = len(drafts) + 1
        text = (f"Joint work on {label or 'what these mandates ask'}: "
                f"{_shorten(first.action)}")
        partners = tuple(c for c in sorted({m.convention for m in mine}) if c != lead)
        activity = Activity(f"D{n}", text, lead, partners, (), timetable,
                            tuple(dict.fromkeys(reference_of(m) for m in mine)), n)
        drafts.append(DraftActivity(activity, label, tuple(mine), tuple(evidence), due))
    notes: tuple[str, ...] = ()
    if not drafts:
        notes = (f"No cluster of overlapping in-force mandates holds mandates of at least two "
                 f"of {', '.join(conventions)} ({compared} in-force mandates compared, "
                 f"cosine ≥ {threshold:.2f}); nothing to draft. `mealink overlaps` shows "
                 "what overlaps.",)
    plan = WorkPlan(name, tuple(d.activity for d in drafts), None,
                    f"Drafted by mealink from overlapping in-force mandates of "
                    f"{', '.join(conventions)}", notes)
    return plan, drafts
