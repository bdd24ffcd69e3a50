"""A work plan stored: imported in one transaction (a plan whose file is refused leaves
nothing behind), each reference resolved to a stored paragraph or kept as unresolved with
the reason. Importing a plan again replaces its activities by id: a changed activity is
rewritten, a new one added, one the file no longer holds is marked removed; the progress
recorded on activities is never touched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from mealink.errors import MealinkError
from mealink.link.status import parse_as_of
from mealink.mandates.deadlines import Calendar
from mealink.numbering import numbering
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import ActivityMandateRow, ActivityRow, WorkPlanRow
from mealink.store.mandates import calendar_for
from mealink.store.workplans.resolve import Resolved, resolve_reference
from mealink.workplans.model import Activity, WorkPlan, WorkPlanError

__all__ = ["ImportResult", "Unresolved", "due_of", "import_plan", "plan_id_of"]

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_LEADING = re.compile(r"^(?:by|before|at|until|to|end of|the)\s+", re.I)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A reference of the plan that names no stored paragraph, where it is and why."""

    row: int
    activity: str
    written: str
    problem: str

    def line(self, source: str | None) -> str:
        """'plan.csv row 4 (activity 1.2): 'CBD XIII/5 ¶3': ...' (a YAML plan's item)."""
        unit = "item" if (source or "").lower().endswith((".yaml", ".yml")) else "row"
        where = f"{source} " if source else ""
        return f"{where}{unit} {self.row} (activity {self.activity}): {self.written!r}: " \
               f"{self.problem}"


@dataclass(slots=True)
class ImportResult:
    """What an import did: the plan's id, activities added, replaced, unchanged and
    marked removed, references resolved and those that were not."""

    plan_id: str
    name: str
    source: str | None
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    #: what the plan replaced when it was stored before: (its file, when it was imported)
    previous: tuple[str | None, datetime] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"workplan": self.plan_id, "name": self.name, "source": self.source,
                "added": self.added, "replaced": self.replaced, "unchanged": self.unchanged,
                "removed": self.removed,
                "resolved": [{"written": r.written, "paragraph": r.label,
                              "paragraph_id": r.paragraph_id, "document": r.document_id}
                             for r in self.resolved],
                "unresolved": [{"row": u.row, "activity": u.activity, "written": u.written,
                                "problem": u.problem} for u in self.unresolved],
                "replaces": {"source": self.previous[0],
                             "imported_at": self.previous[1].isoformat()}
                if self.previous else None}


def plan_id_of(name: str) -> str:
    """A plan's id from its name: 'CMS-CITES Joint Work Plan 2026' ->
    'cms-cites-joint-work-plan-2026'."""
    slug = re.sub(r"[^a-z0-9._]+", "-", name.lower()).strip("-.")[:120].rstrip("-.")
    if not slug:
        raise MealinkError(f"cannot make an id from the name {name!r}; give --id, such as "
                           "cms-cites-2026")
    return slug


def _convention_in(text: str | None) -> str | None:
    """The convention a lead or a timetable names ('CMS Secretariat' -> 'CMS')."""
    if not text:
        return None
    m = numbering().aliases.search(text)
    return numbering().alias_owner[m.group(0)] if m else None


def due_of(timetable: str | None, lead: str | None, calendar: Calendar) -> date | None:
    """The day a timetable falls on: a date ('2026-06-30', '2027' is its last day) or the
    end of a meeting ('CMS COP15', 'COP15' of the lead's convention) the calendar knows."""
    if not timetable:
        return None
    if (iso := _ISO.search(timetable)) is not None:  # 'CITES CoP20 (2025-12-05)'
        return parse_as_of(iso.group(0), "timetable").day
    for part in reversed(re.split(r"[;,]|\bor\b|\band\b", timetable)):  # the last is the end
        conv = _convention_in(part) or _convention_in(lead)
        text = part
        if (m := numbering().aliases.search(text)) is not None:
            text = text[:m.start()] + text[m.end():]
        text = _LEADING.sub("", text.strip(" ().")).strip()
        try:
            at = parse_as_of(text, "timetable")
        except MealinkError:
            continue
        if at.day is not None:
            return at.day
        return calendar.end_of(conv, "COP", at.meeting)
    return None


def _fields(a: Activity, due: date | None) -> dict[str, Any]:
    return {"text": a.text, "lead": a.lead, "partners": list(a.partners),
            "targets": list(a.targets), "timetable": a.timetable, "due_on": due,
            "removed": False}


