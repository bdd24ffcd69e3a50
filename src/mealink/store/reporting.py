"""Harmonised national reporting in the store: the questionnaire built from the in-force
mandates addressed to Parties and the overlaps among them, kept as it was sent out; a
Party's answers stored once each and turned into progress on every mandate they answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.link.status import parse_as_of
from mealink.reporting.answers import AnswerFile, check_cycle, check_party
from mealink.reporting.questions import (
    Ask,
    Link,
    MandateRef,
    Question,
    Template,
    build_template,
    check_answer,
    question_changes,
)
from mealink.reporting.rules import reporting_rules
from mealink.semantic.encoder import Encoder
from mealink.store.corpus.status import in_force
from mealink.store.engine.database import Store
from mealink.store.engine.schema import (
    ReportAnswerRow,
    ReportQuestionMandateRow,
    ReportQuestionRow,
    ReportTemplateRow,
)
from mealink.store.mandates import MandateFilters, MandateView, list_mandates
from mealink.store.progress import append_progress
from mealink.store.search.vectors import vectors_of
from mealink.store.synergies import mandate_items, topic_labels
from mealink.synergies.overlaps import find_overlaps
from mealink.synergies.rules import synergy_rules
from mealink.vocabulary import vocabulary

__all__ = ["Coverage", "ImportSummary", "MandateCoverage", "PartyCoverage", "coverage",
           "import_answers", "make_template", "save_template",
           "stored_template", "templates_of"]


def _conventions(names: list[str]) -> tuple[str, ...]:
    """The conventions as mealink names them; one line naming one it does not know."""
    known = {c.id.lower(): c.id for c in vocabulary().conventions}
    out = []
    for name in (n for n in names if n.strip()):
        if name.strip().lower() not in known:
            raise MealinkError(f"convention {name.strip()!r} is not one mealink knows; known: "
                               f"{', '.join(known.values())}")
        out.append(known[name.strip().lower()])
    if not out:
        raise MealinkError("--conventions: name at least one convention (CMS,CBD,Ramsar)")
    order = list(known.values())  # the same conventions in any order: the same template
    return tuple(sorted(set(out), key=order.index))


def _in_force_as_of(store: Store, conventions: tuple[str, ...], as_of: str
                    ) -> dict[str, tuple[str, ...]]:
    """Per document in force at ``as_of``: the paragraphs then removed from it."""
    bound = parse_as_of(as_of)
    return {d.document_id: d.removed_paragraphs for c in conventions
            for d in in_force(store, c, bound)}


def _removed(number: str | None, removed: tuple[str, ...]) -> bool:
    return number is not None and any(number == n or number.startswith(f"{n}(")
                                      for n in removed)


def _views(store: Store, conventions: tuple[str, ...], as_of: str | None) -> list[MandateView]:
    """The mandates a national report answers for: asked of Parties or their focal points,
    in force now (or at ``as_of``), convention by convention in the texts' order."""
    live = _in_force_as_of(store, conventions, as_of) if as_of else None
    out: dict[str, MandateView] = {}
    for c in conventions:
        for role in reporting_rules().roles:
            for v in list_mandates(store, MandateFilters(
                    actor=role, convention=c, in_force=None if live is not None else True)):
                if live is not None and (v.document_id not in live or
                                         _removed(v.paragraph, live[v.document_id])):
                    continue
                out.setdefault(v.id, v)
    return list(out.values())


