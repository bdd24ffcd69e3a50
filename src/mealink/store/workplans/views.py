"""Work plans read back: the list of plans, one plan with each activity's mandates,
status, latest progress and whether it is overdue at a date, the activities that carry a
mandate out, and a plan drafted from the overlapping in-force mandates in the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from mealink.errors import MealinkError, NotFoundError
from mealink.link.status import parse_as_of
from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import knowledge
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import (
    ActivityMandateRow,
    ActivityProgressRow,
    ActivityRow,
    DocumentRow,
    MandateRow,
    ParagraphRow,
    WorkPlanRow,
)
from mealink.store.mandates import calendar_for, mandate
from mealink.store.synergies import overlap_report, topic_labels
from mealink.store.workplans.plans import _convention_in, due_of
from mealink.store.workplans.progress import ActivityEntry, entry_of_row
from mealink.workplans.draft import Deadline, DraftActivity, draft_plan
from mealink.workplans.model import WorkPlan, plan_rules

__all__ = ["ActivityView", "CarriedBy", "LinkView", "PlanView", "activities_for_mandate",
           "draft_from_store", "list_plans", "overdue_day", "plan_view"]


@dataclass(slots=True)
class LinkView:
    """A reference of an activity and where it leads: a paragraph with its mandates, a
    whole text, or nothing (with the reason)."""

    written: str
    document_id: str | None
    label: str | None  # 'CMS Resolution 11.10 ¶8'
    paragraph_id: str | None
    mandates: list[str]
    problem: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"written": self.written, "document": self.document_id, "label": self.label,
                "paragraph_id": self.paragraph_id, "mandates": self.mandates,
                "resolved": self.problem is None, "problem": self.problem}


@dataclass(slots=True)
class ActivityView:
    """An activity with its links, status, latest progress and whether it is overdue."""

    id: str
    text: str
    lead: str | None
    partners: list[str]
    targets: list[str]
    timetable: str | None
    due: date | None
    removed: bool
    links: list[LinkView] = field(default_factory=list)
    status: str = "active"
    latest: ActivityEntry | None = None
    entries: int = 0
    overdue: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "lead": self.lead,
                "partners": self.partners, "targets": self.targets,
                "timetable": self.timetable, "due": self.due.isoformat() if self.due else None,
                "status": self.status, "overdue": self.overdue, "removed": self.removed,
                "entries": self.entries,
                "latest_progress": self.latest.to_dict() if self.latest else None,
                "mandates": [lk.to_dict() for lk in self.links]}

    def row(self) -> dict[str, Any]:
        """One flat row for CSV and spreadsheets."""
        return {"id": self.id, "activity": self.text, "lead": self.lead,
                "partners": self.partners, "targets": self.targets,
                "timetable": self.timetable, "due": self.due.isoformat() if self.due else None,
                "status": self.status, "overdue": self.overdue,
                "mandates": [lk.label or lk.written for lk in self.links if not lk.problem],
                "unresolved": [lk.written for lk in self.links if lk.problem],
                "latest_date": self.latest.recorded_at.date().isoformat()
                if self.latest else None,
                "latest_by": self.latest.author if self.latest else None,
                "latest_note": self.latest.note if self.latest else None,
                "evidence": list(self.latest.evidence) if self.latest else [],
                "removed": self.removed}


ROW_COLUMNS = ["id", "activity", "lead", "partners", "targets", "timetable", "due", "status",
               "overdue", "mandates", "unresolved", "latest_date", "latest_by", "latest_note",
               "evidence", "removed"]


@dataclass(slots=True)
class PlanView:
    """A work plan as read back, at a date (for what is overdue)."""

    id: str
    name: str
    description: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    as_of: str
    activities: list[ActivityView]

    @property
    def counts(self) -> dict[str, int]:
        """Activities (not removed) per status, in the vocabulary's order."""
        c = Counter(a.status for a in self.activities if not a.removed)
        return {s: c[s] for s in [*knowledge().statuses, *sorted(c)] if c[s]}

    @property
    def overdue(self) -> list[ActivityView]:
        return [a for a in self.activities if a.overdue and not a.removed]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description,
                "source": self.source, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(), "as_of": self.as_of,
                "counts": self.counts, "overdue": [a.id for a in self.overdue],
                "activities": [a.to_dict() for a in self.activities]}


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def overdue_day(as_of: str | None, lead: str | None, calendar: Calendar,
                today: date | None = None) -> date | None:
    """The day ``as_of`` stands for: a date, or the end of a meeting of the lead's
    convention ('COP15'); today when None."""
    if as_of is None:
        return today or date.today()
    at = parse_as_of(as_of)
    if at.day is not None:
        return at.day
    return calendar.end_of(_convention_in(lead), "COP", at.meeting)


