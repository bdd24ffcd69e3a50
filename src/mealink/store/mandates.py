"""Stored mandates: their statuses (derived when the corpus is linked), queries with filters
and the per-actor digest. The progress people record on them is ``store.progress``."""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    bindparam,
    func,
    select,
    type_coerce,
    update,
)

from mealink.errors import MealinkError, NotFoundError
from mealink.link.status import AsOf, DocInfo, Status, parse_as_of
from mealink.mandates.deadlines import Calendar, Deadline
from mealink.mandates.knowledge import knowledge
from mealink.mandates.status import (
    Derived,
    carry_status,
    derive_status,
    effective_status,
    removal_status,
)
from mealink.store.calendar import calendar_for
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader, as_date
from mealink.store.engine.schema import (
    MandateCarryRow,
    MandateRow,
    ParagraphRow,
    ProgressRow,
)
from mealink.store.progress import ProgressEntry, entry_of
from mealink.vocabulary import vocabulary

__all__ = ["MandateFilters", "MandateView", "calendar_for", "deadline_of", "derive_statuses",
           "digest", "list_mandates", "mandate", "mandate_counts", "page_mandates"]


def deadline_of(row: Any) -> Deadline | None:
    """The ``Deadline`` a mandates row holds."""
    if row.deadline is None or row.deadline_kind is None:
        return None
    return Deadline(row.deadline, row.deadline_kind, row.deadline_convention,
                    row.deadline_body, row.deadline_number, row.deadline_after,
                    row.deadline_on, bool(row.deadline_implied))


def _removals(statuses: dict[str, Status], docs: dict[str, DocInfo]
              ) -> tuple[dict[str, Derived], dict[str, list[tuple[str, Derived]]]]:
    """Per document: what ended all of it (an act, a lapse, not being adopted), or the acts
    that removed paragraphs."""
    whole: dict[str, Derived] = {}
    partial: dict[str, list[tuple[str, Derived]]] = defaultdict(list)
    for doc_id, st in statuses.items():
        if st.state == "expected to have lapsed":
            whole[doc_id] = Derived("elapsed", f"its text is expected to have lapsed at "
                                               f"{st.lapsed_at}")
        elif st.state == "not adopted":
            why = st.evidence[0].text if st.evidence else "not adopted"
            whole[doc_id] = Derived("not-adopted", why)
        for act in st.acts:
            by = docs[act.source].label if act.source in docs else act.source
            if not act.paragraphs and doc_id not in whole and not st.in_force:
                whole[doc_id] = removal_status(act.relation, by)
            for n in act.paragraphs:
                partial[doc_id].append((n, removal_status(act.relation, by)))
        acted = {n for act in st.acts for n in act.paragraphs}
        for n in st.removed_paragraphs:  # retired as the page says; decisions not kept
            if n in st.page_removed:
                partial[doc_id].append((n, Derived("retired", "retired, as the page it was "
                                                              "copied from says")))
            elif n not in acted:
                partial[doc_id].append((n, Derived("elapsed", "not kept: expected to have "
                                                              "lapsed at the next meeting")))
    return whole, partial


def _paragraph_removal(number: str | None, removed: list[tuple[str, Derived]]
                       ) -> Derived | None:
    if number is None:
        return None
    for n, d in removed:
        if number == n or number.startswith(f"{n}("):
            return d
    return None


def _carried_to(conn: Connection, *, same_ask: bool = False) -> dict[str, list[str]]:
    """Each mandate carried across revisions -> the mandates of later versions it became;
    with ``same_ask``, only through paragraphs carried unchanged or merely renumbered."""
    q = select(MandateCarryRow.mandate_id, MandateCarryRow.to_mandate_id).where(
        MandateCarryRow.to_mandate_id.is_not(None))
    if same_ask:
        q = q.where(MandateCarryRow.how.not_like("%reworded%"))
    step = {r.mandate_id: r.to_mandate_id for r in conn.execute(q)}
    out: dict[str, list[str]] = {}
    for m in step:
        seen, at = [m], m
        while (at := step.get(at)) is not None and at not in seen:
            seen.append(at)
        out[m] = seen
    return out