def make_template(store: Store, conventions: list[str], *, as_of: str | None = None,
                  model: Encoder | None = None,
                  merges: list[tuple[str, ...]] | None = None) -> Template:
    """The questionnaire for ``conventions``: a question per in-force mandate addressed to
    Parties, merged where the overlaps find mandates of several conventions asking the same
    (the pairs of ``overlap_report``, with its threshold, among the mandates asked; ``model``
    embeds actions not embedded yet, the bundled one by default), and where ``merges`` asks
    (groups of question ids of the template built without them). Pairs just below the
    threshold are listed as questions that may ask the same."""
    convs = _conventions(conventions)
    views = _views(store, convs, as_of)
    labels = topic_labels()
    rules = synergy_rules()
    items = mandate_items(store, conventions=list(convs), rules=rules)
    topics = {m: tuple(labels.get(t, t) for t in i.topics) for i in items for m in i.mandate_ids}
    same = [Link(i.mandate_ids, f"{i.where} asks them in one paragraph") for i in items
            if len(i.mandate_ids) > 1]  # a paragraph's Parties and "Range States"
    asked = {v.id for v in views}
    mine = [i for i in items if asked.intersection(i.mandate_ids)]
    near: list[tuple[str, str, float]] = []
    if len(convs) > 1 and mine:  # the overlaps among them, as `overlaps` finds them
        t = rules.overlap_threshold
        for o in find_overlaps(mine, vectors_of(store, [i.action for i in mine], model=model),
                               min(rules.overlap_suggest, t), words=False):
            if o.similarity >= t:
                same.append(Link(o.a.mandate_ids + o.b.mandate_ids,
                                 f"{o.a.where} and {o.b.where} ask the same work (cosine "
                                 f"{o.similarity:.2f} ≥ {t})"))
            else:
                a, b = (next(m for m in i.mandate_ids if m in asked) for i in (o.a, o.b))
                near.append((a, b, o.similarity))
    asks = [Ask(v.id, v.convention or "", v.document_label, v.paragraph, v.written,
                v.sentence, v.action, topics.get(v.id, ())) for v in views]
    seen: list[Template] = []
    for group in [(), *(merges or [])]:  # each group read against the template before it
        if group:
            same.append(_asked_merge(seen, group))
        seen.append(build_template(asks, same, reporting_rules(), conventions=convs,
                                   as_of=as_of, near=near))
    return seen[-1]


def _asked_merge(seen: list[Template], group: tuple[str, ...]) -> Link:
    """A group of question ids to merge as a link of their mandates, on the word of whoever
    builds the template; an id may be of the template built without merges or after the
    merges before it. One line naming a question none of them has."""
    ids = list(dict.fromkeys(q.strip() for q in group if q.strip()))
    if len(ids) < 2:
        raise MealinkError(f"--merge {','.join(group)}: give two or more question ids, "
                           "comma-separated (q-…,q-…)")
    found: list[Question] = []
    for qid in ids:
        q = next((q for t in reversed(seen) if (q := t.question(qid)) is not None), None)
        if q is None:
            t = seen[0]
            raise MealinkError(f"--merge: question {qid} is not in the template for "
                               f"{', '.join(t.conventions)} ({t.id}, {len(t.questions)} "
                               "questions); the ids are in its 'question id' column")
        found.append(q)
    wheres = "; ".join(dict.fromkeys(m.where for q in found for m in q.mandates))
    return Link(tuple(m.mandate_id for q in found for m in q.mandates),
                f"merged on request of whoever built the template: {wheres}")


def save_template(store: Store, template: Template, now: datetime | None = None) -> bool:
    """Keep a template as it was sent out; False when it is kept already (same id)."""
    with store.engine.begin() as conn:
        return _save(conn, template, now or datetime.now(UTC))


def _save(conn: Connection, t: Template, now: datetime) -> bool:
    if conn.execute(select(ReportTemplateRow.id).where(ReportTemplateRow.id == t.id)).first():
        return False
    conn.execute(insert(ReportTemplateRow), [{"id": t.id, "conventions": list(t.conventions),
                                               "as_of": t.as_of, "created_at": now}])
    if t.questions:
        conn.execute(insert(ReportQuestionRow), [{
            "template_id": t.id, "id": q.id, "number": q.number, "topic": q.topic,
            "text": q.text, "wording": list(q.wording), "answer_type": q.answer,
            "why": q.why, "addressees": list(q.addressees), "basis": list(q.basis)}
            for q in t.questions])
        conn.execute(insert(ReportQuestionMandateRow), [{
            "template_id": t.id, "question_id": q.id, "mandate_id": m.mandate_id, "seq": n,
            "convention": m.convention, "document": m.document, "paragraph": m.paragraph}
            for q in t.questions for n, m in enumerate(q.mandates)])
    return True