def list_plans(store: Store, as_of: str | None = None) -> list[PlanView]:
    """Every stored plan, by name."""
    with store.engine.connect() as conn:
        ids = conn.execute(select(WorkPlanRow.id).order_by(WorkPlanRow.name)).scalars().all()
    return [plan_view(store, i, as_of) for i in ids]


def plan_view(store: Store, plan_id: str, as_of: str | None = None,
              today: date | None = None) -> PlanView:
    """One plan with its activities in the plan's order (removed ones last)."""
    if as_of is not None:
        parse_as_of(as_of)  # a bad value is refused before anything is read
    with store.engine.connect() as conn:
        head = conn.execute(select(WorkPlanRow).where(WorkPlanRow.id == plan_id)).first()
        if head is None:
            raise NotFoundError(f"no work plan {plan_id!r}; `mealink workplan list` gives "
                                "their ids")
        cal = calendar_for(SqlReader(conn))
        rows = conn.execute(select(ActivityRow).where(ActivityRow.workplan_id == plan_id)
                            .order_by(ActivityRow.removed, ActivityRow.seq)).all()
        links = _link_views(conn, [r.pk for r in rows])
        entries: dict[str, list[ActivityEntry]] = {}
        for p in conn.execute(select(ActivityProgressRow.__table__).where(
                ActivityProgressRow.workplan_id == plan_id).order_by(
                ActivityProgressRow.activity_id, ActivityProgressRow.seq)):
            entries.setdefault(p.activity_id, []).append(entry_of_row(p))
    closed = plan_rules().closed
    out = []
    for r in rows:
        mine = entries.get(r.activity_id, [])
        status = next((e.status for e in reversed(mine) if e.status), "active")
        day = overdue_day(as_of, r.lead, cal, today)
        # a meeting the calendar could not date at the import may be dated now
        due = r.due_on or due_of(r.timetable, r.lead, cal)
        v = ActivityView(r.activity_id, r.text, r.lead, list(r.partners or []),
                         list(r.targets or []), r.timetable, due, bool(r.removed),
                         links.get(r.pk, []), status, mine[-1] if mine else None, len(mine))
        v.overdue = (due is not None and day is not None and due < day
                     and status not in closed)
        out.append(v)
    return PlanView(head.id, head.name, head.description, head.source,
                    _aware(head.created_at), _aware(head.updated_at),
                    as_of or (today or date.today()).isoformat(), out)


def _link_views(conn: Connection, pks: list[int]) -> dict[int, list[LinkView]]:
    out: dict[int, list[LinkView]] = {}
    if not pks:
        return out
    m = ActivityMandateRow
    rows = conn.execute(select(m.activity_pk, m.written, m.document_id, m.paragraph_id,
                               m.problem, DocumentRow.label, ParagraphRow.number)
                        .outerjoin(DocumentRow, DocumentRow.id == ActivityMandateRow.document_id)
                        .outerjoin(ParagraphRow,
                                   ParagraphRow.id == ActivityMandateRow.paragraph_id)
                        .where(ActivityMandateRow.activity_pk.in_(pks))
                        .order_by(ActivityMandateRow.activity_pk, ActivityMandateRow.seq)).all()
    paragraphs = {r.paragraph_id for r in rows} - {None}
    by_paragraph: dict[str, list[str]] = {}
    if paragraphs:
        for md in conn.execute(select(MandateRow.paragraph_id, MandateRow.id).where(
                MandateRow.paragraph_id.in_(paragraphs)).order_by(MandateRow.seq)):
            by_paragraph.setdefault(md.paragraph_id, []).append(md.id)
    for link in rows:
        r = link
        label = None
        problem = link.problem
        if link.document_id and r.label is None:  # its text was deleted since the import
            problem = problem or "its text is no longer in the corpus"
        elif link.paragraph_id and not problem:
            label = f"{r.label} ¶{r.number}" if r.number else \
                f"{r.label} ({link.paragraph_id.rsplit('/', 1)[-1]})"
        elif link.document_id and not problem:
            label = f"{r.label} (the whole text)"
        out.setdefault(link.activity_pk, []).append(LinkView(
            link.written, link.document_id, label, link.paragraph_id,
            by_paragraph.get(link.paragraph_id or "", []), problem))
    return out