def recorded_statuses(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The status of each mandate's latest progress entry that set one, counting those
    recorded on the same mandate of earlier versions where the revision left its paragraph
    unchanged or only renumbered it. A reworded paragraph may ask anew (CITES Decision
    17.170 (Rev. CoP19) moved the report from CoP19 to CoP20): its history shows the
    earlier entries, but "implemented" on the earlier ask is not a status of the new one."""
    q = select(ProgressRow.mandate_id, ProgressRow.status).where(
        ProgressRow.status.is_not(None)).order_by(ProgressRow.recorded_at, ProgressRow.seq)
    reach = _carried_to(conn, same_ask=True)
    wanted = None if ids is None else set(ids)
    if wanted is not None:
        q = q.where(ProgressRow.mandate_id.in_(
            wanted | {old for old, chain in reach.items() if wanted.intersection(chain)}))
    out: dict[str, str] = {}
    for r in conn.execute(q):
        for m in reach.get(r.mandate_id) or [r.mandate_id]:
            if wanted is None or m in wanted:
                out[m] = r.status
    return out


def derive_statuses(conn: Connection, docs: dict[str, DocInfo], statuses: dict[str, Status],
                    calendar: Calendar | None = None) -> int:
    """Set every mandate's derived and effective status; returns how many changed."""
    cal = calendar or calendar_for(SqlReader(conn))
    whole, partial = _removals(statuses, docs)
    recorded = recorded_statuses(conn)
    carried = {r.mandate_id: carry_status(r.how, r.by_label) for r in conn.execute(
        select(MandateCarryRow.mandate_id, MandateCarryRow.how, MandateCarryRow.by_label))}
    rows = conn.execute(select(
        MandateRow.id, MandateRow.document_id, MandateRow.derived_status,
        MandateRow.derived_reason, MandateRow.status, MandateRow.deadline,
        MandateRow.deadline_kind, MandateRow.deadline_convention, MandateRow.deadline_body,
        MandateRow.deadline_number, MandateRow.deadline_after, MandateRow.deadline_on,
        MandateRow.deadline_implied, MandateRow.in_force, ParagraphRow.number,
        ParagraphRow.in_force.label("paragraph_in_force")).join(
        ParagraphRow, ParagraphRow.id == MandateRow.paragraph_id)).all()
    changes = []
    for r in rows:
        removal = whole.get(r.document_id) or _paragraph_removal(r.number,
                                                                 partial.get(r.document_id, []))
        if r.id in carried and (removal is None or removal.status == "superseded"):
            removal = carried[r.id]  # a later version of its text took it over or dropped it
        d = derive_status(removal, deadline_of(r), cal)
        status = effective_status(d, recorded.get(r.id))
        live = bool(r.paragraph_in_force)
        if (d.status, d.reason, status, live) != (r.derived_status, r.derived_reason, r.status,
                                                  bool(r.in_force)):
            changes.append({"b_id": r.id, "derived_status": d.status,
                            "derived_reason": d.reason, "status": status, "in_force": live})
    if changes:
        conn.execute(update(MandateRow).where(MandateRow.id == bindparam("b_id")), changes)
    return len(changes)


@dataclass(slots=True)
class MandateFilters:
    """What ``list_mandates`` narrows to. ``actor`` matches the canonical name, the name as
    written or the role ("scientific body"); deadlines compare with a meeting or a date."""

    actor: str | None = None
    convention: str | None = None
    status: str | None = None
    in_force: bool | None = None
    document: str | None = None
    due_before: str | None = None
    due_after: str | None = None
    time_bound: bool | None = None
    strength: str | None = None


@dataclass(slots=True)
class MandateView:
    """A mandate with what a reader needs beside it."""

    id: str
    document_id: str
    document_label: str
    title: str | None
    convention: str | None
    paragraph_id: str
    paragraph: str | None
    actor: str
    written: str
    role: str | None
    verb: str
    strength: str
    action: str
    deadline: Deadline | None
    condition: str | None
    reporting_to: list[str]
    status: str
    derived_status: str
    derived_reason: str | None
    in_force: bool
    text: str | None
    latest: ProgressEntry | None = None
    entries: int = 0
    due: date | None = field(default=None)
    order: tuple[str, int] = ("", 0)  # document, paragraph: the text's own order

    @property
    def time_bound(self) -> bool:
        return self.deadline is not None

    @property
    def sentence(self) -> str:
        """What is asked, as a sentence ('requests the Secretariat to compile ...')."""
        from mealink.mandates.extract import mandate_sentence  # not needed to read statuses

        return mandate_sentence(self.verb, self.written, self.action)

    def to_dict(self) -> dict[str, Any]:
        d = self.deadline
        return {
            "id": self.id, "document": self.document_id, "label": self.document_label,
            "title": self.title, "convention": self.convention,
            "paragraph": self.paragraph, "paragraph_id": self.paragraph_id,
            "actor": self.actor, "written": self.written, "role": self.role,
            "verb": self.verb, "strength": self.strength, "action": self.action,
            "deadline": d.written if d else None, "deadline_resolved": d.label if d else None,
            "deadline_implied": d.implied if d else False,
            "due": self.due.isoformat() if self.due else None,
            "time_bound": self.time_bound, "condition": self.condition,
            "reporting_to": self.reporting_to, "status": self.status,
            "derived_status": self.derived_status, "derived_reason": self.derived_reason,
            "in_force": self.in_force, "entries": self.entries,
            "latest_progress": self.latest.to_dict() if self.latest else None,
        }


def _actor_names(actor: str) -> tuple[str | None, str]:
    """(canonical name, lower-cased input): 'scientific council' -> 'Scientific Council'."""
    lower = " ".join(actor.lower().split())
    return vocabulary().actor_aliases.get(lower), lower


def _due(d: Deadline | None, cal: Calendar) -> date | None:
    """The day a deadline falls on, where the calendar tells (for sorting and filters)."""
    if d is None:
        return None
    if d.kind == "date":
        return d.day
    if d.kind == "meeting":
        return cal.end_of(d.convention, d.body, d.number)
    return cal.end_of(d.convention, "COP", (d.after or 0) + 1) if d.after is not None else None


def _compare(d: Deadline | None, due: date | None, bound: AsOf, convention: str | None
             ) -> int | None:
    """-1, 0 or 1 as the deadline falls before, at or after ``bound``; None if unknown."""
    if d is None:
        return None
    if bound.meeting is not None and d.kind != "date" and (
            convention is None or d.convention == convention):
        n = d.number if d.kind == "meeting" and d.body == "COP" else \
            (d.after + 1 if d.after is not None else None)
        if n is not None:
            return (n > bound.meeting) - (n < bound.meeting)
    if bound.day is not None and due is not None:
        return (due > bound.day) - (due < bound.day)
    return None


def _raw_rows(conn: Connection, q: Any) -> list[Any]:
    """The rows of ``q`` as the driver returns them, without SQLAlchemy's per-value type
    processing (a third of the time of a 12,000-row digest); the caller converts."""
    comp = q.compile(dialect=conn.dialect)
    params = tuple(comp.params[k] for k in comp.positiontup) if comp.positional \
        else comp.params
    return list(conn.exec_driver_sql(str(comp), params).all())


def _deadline(v: Any) -> Deadline:
    """A Deadline from the eight deadline columns as the driver returns them."""
    return Deadline(v[0], v[1], v[2], v[3], v[4], v[5], as_date(v[6]), bool(v[7]))


def _json_list(value: Any) -> list[str]:
    """A JSON list column read as text (SQLite) or already decoded (the PostgreSQL driver)."""
    if isinstance(value, list):
        return value
    return json.loads(value) if value not in (None, "[]") else []


# The columns of a MandateView, in its order: 0-12 as they are, 13-20 a Deadline, then
# condition, status, derived status and reason, in force, paragraph order, reporting_to,
# the paragraph text.
_VIEW_COLUMNS = (
    MandateRow.id, MandateRow.document_id, MandateRow.document_label, MandateRow.document_title,
    MandateRow.convention, MandateRow.paragraph_id, MandateRow.paragraph_number,
    MandateRow.actor, MandateRow.written, MandateRow.role, MandateRow.verb, MandateRow.strength,
    MandateRow.action, MandateRow.deadline, MandateRow.deadline_kind,
    MandateRow.deadline_convention, MandateRow.deadline_body, MandateRow.deadline_number,
    MandateRow.deadline_after, MandateRow.deadline_on, MandateRow.deadline_implied,
    MandateRow.condition, MandateRow.status, MandateRow.derived_status,
    MandateRow.derived_reason, MandateRow.in_force, MandateRow.paragraph_seq,
)


def _conditions(f: MandateFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.actor:
        where.append(_actor_clause(f.actor))
    if f.convention:
        where.append(func.lower(MandateRow.convention) == f.convention.lower())
    if f.status:
        if f.status not in knowledge().statuses:
            raise MealinkError(f"--status {f.status!r}: one of {', '.join(knowledge().statuses)}")
        where.append(MandateRow.status == f.status)
    if f.in_force is not None:
        where.append(MandateRow.in_force.is_(f.in_force))
    if f.document:
        where.append(MandateRow.document_id == f.document)
    if f.time_bound is not None:
        where.append(MandateRow.time_bound.is_(f.time_bound))
    if f.strength:
        where.append(MandateRow.strength == f.strength)
    return where


def list_mandates(store: Store, filters: MandateFilters | None = None, *,
                  limit: int | None = None, with_text: bool = True, ordered: bool = True
                  ) -> list[MandateView]:
    """Mandates matching ``filters``, by document and paragraph order (unless ``ordered`` is
    False: the caller sorts); ``with_text`` adds the text of each source paragraph."""
    return _list(store, filters or MandateFilters(), limit, 0, with_text, ordered, False)[1]


def page_mandates(store: Store, filters: MandateFilters | None = None, *, limit: int = 50,
                  offset: int = 0, with_text: bool = True) -> tuple[int, list[MandateView]]:
    """One page of the mandates matching ``filters`` in the texts' order, and how many
    match in all: the database counts and pages, unless a deadline filter (which needs
    the calendar) makes it read them all."""
    return _list(store, filters or MandateFilters(), limit, offset, with_text, True)


def _list(store: Store, f: MandateFilters, limit: int | None, offset: int, with_text: bool,
          ordered: bool, count: bool = True) -> tuple[int, list[MandateView]]:
    """(how many match or -1 when not ``count``, the views of [offset, offset + limit))."""
    where = _conditions(f)
    q = select(*_VIEW_COLUMNS, type_coerce(MandateRow.reporting_to, String)).where(*where)
    if with_text:
        q = q.add_columns(ParagraphRow.text.label("paragraph_text")).join(
            ParagraphRow, ParagraphRow.id == MandateRow.paragraph_id)
    if ordered:
        q = q.order_by(MandateRow.convention, MandateRow.document_id, MandateRow.paragraph_seq,
                       MandateRow.seq)
    before = parse_as_of(f.due_before) if f.due_before else None
    after = parse_as_of(f.due_after) if f.due_after else None
    in_sql = before is None and after is None  # else the calendar decides, row by row
    total = -1
    with store.engine.connect() as conn:
        cal = calendar_for(SqlReader(conn))
        if in_sql and limit is not None:
            q = q.limit(limit).offset(offset)
            if count:
                total = conn.execute(select(func.count()).select_from(MandateRow).where(
                    *where)).scalar_one()
        stop = None if in_sql or limit is None or count else offset + limit
        with _cyclic_gc_paused():
            out = _views(_raw_rows(conn, q), cal, before, after, f.convention, with_text,
                         stop)
        if count and total < 0:
            total = len(out)
        if not in_sql:
            out = out[offset:offset + limit] if limit is not None else out[offset:]
        if out:
            _attach_latest(conn, out, where)
    return total, out


def mandate_counts(store: Store, filters: MandateFilters | None = None
                   ) -> list[tuple[str, str | None, str, int]]:
    """(actor, role, status, count) of the mandates matching ``filters``: the board's
    cells, most mandates first."""
    where = _conditions(filters or MandateFilters())
    with store.engine.connect() as conn:
        rows = conn.execute(select(MandateRow.actor, MandateRow.role, MandateRow.status,
                                   func.count()).where(*where).group_by(
            MandateRow.actor, MandateRow.role, MandateRow.status)).all()
    return sorted(((r[0], r[1], r[2], int(r[3])) for r in rows),
                  key=lambda r: (-r[3], r[0], r[2]))


def mandate(store: Store, mandate_id: str) -> MandateView:
    """One mandate with its paragraph's text; NotFoundError if there is none."""
    q = select(*_VIEW_COLUMNS, type_coerce(MandateRow.reporting_to, String),
               ParagraphRow.text.label("paragraph_text")).join(
        ParagraphRow, ParagraphRow.id == MandateRow.paragraph_id).where(
        MandateRow.id == mandate_id)
    with store.engine.connect() as conn:
        cal = calendar_for(SqlReader(conn))
        views = _views(_raw_rows(conn, q), cal, None, None, None, True, None)
        if not views:
            raise NotFoundError(f"no mandate {mandate_id!r}; the mandates list gives their ids")
        _attach_latest(conn, views, [MandateRow.id == mandate_id])
    return views[0]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Build many small objects without the cyclic collector walking them all each time a
    generation fills (it made a 12,000-mandate digest take 140 to 250 ms); they hold no
    cycles, so reference counting frees them as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _views(rows: list[Any], cal: Calendar, before: AsOf | None, after: AsOf | None,
           convention: str | None, with_text: bool, limit: int | None) -> list[MandateView]:
    out: list[MandateView] = []
    for t in rows:  # by position: a digest reads some 12,000 rows
        d = _deadline(t[13:21]) if t[13] is not None else None
        due = _due(d, cal)
        if before is not None and _compare(d, due, before, convention) not in (-1, 0):
            continue
        if after is not None and _compare(d, due, after, convention) not in (1, 0):
            continue
        out.append(MandateView(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12],
            d, t[21], _json_list(t[27]), t[22], t[23], t[24], bool(t[25]),
            t[28] if with_text else None, due=due, order=(t[1], t[26])))
        if limit is not None and len(out) >= limit:
            break
    return out


def _actor_clause(actor: str) -> ColumnElement[bool]:
    """A role ('scientific body'), a known body under any of its names ('ScC'), or a
    name as written: each reaches its indexed column."""
    canonical, lower = _actor_names(actor)
    roles = {r.lower(): r for r in vocabulary().actor_roles.values()}
    if lower in roles:
        return MandateRow.role == roles[lower]
    if canonical is not None:
        return MandateRow.actor == canonical
    return (MandateRow.actor == actor) | (func.lower(MandateRow.written) == lower)


def _attach_latest(conn: Connection, views: list[MandateView],
                   where: list[ColumnElement[bool]]) -> None:
    """Each view's latest progress entry and number of entries, in one query (entries are
    few beside mandates: read them and look their mandates up, not the other way)."""
    by_id = {v.id: v for v in views}
    rows = conn.execute(select(ProgressRow.__table__).join(
        MandateRow, MandateRow.id == ProgressRow.mandate_id).where(*where).order_by(
        ProgressRow.mandate_id, ProgressRow.seq)).all()
    for p in rows:
        v = by_id.get(p.mandate_id)
        if v is not None:
            v.latest = entry_of(p)
            v.entries += 1
    reach = _carried_to(conn)  # entries on earlier versions count for the mandate they became
    if not reach:
        return
    for p in conn.execute(select(ProgressRow.__table__).where(
            ProgressRow.mandate_id.in_(list(reach)))):
        e = entry_of(p)
        for later in reach[p.mandate_id][1:]:
            if (v := by_id.get(later)) is not None:
                v.entries += 1
                if v.latest is None or e.recorded_at > v.latest.recorded_at:
                    v.latest = e


@dataclass(slots=True)
class DigestGroup:
    """The mandates of one document in a digest."""

    document_id: str
    label: str
    title: str | None
    mandates: list[MandateView]


def digest(store: Store, actor: str, *, convention: str | None = None,
           in_force: bool = True, with_text: bool = False) -> list[DigestGroup]:
    """Everything asked of ``actor`` (in force by default), grouped by resolution; time-bound
    mandates first, the soonest due first, then the standing ones."""
    with _cyclic_gc_paused():
        return _digest(list_mandates(store, MandateFilters(
            actor=actor, convention=convention, in_force=in_force or None),
            with_text=with_text, ordered=False))


def _digest(views: list[MandateView]) -> list[DigestGroup]:
    """Group by document; in each, time-bound first by due date, then in the text's order."""
    if not views:
        return []
    groups: dict[str, DigestGroup] = {}
    far = date.max
    for v in views:
        groups.setdefault(v.document_id, DigestGroup(v.document_id, v.document_label, v.title,
                                                     [])).mandates.append(v)
    for g in groups.values():
        g.mandates.sort(key=lambda v: (v.deadline is None, v.due or far,
                                       _meeting_order(v.deadline), v.order))
    return sorted(groups.values(), key=lambda g: (
        not g.mandates[0].time_bound, g.mandates[0].due or far,
        _meeting_order(g.mandates[0].deadline), g.label))


def _meeting_order(d: Deadline | None) -> float:
    """Where an undated meeting deadline falls among a convention's meetings: COP15 at 15,
    the next Standing Committee after COP14 between COP14 and COP15 (at 14.5), so that a
    digest orders what the calendar cannot date yet by meeting order, not by its words."""
    if d is None or d.kind == "date":
        return float("inf")
    if d.body == "COP":
        n = d.number if d.kind == "meeting" else (d.after + 1 if d.after is not None else None)
        return float(n) if n is not None else float("inf")
    return d.after + 0.5 if d.after is not None else float("inf")