def _load(conn: Connection, template_id: str) -> Template | None:
    row = conn.execute(select(ReportTemplateRow.__table__).where(
        ReportTemplateRow.id == template_id)).first()
    if row is None:
        return None
    refs: dict[str, list[MandateRef]] = {}
    for r in conn.execute(select(ReportQuestionMandateRow.__table__).where(
            ReportQuestionMandateRow.template_id == template_id).order_by(
            ReportQuestionMandateRow.question_id, ReportQuestionMandateRow.seq)):
        refs.setdefault(r.question_id, []).append(
            MandateRef(r.mandate_id, r.convention, r.document, r.paragraph))
    questions = tuple(
        Question(q.id, q.number, q.topic, q.text, tuple(q.wording), q.answer_type, q.why,
                 tuple(q.addressees), tuple(refs.get(q.id, ())), tuple(q.basis or ()))
        for q in conn.execute(select(ReportQuestionRow.__table__).where(
            ReportQuestionRow.template_id == template_id).order_by(ReportQuestionRow.number)))
    return Template(row.id, tuple(row.conventions), row.as_of, questions)


def stored_template(store: Store, template_id: str) -> Template:
    """A kept template; NotFoundError naming the id if none."""
    with store.engine.connect() as conn:
        t = _load(conn, template_id)
    if t is None:
        raise NotFoundError(f"no questionnaire {template_id!r} is stored; `mealink reporting "
                            "template` builds and keeps one")
    return t


def templates_of(store: Store) -> list[tuple[str, tuple[str, ...], str | None, int]]:
    """(id, conventions, as of, questions) of every kept template, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(ReportTemplateRow.__table__).order_by(
            ReportTemplateRow.created_at.desc())).all()
        counts: dict[str, int] = {}
        for r in conn.execute(select(ReportQuestionRow.template_id)):
            counts[r.template_id] = counts.get(r.template_id, 0) + 1
    return [(r.id, tuple(r.conventions), r.as_of, counts.get(r.id, 0)) for r in rows]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import stored: new answers, answers already stored, the progress entries
    made, and blank answers left unanswered."""

    party: str
    cycle: str
    template_id: str
    added: int
    unchanged: int
    progress: int
    blank: int

    def to_dict(self) -> dict[str, Any]:
        return {"party": self.party, "cycle": self.cycle, "template": self.template_id,
                "answers_added": self.added, "answers_unchanged": self.unchanged,
                "progress_entries": self.progress, "unanswered": self.blank}


def _changed(expected: Template, given: AnswerFile, what: str) -> MealinkError:
    lines = question_changes(expected, given.questions)
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    return MealinkError(f"{given.source}: the questionnaire was changed ({what}): "
                        + "; ".join(lines[:3]) + more + "; answer an unchanged copy of "
                        "`mealink reporting template`", source=None)


def _template_for(store: Store, given: AnswerFile, model: Encoder | None) -> Template:
    """The template an answered file was built from: kept, or built again from the corpus
    and kept; refused with what changed when neither matches the file."""
    with store.engine.connect() as conn:
        kept = _load(conn, given.template_id)
    if kept is None:
        if not given.conventions:
            raise MealinkError(f"{given.source}: template {given.template_id} is not kept and "
                               "the copy names no conventions to build it again from")
        kept = make_template(store, list(given.conventions), as_of=given.as_of, model=model)
        if kept.id != given.template_id:
            raise _changed(kept, given, f"it says template {given.template_id}, the corpus "
                                        f"now gives {kept.id}")
        save_template(store, kept)
    if question_changes(kept, given.questions):
        raise _changed(kept, given, f"its questions differ from template {kept.id}")
    return kept