@dataclass(frozen=True, slots=True)
class CarriedBy:
    """An activity of a work plan that carries out a mandate."""

    workplan_id: str
    workplan: str
    activity_id: str
    text: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"workplan": self.workplan_id, "workplan_name": self.workplan,
                "activity": self.activity_id, "text": self.text, "status": self.status}


def activities_for_mandate(store: Store, mandate_id: str) -> list[CarriedBy]:
    """The activities (not removed) whose references name the mandate's paragraph."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(WorkPlanRow.id, WorkPlanRow.name, ActivityRow.activity_id,
                                   ActivityRow.text).select_from(MandateRow)
                            .join(ActivityMandateRow,
                                  ActivityMandateRow.paragraph_id == MandateRow.paragraph_id)
                            .join(ActivityRow, ActivityRow.pk == ActivityMandateRow.activity_pk)
                            .join(WorkPlanRow, WorkPlanRow.id == ActivityRow.workplan_id)
                            .where(MandateRow.id == mandate_id, ActivityRow.removed.is_(False))
                            .order_by(WorkPlanRow.name, ActivityRow.seq)).all()
        status: dict[tuple[str, str], str] = {}
        for p in conn.execute(select(ActivityProgressRow.workplan_id,
                                     ActivityProgressRow.activity_id,
                                     ActivityProgressRow.status).where(
                ActivityProgressRow.status.is_not(None)).order_by(ActivityProgressRow.seq)):
            status[(p.workplan_id, p.activity_id)] = p.status
    seen = dict.fromkeys((r.id, r.name, r.activity_id, r.text) for r in rows)
    return [CarriedBy(i, n, a, t, status.get((i, a), "active")) for i, n, a, t in seen]


def draft_from_store(store: Store, conventions: list[str], *, topic: str | None = None,
                     as_of: str | None = None, name: str | None = None,
                     threshold: float | None = None) -> tuple[WorkPlan, list[DraftActivity]]:
    """A draft joint work plan of ``conventions`` from their overlapping in-force mandates
    (``overlap_report``), with each mandate's resolved deadline."""
    if len(conventions) < 2:
        raise MealinkError("--conventions: a joint work plan needs at least two conventions, "
                           "such as CMS,CITES")
    report = overlap_report(store, topic=topic, conventions=conventions, threshold=threshold)
    deadlines: dict[str, Deadline] = {}
    for c in report.clusters:
        for m in c.members:
            for mid in m.mandate_ids:
                v = mandate(store, mid)
                if v.deadline is not None:
                    deadlines[mid] = Deadline(v.deadline.label, v.due)
    day = None
    if as_of is not None:
        at = parse_as_of(as_of)
        with store.engine.connect() as conn:
            day = at.day or calendar_for(SqlReader(conn)).end_of(conventions[0].upper(), "COP",
                                                       at.meeting)
        if day is None:
            raise MealinkError(f"--as-of {as_of}: no date is known for that meeting of "
                               f"{conventions[0]}; give a date (2026-06-30)")
    title = name or (f"Joint work plan {' / '.join(conventions)}"
                     + (f" on {topic}" if topic else ""))
    return draft_plan(title, conventions, list(report.clusters), list(report.issues),
                      deadlines, labels=topic_labels(), as_of=day,
                      compared=report.mandates, threshold=report.threshold)