def import_plan(store: Store, plan: WorkPlan, *, plan_id: str | None = None,
                strict: bool = False, now: datetime | None = None) -> ImportResult:
    """Store ``plan`` under ``plan_id`` (else an id made from its name), in one transaction.
    ``strict``: a reference that names no stored paragraph refuses the whole plan."""
    pid = plan_id or plan_id_of(plan.name)
    if not _ID.match(pid):
        raise MealinkError(f"--id {pid!r}: use lower-case letters, digits, '.', '_' and '-' "
                           "(such as cms-cites-2026)")
    when = now or datetime.now(UTC)
    result = ImportResult(pid, plan.name, plan.source)
    with store.engine.begin() as conn:
        cal = calendar_for(SqlReader(conn))
        seen: dict[tuple[str, str | None], list[Resolved]] = {}
        memo: dict[Any, Any] = {}
        resolved = {a.id: _resolve(conn, a, result, seen, memo) for a in plan.activities}
        if strict and result.unresolved:
            first = result.unresolved[0]
            more = len(result.unresolved) - 1
            raise WorkPlanError(first.line(plan.source) + (
                f" (and {more} more unresolved)" if more else "") + "; nothing was stored")
        _store_plan(conn, plan, pid, when, cal, resolved, result)
    return result


def _resolve(conn: Connection, a: Activity, result: ImportResult,
             seen: dict[tuple[str, str | None], list[Resolved]], memo: dict[Any, Any]
             ) -> list[Resolved]:
    """The references of one activity resolved; ``seen`` keeps what a plan cites again (a
    plan cites the same few paragraphs many times)."""
    context = _convention_in(a.lead)
    out: list[Resolved] = []
    for written in a.mandates:
        key = (written, context)
        if key not in seen:
            seen[key] = resolve_reference(conn, written, context, memo)
        for r in seen[key]:
            out.append(r)
            if r.problem:
                result.unresolved.append(Unresolved(a.row, a.id, written, r.problem))
            else:
                result.resolved.append(r)
    return out


def _store_plan(conn: Connection, plan: WorkPlan, pid: str, when: datetime, cal: Calendar,
                resolved: dict[str, list[Resolved]], result: ImportResult) -> None:
    head = {"name": plan.name[:500], "description": plan.description, "source": plan.source,
            "updated_at": when}
    before = conn.execute(select(WorkPlanRow.source, WorkPlanRow.updated_at).where(
        WorkPlanRow.id == pid)).first()
    if before is None:
        conn.execute(insert(WorkPlanRow), [{"id": pid, "created_at": when, **head}])
    else:
        at = before.updated_at if before.updated_at.tzinfo \
            else before.updated_at.replace(tzinfo=UTC)
        result.previous = (before.source, at)
        conn.execute(update(WorkPlanRow).where(WorkPlanRow.id == pid).values(**head))
    stored = {r.activity_id: r for r in conn.execute(select(ActivityRow).where(
        ActivityRow.workplan_id == pid))}
    written = _links(conn, [r.pk for r in stored.values()])
    for seq, a in enumerate(plan.activities, 1):
        values = _fields(a, due_of(a.timetable, a.lead, cal))
        links = resolved[a.id]
        old = stored.pop(a.id, None)
        if old is None:
            made = conn.execute(insert(ActivityRow).values(
                workplan_id=pid, activity_id=a.id, seq=seq, **values)).inserted_primary_key
            assert made is not None
            pk = made[0]
            result.added.append(a.id)
        else:
            pk = old.pk
            was = written.get(pk, [])
            if old.seq == seq and all(getattr(old, k) == v for k, v in values.items()) \
                    and was == [(r.written, r.paragraph_id, r.problem) for r in links]:
                result.unchanged.append(a.id)
                continue
            conn.execute(update(ActivityRow).where(ActivityRow.pk == pk).values(
                seq=seq, **values))
            conn.execute(delete(ActivityMandateRow).where(ActivityMandateRow.activity_pk == pk))
            result.replaced.append(a.id)
        if links:
            conn.execute(insert(ActivityMandateRow), [
                {"activity_pk": pk, "seq": n, "written": r.written,
                 "document_id": r.document_id, "paragraph_id": r.paragraph_id,
                 "problem": r.problem} for n, r in enumerate(links, 1)])
    for old in stored.values():  # no longer in the file: kept, with its progress, as removed
        if not old.removed:
            conn.execute(update(ActivityRow).where(ActivityRow.pk == old.pk).values(
                removed=True))
            result.removed.append(old.activity_id)


def _links(conn: Connection, pks: list[int]) -> dict[int, list[tuple[str, str | None,
                                                                    str | None]]]:
    out: dict[int, list[tuple[str, str | None, str | None]]] = {}
    if not pks:
        return out
    for r in conn.execute(select(ActivityMandateRow).where(
            ActivityMandateRow.activity_pk.in_(pks)).order_by(ActivityMandateRow.activity_pk,
                                                            ActivityMandateRow.seq)):
        out.setdefault(r.activity_pk, []).append((r.written, r.paragraph_id, r.problem))
    return out