def import_answers(store: Store, given: AnswerFile, party: str, cycle: str, *,
                   model: Encoder | None = None, now: datetime | None = None) -> ImportSummary:
    """Store a Party's answers for a cycle and record each new one as progress on every
    mandate its question answers (author ``party:<P>``, the Party, cycle and answer in the
    note and evidence). An answer stored already is skipped; a bad answer or a changed
    questionnaire stores nothing."""
    party, cycle = check_party(party), check_cycle(cycle)
    if given.party and given.party.casefold() != party.casefold():
        raise MealinkError(f"{given.source}: this copy was made for {given.party}, not "
                           f"{party}; give --party {given.party!r} or a copy made for {party}")
    template = _template_for(store, given, model)
    rules = reporting_rules()
    checked = []
    blank = 0
    for a in given.answers:
        q = template.question(a.question_id)
        if q is None:  # question_changes has refused it; kept for the type checker
            raise MealinkError(f"{given.source}: {a.where}: question {a.question_id} is not "
                               "in the template")
        if a.value is None or not str(a.value).strip():
            blank += 1
            continue
        answer = check_answer(q, a.value, rules, f"{given.source}: {a.where}")
        checked.append((q, answer, (a.details or "").strip() or None))
    at = now or datetime.now(UTC)
    try:
        with store.engine.begin() as conn:
            added, unchanged, progress = _store_answers(conn, template, checked, party,
                                                        cycle, at, given.source)
    except IntegrityError as exc:  # the same answers imported at the same moment
        raise ConflictError(f"{given.source}: another import of {party}'s {cycle} answers "
                            "ran at the same time; run this one again (what is stored "
                            "already is not stored twice)") from exc
    return ImportSummary(party, cycle, template.id, added, unchanged, progress, blank)


def _store_answers(conn: Connection, template: Template,
                   checked: list[tuple[Question, str, str | None]], party: str, cycle: str,
                   at: datetime, source: str) -> tuple[int, int, int]:
    """Store the answers not stored yet and their progress entries: (added, unchanged,
    progress entries)."""
    added = unchanged = progress = 0
    author = f"party:{party}"
    for q, answer, details in checked:
        digest = hashlib.sha256(f"{answer}\n{details or ''}".encode()).hexdigest()
        if conn.execute(select(ReportAnswerRow.id).where(
                ReportAnswerRow.party == party, ReportAnswerRow.cycle == cycle,
                ReportAnswerRow.question_id == q.id,
                ReportAnswerRow.answer_hash == digest)).first():
            unchanged += 1
            continue
        conn.execute(insert(ReportAnswerRow), [{
            "template_id": template.id, "question_id": q.id, "party": party,
            "cycle": cycle, "answer": answer, "details": details, "answer_hash": digest,
            "imported_at": at}])
        added += 1
        note = (f"{party}, national report {cycle}, question {q.number}: {answer}"
                + (f" — {details}" if details else ""))
        evidence = [f"National report of {party}, {cycle} ({template.id}, {q.id})"]
        for m in q.mandates:
            try:
                append_progress(conn, m.mandate_id, author, note=note[:4000],
                                evidence=evidence, now=at)
            except NotFoundError:
                raise MealinkError(f"{source}: question {q.number} answers "
                                   f"{m.where} ({m.mandate_id}), which is no longer "
                                   "stored; nothing was imported") from None
            progress += 1
    return added, unchanged, progress


@dataclass(frozen=True, slots=True)
class MandateCoverage:
    """How the Parties answered on one mandate in one cycle: how many, and what."""

    mandate_id: str
    convention: str
    document: str
    paragraph: str | None
    cycle: str
    question: int
    parties: int
    answers: dict[str, int]  # answer (a choice, else "answered") -> Parties giving it

    def to_dict(self) -> dict[str, Any]:
        return {"mandate": self.mandate_id, "convention": self.convention,
                "document": self.document, "paragraph": self.paragraph, "cycle": self.cycle,
                "question": self.question, "parties": self.parties,
                "answers": dict(self.answers)}


