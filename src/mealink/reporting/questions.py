"""A national-report questionnaire from the mandates addressed to Parties: one question per
mandate, merged into one where mandates of several conventions ask the same work, each
question naming every mandate it answers and the kind of answer its wording asks for.

Pure: the asks and the groups that ask the same come in, a ``Template`` comes out. Its id is
a hash of its questions, so the same questions always give the same template, and an
answered copy can be checked against the template it was built from."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from mealink.errors import MealinkError
from mealink.reporting.rules import ReportingRules

__all__ = ["Ask", "Link", "MandateRef", "MayMerge", "Question", "Template", "build_template",
           "check_answer", "question_changes", "template_id"]

#: the topic of a question whose mandates carry none
GENERAL = "General"


@dataclass(frozen=True, slots=True)
class Ask:
    """One in-force mandate addressed to Parties (or a class of them), as a question uses it."""

    mandate_id: str
    convention: str
    document: str  # its label: "CMS Resolution 11.10"
    paragraph: str | None
    addressee: str  # as written: "Parties", "Range States", "CMS Parties Focal Points"
    sentence: str  # "urges Parties to establish close collaboration ..."
    action: str
    topics: tuple[str, ...] = ()  # topic labels, most relevant first


@dataclass(frozen=True, slots=True)
class MandateRef:
    """A mandate a question answers: where it is asked."""

    mandate_id: str
    convention: str
    document: str
    paragraph: str | None

    @property
    def where(self) -> str:
        """'CMS Resolution 11.10 ¶24'."""
        return f"{self.document} ¶{self.paragraph}" if self.paragraph else self.document

    def to_dict(self) -> dict[str, Any]:
        return {"mandate": self.mandate_id, "convention": self.convention,
                "document": self.document, "paragraph": self.paragraph}


@dataclass(frozen=True, slots=True)
class Link:
    """Mandates one question answers together, and on what ground: one paragraph asking
    Parties and Range States, an overlap found (with its cosine), a merge asked for."""

    mandate_ids: tuple[str, ...]
    basis: str


@dataclass(frozen=True, slots=True)
class MayMerge:
    """Two questions of different conventions whose mandates may ask the same work (their
    cosine is below the overlap threshold): shown to whoever builds the template, who may
    merge them; never merged by mealink."""

    a: str  # question ids
    b: str
    a_where: str
    b_where: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"questions": [self.a, self.b], "mandates": [self.a_where, self.b_where],
                "similarity": round(self.similarity, 4)}


@dataclass(frozen=True, slots=True)
class Question:
    """One question: what is asked (each mandate's wording), of whom, the kind of answer
    and why, and every mandate an answer to it reports on."""

    id: str
    number: int
    topic: str
    text: str
    wording: tuple[str, ...]
    answer: str
    why: str
    addressees: tuple[str, ...]
    mandates: tuple[MandateRef, ...]
    basis: tuple[str, ...] = ()  # why its mandates are one question (none for one mandate)

    @property
    def conventions(self) -> tuple[str, ...]:
        return tuple(sorted({m.convention for m in self.mandates}))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "topic": self.topic, "text": self.text,
                "wording": list(self.wording), "answer_type": self.answer, "why": self.why,
                "addressees": list(self.addressees), "conventions": list(self.conventions),
                "mandates": [m.to_dict() for m in self.mandates],
                "merged_because": list(self.basis)}


@dataclass(frozen=True, slots=True)
class Template:
    """A questionnaire: its id (a hash of its questions), what it was built from, and its
    questions in order, topic by topic."""

    id: str
    conventions: tuple[str, ...]
    as_of: str | None
    questions: tuple[Question, ...]
    may_merge: tuple[MayMerge, ...] = ()  # advice when built; not part of its identity

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q.topic for q in self.questions))

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.id, "conventions": list(self.conventions),
                "as_of": self.as_of, "questions": [q.to_dict() for q in self.questions],
                "may_ask_the_same": [m.to_dict() for m in self.may_merge]}


def _question_id(mandate_ids: list[str]) -> str:
    """A question's id: a hash of the mandates it answers, the same whenever they are."""
    digest = hashlib.sha256("\n".join(sorted(mandate_ids)).encode("utf-8")).hexdigest()
    return f"q-{digest[:10]}"


def template_id(questions: tuple[Question, ...] | list[Question]) -> str:
    """A stable hash of what each question asks, of whom, how and for which mandates."""
    canon = [[q.id, q.topic, q.text, list(q.wording), q.answer,
              sorted(m.mandate_id for m in q.mandates)] for q in questions]
    raw = json.dumps(canon, ensure_ascii=False, separators=(",", ":"))
    return "t-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _groups(asks: list[Ask], same: list[Link]) -> list[tuple[list[Ask], tuple[str, ...]]]:
    """Asks joined when a link holds both (single link), in the asks' order, each group with
    the grounds of the links that joined it."""
    parent = {a.mandate_id: a.mandate_id for a in asks}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    joined: list[tuple[str, str]] = []  # (a member, the ground) of each link that joined two
    for link in same:
        present = list(dict.fromkeys(m for m in link.mandate_ids if m in parent))
        if len(present) < 2:
            continue
        joined.append((present[0], link.basis))
        for other in present[1:]:
            x, y = root(present[0]), root(other)
            if x != y:
                parent[max(x, y)] = min(x, y)
    out: dict[str, list[Ask]] = {}
    for a in asks:
        out.setdefault(root(a.mandate_id), []).append(a)
    grounds: dict[str, dict[str, None]] = {}
    for member, basis in joined:
        grounds.setdefault(root(member), {})[basis] = None
    return [(members, tuple(grounds.get(r, {}))) for r, members in out.items()]


def _answer(members: list[Ask], rules: ReportingRules) -> tuple[str, str]:
    """The kind of answer: the one every member's wording asks for, else the default."""
    found = [rules.answer_type(a.action) for a in members]
    types = {t for t, _ in found}
    if len(types) == 1:
        return found[0]
    return rules.default, ("its mandates ask for different kinds of answer (" +
                           ", ".join(sorted(types)) + "): whether it was done, with details")


def build_template(asks: list[Ask], same: list[Link], rules: ReportingRules, *,
                   conventions: tuple[str, ...], as_of: str | None = None,
                   near: list[tuple[str, str, float]] | None = None) -> Template:
    """The questionnaire: one question per group of asks (``same`` links mandate ids that
    ask the same work: a paragraph's several addressees, overlapping mandates, a merge asked
    for), topic by topic in the order topics first appear, numbered from 1. ``near`` pairs of
    mandate ids (with their cosine) that end in two questions of different conventions are
    listed as questions that may ask the same."""
    drafts = []
    for members, basis in _groups(asks, same):
        counts = Counter(t for a in members for t in a.topics[:1])
        topic = counts.most_common(1)[0][0] if counts else GENERAL
        answer, why = _answer(members, rules)
        refs = tuple(dict.fromkeys(MandateRef(a.mandate_id, a.convention, a.document,
                                              a.paragraph) for a in members))
        wording = tuple(dict.fromkeys(a.sentence for a in members))
        drafts.append((topic, members[0].sentence, wording, answer, why,
                       tuple(dict.fromkeys(a.addressee for a in members)), refs, basis))
    order = {t: i for i, t in enumerate(dict.fromkeys(d[0] for d in drafts))}
    drafts.sort(key=lambda d: (d[0] == GENERAL, order[d[0]]))
    questions = tuple(
        Question(_question_id([m.mandate_id for m in d[6]]), n, d[0], d[1], d[2], d[3], d[4],
                 d[5], d[6], d[7]) for n, d in enumerate(drafts, start=1))
    return Template(template_id(questions), conventions, as_of, questions,
                    _may_merge(questions, near or []))


def _may_merge(questions: tuple[Question, ...], near: list[tuple[str, str, float]]
               ) -> tuple[MayMerge, ...]:
    """The pairs of questions that ``near`` mandate pairs join across conventions (the
    closest pair of mandates for each), most similar first."""
    of: dict[str, tuple[Question, MandateRef]] = {
        m.mandate_id: (q, m) for q in questions for m in q.mandates}
    best: dict[tuple[str, str], MayMerge] = {}
    for x, y, similarity in near:
        if x not in of or y not in of:
            continue
        (qa, ma), (qb, mb) = sorted((of[x], of[y]), key=lambda p: p[0].number)
        if qa.id == qb.id or ma.convention == mb.convention:
            continue
        key = (qa.id, qb.id)
        if key not in best or similarity > best[key].similarity:
            best[key] = MayMerge(qa.id, qb.id, ma.where, mb.where, similarity)
    return tuple(sorted(best.values(), key=lambda m: (-m.similarity, m.a, m.b)))


def question_changes(expected: Template, given: dict[str, tuple[str, ...]]) -> list[str]:
    """What differs between a template and the questions a file carries (question id ->
    the ids of the mandates it says it answers): one short line per difference."""
    out = []
    for q in expected.questions:
        if q.id not in given:
            out.append(f"question {q.number} ({q.id}) is missing")
        elif set(given[q.id]) != {m.mandate_id for m in q.mandates}:
            out.append(f"question {q.number} ({q.id}) answers other mandates than the "
                       "template's")
    known = {q.id for q in expected.questions}
    out.extend(f"question {qid} is not in the template" for qid in given if qid not in known)
    return out


def check_answer(q: Question, value: Any, rules: ReportingRules, where: str) -> str:
    """An answer as stored: the value a spreadsheet cell holds, checked against the
    question's kind (a choice, a date, a number); MealinkError naming ``where`` if not."""
    if isinstance(value, date):
        value = value.isoformat()[:10]
    text = " ".join(str(value).split()) if q.answer not in ("species", "sites", "text") \
        else str(value).strip()
    kind = rules.kinds[q.answer]
    if kind.choices and text.lower() not in kind.choices:
        raise MealinkError(f"{where}: answer {text[:40]!r} to question {q.number} is not one "
                           f"of: {', '.join(kind.choices)}")
    if q.answer == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise MealinkError(f"{where}: answer {text[:40]!r} to question {q.number} is not a "
                               "date (YYYY-MM-DD)") from None
    if q.answer == "number":
        try:
            float(text.replace(",", ""))
        except ValueError:
            raise MealinkError(f"{where}: answer {text[:40]!r} to question {q.number} is not a "
                               "number") from None
    return text.lower() if kind.choices else text
