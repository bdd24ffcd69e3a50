"""Review of decisions over the stored corpus: gathers the in-force documents of one
convention with their mandates' statuses as of a meeting or a date, and hands them to the
pure rules in ``mealink.mandates.review``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, select

from mealink.errors import MealinkError, NotFoundError
from mealink.instruments import instruments
from mealink.link.lineage import REMOVALS
from mealink.link.status import AsOf, DocInfo, EdgeInfo, meeting_label, parse_as_of, status_of
from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import MeetingEntry, knowledge
from mealink.mandates.review import (
    DocumentFacts,
    LapsingFacts,
    MandateFacts,
    ReviewResult,
    propose,
)
from mealink.mandates.status import Derived, derive_status, effective_status
from mealink.store.corpus.graph import edge_infos, load_graph
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.engine.schema import (
    CitationRow,
    DocumentKeyRow,
    DocumentRow,
    EdgeRow,
    MandateRow,
    ParagraphRow,
)
from mealink.store.mandates import calendar_for, deadline_of, recorded_statuses

__all__ = ["review"]


def _opening(text: str) -> str:
    """How an annex names an unnumbered paragraph: by its first words."""
    words = text.split()
    return "“" + " ".join(words[:4]) + (" …”" if len(words) > 4 else "”")


def _number(key: str) -> str:
    """'cms/decision/12.81' -> '12.81'."""
    return key.rsplit("/", 1)[-1]


def _texts_under_review(conn: Connection, convention: str, moment: AsOf | None,
                        cal: Calendar) -> tuple[list[DocInfo], list[LapsingFacts]]:
    """The convention's stored texts in force at the review's moment, and those adopted for
    a period between meetings that has ended by then (drafts, recommendations of
    subsidiary bodies and removed texts are neither)."""
    docs, _, _ = load_graph(SqlReader(conn))
    incoming: dict[str, list[EdgeInfo]] = defaultdict(list)
    for e in edge_infos(SqlReader(conn)):
        if e.target is not None:
            incoming[e.target].append(e)
    keys: dict[str, list[str]] = defaultdict(list)
    for key, holder in conn.execute(select(DocumentKeyRow.key, DocumentKeyRow.document_id)
                                    .order_by(DocumentKeyRow.key)):
        keys[holder].append(key)
    live: list[DocInfo] = []
    lapsing: list[LapsingFacts] = []
    for d in sorted(docs.values(), key=lambda d: d.id):
        if d.is_stub or (d.convention or "").lower() != convention.lower():
            continue
        st = status_of(d, incoming.get(d.id, []), docs, moment, cal)
        if st.state == "expected to have lapsed" and st.lapsed_at and d.meeting is not None:
            until = int(re.sub(r"\D", "", st.lapsed_at))
            span = instruments().lifespan(d.convention, d.type)
            lapsing.append(LapsingFacts(
                d.id, d.label, tuple(_number(k) for k in keys[d.id]) or (_number(d.id),),
                meeting_label(d.convention, d.meeting), st.lapsed_at,
                moment is None or moment.meeting is None or until < moment.meeting,
                span.rule if span else ""))
        elif st.in_force:
            live.append(d)
    return live, lapsing


def _check_meeting(conn: Connection, convention: str, moment: AsOf,
                   meetings: Iterable[MeetingEntry]) -> None:
    """Refuse a meeting of ``convention`` that neither the calendar nor the corpus knows
    and that is not the next one (a review prepares a meeting), in one line."""
    wanted = convention.strip().lower()
    numbers = {m.number for m in (*knowledge().calendar, *meetings)
               if m.body == "COP" and m.convention.lower() == wanted}
    numbers.update(n for c, n in conn.execute(
        select(DocumentRow.convention, DocumentRow.meeting).where(
            DocumentRow.meeting.is_not(None)).distinct()) if (c or "").lower() == wanted
        and n is not None)
    if not numbers:
        return  # nothing tells which meetings there are
    last = max(numbers)
    conv = next((m.convention for m in knowledge().calendar
                 if m.convention.lower() == wanted), convention)
    number = moment.meeting or 0
    if not 1 <= number <= last + 1:
        raise MealinkError(
            f"{moment.label!r} is not a meeting of {conv} that mealink knows: its calendar and "
            f"corpus go to {meeting_label(conv, last)}; give a meeting up to "
            f"{meeting_label(conv, last + 1)} (the next) or a date")


def review(store: Store, convention: str, as_of: str | AsOf | None = None,
           meetings: Iterable[MeetingEntry] = ()) -> ReviewResult:
    """Proposals to delete lapsed decisions, repeal in full, repeal in part and consolidate
    for ``convention``."""
    moment = parse_as_of(as_of) if isinstance(as_of, str) and as_of else \
        as_of if isinstance(as_of, AsOf) else None
    know = knowledge()
    with store.engine.connect() as conn:
        if moment is not None and moment.meeting is not None:
            _check_meeting(conn, convention, moment, meetings)
        cal = calendar_for(SqlReader(conn), meetings)
        live, lapsing = _texts_under_review(conn, convention, moment, cal)
        if not live and not lapsing:
            raise NotFoundError(f"no document of {convention!r} in force in the corpus; "
                                "`mealink in-force` lists the conventions")
        rows_by_id = {r.id: r for r in conn.execute(select(
            DocumentRow.id, DocumentRow.label, DocumentRow.title, DocumentRow.type,
            DocumentRow.convention).where(DocumentRow.id.in_([d.id for d in live])))}
        docs = [rows_by_id[d.id] for d in live]
        conv = (live[0].convention if live else None) or convention
        ids = [d.id for d in docs]
        acts = set(conn.execute(select(EdgeRow.paragraph_id).where(
            EdgeRow.source_id.in_(ids), EdgeRow.relation.in_(REMOVALS))).scalars())
        paragraphs: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
        removed: dict[str, set[str]] = defaultdict(set)
        texts: dict[str, list[str]] = defaultdict(list)
        numbers: dict[str, str | None] = {}
        for p in conn.execute(select(ParagraphRow.id, ParagraphRow.document_id,
                                     ParagraphRow.number, ParagraphRow.verb,
                                     ParagraphRow.in_force, ParagraphRow.text).where(
                ParagraphRow.document_id.in_(ids), ParagraphRow.kind == "operative")
                .order_by(ParagraphRow.document_id, ParagraphRow.seq)):
            numbers[p.id] = p.number or _opening(p.text)
            # a paragraph that repeals or supersedes has done its work on adoption
            verb = None if p.id in acts else p.verb
            paragraphs[p.document_id].append((p.id, numbers[p.id], verb))
            texts[p.document_id].append(p.text)
            if not p.in_force:
                removed[p.document_id].add(p.id)
        cites: dict[str, set[str]] = defaultdict(set)
        for c in conn.execute(select(CitationRow.document_id, CitationRow.target_key).where(
                CitationRow.document_id.in_(ids), CitationRow.target_key.is_not(None))):
            cites[c.document_id].add(c.target_key)
        rows = conn.execute(select(MandateRow.__table__).where(MandateRow.document_id.in_(ids))
                            .order_by(MandateRow.document_id, MandateRow.seq)).all()
        recorded = recorded_statuses(conn, [m.id for m in rows])
    mandates: dict[str, list[MandateFacts]] = defaultdict(list)
    for m in rows:
        removal = Derived(m.derived_status, m.derived_reason) \
            if m.derived_status in ("superseded", "retired") else None
        d = derive_status(removal, deadline_of(m), cal, moment, conv)
        status = effective_status(d, recorded.get(m.id))
        reason = d.reason if status == d.status else f"recorded as {status}"
        mandates[m.document_id].append(MandateFacts(
            m.id, numbers.get(m.paragraph_id), m.paragraph_id, status, m.time_bound, reason))
    facts = [DocumentFacts(d.id, d.label, d.title, d.type, tuple(paragraphs[d.id]),
                           tuple(mandates[d.id]), frozenset(cites[d.id]),
                           " ".join(texts[d.id]), frozenset(removed[d.id]),
                           instruments().ends(d.convention, d.type)) for d in docs]
    return propose(conv or convention, moment.label if moment else None, facts,
                   know.standing_verbs, know.consolidate_at, lapsing)