@dataclass(frozen=True, slots=True)
class PartyCoverage:
    """What one Party answered of its questionnaire in one cycle, and what it left open."""

    party: str
    cycle: str
    template_id: str
    questions: int
    answered: int
    unanswered: tuple[int, ...]  # question numbers

    def to_dict(self) -> dict[str, Any]:
        return {"party": self.party, "cycle": self.cycle, "template": self.template_id,
                "questions": self.questions, "answered": self.answered,
                "unanswered": list(self.unanswered)}


@dataclass(frozen=True, slots=True)
class Coverage:
    """Per mandate, how many Parties answered and what; per Party, what is unanswered."""

    mandates: tuple[MandateCoverage, ...]
    parties: tuple[PartyCoverage, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"mandates": [m.to_dict() for m in self.mandates],
                "parties": [p.to_dict() for p in self.parties]}


def coverage(store: Store, *, convention: str | None = None, cycle: str | None = None
             ) -> Coverage:
    """The coverage of the questionnaires Parties answered (in ``cycle``; only the questions
    that answer mandates of ``convention``). A Party's latest answer to a question counts."""
    conv = _conventions([convention])[0] if convention else None
    latest: dict[tuple[str, str, str, str], str] = {}  # template, party, cycle, q -> answer
    with store.engine.connect() as conn:
        query = select(ReportAnswerRow.template_id, ReportAnswerRow.party,
                       ReportAnswerRow.cycle, ReportAnswerRow.question_id,
                       ReportAnswerRow.answer).order_by(ReportAnswerRow.id)
        if cycle:
            query = query.where(ReportAnswerRow.cycle == cycle)
        for r in conn.execute(query):
            latest[(r.template_id, r.party, r.cycle, r.question_id)] = r.answer
        templates = {t: _load(conn, t) for t in sorted({k[0] for k in latest})}
    kinds = reporting_rules().kinds
    mandates: dict[tuple[str, str], tuple[MandateRef, int, dict[str, str]]] = {}
    parties = []
    for (tid, party, cyc) in sorted({k[:3] for k in latest}, key=lambda k: (k[2], k[1], k[0])):
        t = templates[tid]
        assert t is not None  # answers cascade with their template
        mine = [q for q in t.questions
                if conv is None or any(m.convention == conv for m in q.mandates)]
        open_ = tuple(q.number for q in mine if (tid, party, cyc, q.id) not in latest)
        parties.append(PartyCoverage(party, cyc, tid, len(mine), len(mine) - len(open_),
                                     open_))
    answered: dict[tuple[str, str, str], dict[str, str]] = {}  # template, cycle, q -> party
    for (tid, party, cyc, qid), answer in latest.items():
        answered.setdefault((tid, cyc, qid), {})[party] = answer
    for tid, t in templates.items():
        assert t is not None
        for cyc in sorted({k[2] for k in latest if k[0] == tid}):
            for q in t.questions:
                given = answered.get((tid, cyc, q.id), {})
                choice = bool(kinds[q.answer].choices)
                for m in q.mandates:
                    if conv is not None and m.convention != conv:
                        continue
                    entry = mandates.setdefault((m.mandate_id, cyc), (m, q.number, {}))
                    entry[2].update({p: a if choice else "answered" for p, a in given.items()})
    rows = []
    for (_, cyc), (m, number, by_party) in mandates.items():
        tally: dict[str, int] = {}
        for answer in by_party.values():
            tally[answer] = tally.get(answer, 0) + 1
        rows.append(MandateCoverage(m.mandate_id, m.convention, m.document, m.paragraph, cyc,
                                    number, len(by_party), dict(sorted(tally.items()))))
    rows.sort(key=lambda r: (r.cycle, r.question, r.convention, r.mandate_id))
    return Coverage(tuple(rows), tuple(parties))
