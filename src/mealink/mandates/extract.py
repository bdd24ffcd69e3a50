"""Mandates: what an operative paragraph asks of whom, by when, on what condition.

Every actor of an operative paragraph yields one mandate, tied to the asking verb that
governs it ("Further requests the Secretariat and invites the Secretariats of CBD ... to
consider ...; and further requests the Secretariat to report ... to COP12"). The action is
the clause that verb governs; deadline, condition and reporting duty are read in that
clause. A list's chapeau ("Requests the Secretariat to:") hands its actors to its items,
which carry the mandates. Paragraphs that only welcome or take note ask nothing and yield
none: they are informational.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from mealink.annotate.actors import EMBEDDED_NEEDLES, phrase_actors
from mealink.annotate.clauses import adopting_meeting, find_conditions, find_deadline
from mealink.mandates.deadlines import Deadline, implied_deadline, resolve_deadline
from mealink.mandates.knowledge import STRENGTHS, knowledge
from mealink.models import Document, Mention, Paragraph, Span
from mealink.vocabulary import VerbForm, verb_form, vocabulary

__all__ = ["Mandate", "actor_key", "mandate_sentence", "mandates_of"]

_TRIM_START = re.compile(r"^[\s,;:]*(?:(?:that|who|which)\s[^;:]{0,200}?\s(?=to\s+[a-z]))?"
                         r"(?:(?:and|to|also|further|shall|should)\s+)*", re.I)
_TRIM_END = re.compile(r"(?:[\s,;:]+|\s+(?:and|also|further|inter alia))+$", re.I)
_OUTER_NUMBER = re.compile(r"\s*\([^()]*\)$")
_TO_BODY = re.compile(r"\s(?:to|at|before)\s")
_SLUG = re.compile(r"[^a-z0-9]+")
_REPORT_STOP = re.compile(r";|,|\.(?:\s|$)|\s(?:on|in|including|through|for|with|by)\s")
#: an action that opens with an aside before its "to" ("in consultation with the Bureau, to")
_ASIDE = re.compile(r"^[^;]{0,200}?,\s+to\s", re.I)
_ACRONYM = re.compile(r"^[A-Z0-9-]{2,}$")


@dataclass(frozen=True, slots=True)
class Mandate:
    """One actor's part of one operative paragraph."""

    id: str  # paragraph id + "/" + actor key: cms/resolution/11.10/para_11/secretariat
    paragraph_id: str
    document_id: str
    actor: str  # the body's canonical name, or its name as written when not a known body
    written: str  # as in the text
    role: str | None  # the job it does across conventions ("scientific body")
    verb: str
    strength: str  # "request" > "urge" > "invite"
    action: str
    action_spans: tuple[Span, ...]
    deadline: Deadline | None = None
    conditions: tuple[str, ...] = ()
    reporting_to: tuple[str, ...] = field(default=())

    @property
    def time_bound(self) -> bool:
        """Due by a meeting or a date (else standing: to be done until repealed)."""
        return self.deadline is not None

    @property
    def condition(self) -> str | None:
        return "; ".join(self.conditions) or None


def actor_key(actor: str) -> str:
    """The actor part of a mandate id: 'Scientific Council' -> 'scientific-council'."""
    return _SLUG.sub("-", actor.lower()).strip("-")[:60] or "actor"


@cache
def _third_person() -> dict[str, str]:
    """Base form -> the form that opens an English operative paragraph ('request' ->
    'requests', 'call on' -> 'calls on')."""
    out: dict[str, str] = {}
    for written, vf in vocabulary().verb_forms.items():
        if vf.form == "finite":
            out.setdefault(vf.base, written)
    return out


def _addressed(written: str) -> str:
    """The actor as a sentence names it: a named body takes 'the' ('the Secretariat', 'the
    Executive Director of UNEP'); plurals, acronyms and lower-case groups do not."""
    first = written.split()[0] if written.split() else ""
    if not first[:1].isupper() or _ACRONYM.match(first) or written.endswith("s") or \
            first.lower() in ("the", "its", "all", "each"):
        return written
    return f"the {written}"


def mandate_sentence(verb: str, written: str, action: str) -> str:
    """A mandate as the text asks it, in one sentence ('requests the Secretariat to compile
    a list ...'), not the stored short form ('request compile a list ...'): what every list
    of mandates shows."""
    who = _addressed(written)
    first = action.split(" ", 1)[0]
    if first[1:].islower() and first[:1].isupper():  # an item's own capital: "(a) Report"
        action = action[:1].lower() + action[1:]
    if verb in ("shall", "should", "will", "must", "may"):
        return f"{who} {verb} {action}"
    asks = _third_person().get(verb, verb)
    vf = vocabulary().verb_forms.get(asks)
    if vf is not None and vf.that:
        return f"{asks} that {who} {action}"
    if action.lower().startswith("to "):
        return f"{asks} {who} {action}"
    if _ASIDE.match(action):
        return f"{asks} {who}, {action}"
    return f"{asks} {who} to {action}"


@dataclass(slots=True)
class _Point:
    """An asking verb and the actors it governs."""

    span: Span
    base: str
    strength: str
    actors: list[Mention] = field(default_factory=list)


def _strength(words: str, lang: str = "en") -> str:
    """How firmly a verb ('requests'), a passive ('are invited', 'called upon') or a modal
    ('shall') asks, by the strengths in mandates.toml; an asking verb not listed requests."""
    strength_of = knowledge().strength_of
    w = " ".join(words.lower().split())
    if w in strength_of:
        return strength_of[w]
    for word in reversed(w.split()):  # the participle or the modal decides, not "are"
        vf = verb_form(word, lang)
        base = vf.base if vf is not None else word
        if base in strength_of:
            return strength_of[base]
    for pair in zip(w.split(), w.split()[1:], strict=False):  # "called upon"
        vf = verb_form(" ".join(pair), lang)
        if vf is not None and vf.base in strength_of:
            return strength_of[vf.base]
    return "request"


def _points(text: str, p: Paragraph, lang: str) -> list[_Point]:
    """The asking verbs of ``p``, each with the actors it names; an actor named before any
    verb ("Parties are invited to", "The Secretariat shall:") gets its modal or passive."""
    vocab = vocabulary()
    forms = _verb_forms()
    verbs = [v for v in ([p.verb] if p.verb else []) + p.other_verbs if v.value in forms]
    if len(verbs) == 1 and all(a.span.start >= verbs[0].span.end for a in p.actors) and \
            not EMBEDDED_NEEDLES.search(text[p.body.start:p.body.end].lower()):
        # one asking verb and only its own actors: what the annotator found (most paragraphs)
        v = verbs[0]
        return [_Point(v.span, v.value, _strength(v.value, lang), list(p.actors))]
    points: list[_Point] = []
    for v in sorted(verbs, key=lambda v: v.span.start):
        vf = forms[v.value]
        named = phrase_actors(text, v.span.end, p.body.end, vocab, that=vf.that, lang=lang)
        points.append(_Point(v.span, v.value, _strength(v.value, lang), named))
    covered = {a.value.lower() for pt in points for a in pt.actors}
    for a in p.actors:
        if a.value.lower() in covered:
            continue
        m = knowledge().modal_pattern.search(text, a.span.end, min(p.body.end, a.span.end + 160))
        if m and not [pt for pt in points if pt.span.end <= a.span.start]:
            base = p.verb.value if p.verb else "shall"
            points.append(_Point(Span(m.start(), m.end()), base, _strength(m.group(0), lang),
                                 [a]))
        else:  # an asking verb inside the clause ("to encourage Parties", "followed by")
            points.append(_Point(a.span, p.verb.value if p.verb else "request",
                                 _strength(p.verb.value, lang) if p.verb else "request", [a]))
        points.sort(key=lambda pt: pt.span.start)
    return [pt for pt in points if pt.actors]


@cache
def _verb_forms() -> dict[str, VerbForm]:
    """Base form -> its finite form, for the verbs that ask someone to act."""
    out: dict[str, VerbForm] = {}
    for vf in vocabulary().verb_forms.values():
        if vf.asks and vf.form == "finite":
            out.setdefault(vf.base, vf)
    return out


def _clause(text: str, p: Paragraph, points: list[_Point], i: int,
            starts: list[int]) -> Span:
    """The text the i-th point asks for: after its actors up to the next verb, or, when
    that is empty ("requests X and invites Y to ..."), the next point's clause."""
    end = p.body.end
    while True:
        pt = points[i]
        start = max([pt.span.end] + [a.span.end for a in pt.actors])
        nxt = [s for s in starts if s > start]
        stop = min(nxt) if nxt else end
        body = text[start:stop]
        if i + 1 >= len(points) or len(body) > 400 or \
                len(_TRIM_END.sub("", _TRIM_START.sub("", body)).split()) >= 2:
            return Span(start, stop)
        i += 1


def _trimmed(text: str, span: Span) -> tuple[str, Span]:
    raw = text[span.start:span.end]
    lead = _TRIM_START.match(raw)
    s = span.start + (lead.end() if lead else 0)
    tail = _TRIM_END.search(text, s, span.end)
    e = tail.start() if tail else span.end
    return " ".join(text[s:e].split()), Span(s, e)


def _reporting(text: str, span: Span) -> list[str]:
    """Bodies a clause asks to report to ('report on progress to the Scientific Council and
    COP12' -> Scientific Council, Conference of the Parties)."""
    know = knowledge()
    aliases = vocabulary().actor_aliases
    out: list[str] = []
    lower = text[span.start:span.end].lower()
    if not any(w in lower for w in know.report_words):
        return out
    for verb in know.report_verbs.finditer(text, span.start, span.end):
        to = _TO_BODY.search(text, verb.end(), min(span.end, verb.end() + 200))
        if not to:
            continue
        bodies = list(know.report_bodies.finditer(text, to.end(), span.end))
        stop = next((m.start() for m in _REPORT_STOP.finditer(text, to.end(), span.end)
                     if not any(b.start() <= m.start() < b.end() for b in bodies)), span.end)
        for m in bodies:
            if m.start() >= stop:
                break
            if m.group("abbr"):
                name = _body_actor(know.body_of_abbreviation[m.group("abbr").lower()])
            else:
                name = aliases.get(" ".join(m.group(0).lower().split()), m.group(0))
            if name not in out:
                out.append(name)
    return out


@cache
def _body_actor(body: str) -> str:
    """The actor name of a meeting body ('COP' -> 'Conference of the Parties')."""
    aliases = vocabulary().actor_aliases
    for name, b in knowledge().body_of_name.items():
        if b == body:
            return aliases.get(name, name)
    return body


def _merge(a: Mandate, b: Mandate) -> Mandate:
    """One actor asked twice in one paragraph: one mandate, the firmer verb, both actions."""
    first = a if STRENGTHS.index(a.strength) <= STRENGTHS.index(b.strength) \
        else b
    return Mandate(
        a.id, a.paragraph_id, a.document_id, a.actor, a.written, a.role, first.verb,
        first.strength, f"{a.action}; {b.action}", a.action_spans + b.action_spans,
        a.deadline or b.deadline, tuple(dict.fromkeys(a.conditions + b.conditions)),
        tuple(dict.fromkeys(a.reporting_to + b.reporting_to)))


def _inherits(child: Paragraph, parent: Paragraph) -> bool:
    return bool(child.actors) and all(a.span.start < child.body.start or
                                      a.span.start >= child.body.end for a in child.actors) \
        and child.actors[0] in parent.actors


@dataclass(slots=True)
class _Tree:
    """Who hands actors to whom: a chapeau ("Requests the Secretariat to:") hands its
    actors to its items; an item with its own action keeps the items below it."""

    doc: Document
    inherited_from: dict[int, int]
    children: dict[int, list[int]]
    _points: dict[int, tuple[list[_Point], list[int]]] = field(default_factory=dict)

    def points(self, i: int) -> tuple[list[_Point], list[int]]:
        """The asking points of paragraph ``i`` and where its verbs start (worked out once:
        a chapeau's are needed by each of its items)."""
        if i not in self._points:
            p = self.doc.paragraphs[i]
            pts = _points(self.doc.text, p, self.doc.language)
            starts = sorted({pt.span.start for pt in pts} | {v.span.start for v in p.other_verbs})
            self._points[i] = (pts, starts)
        return self._points[i]

    @classmethod
    def of(cls, doc: Document) -> _Tree:
        inherited: dict[int, int] = {}
        children: dict[int, list[int]] = {}
        by_number: dict[str, int] = {}
        for i, p in enumerate(doc.paragraphs):
            if p.kind != "operative":
                continue
            if p.number:
                by_number[p.number] = i
            if p.parent is None or not _inherits(p, doc.paragraphs[p.parent]):
                continue
            parent = p.parent
            # "2(b)(i)" laid out flat under "2": its parent is "2(b)" when that is listed
            outer = _OUTER_NUMBER.sub("", p.number or "")
            if outer and outer != p.number and by_number.get(outer, parent) > parent and \
                    _inherits(p, doc.paragraphs[by_number[outer]]):
                parent = by_number[outer]
            inherited[i] = parent
            children.setdefault(parent, []).append(i)
        return cls(doc, inherited, children)

    def owner(self, i: int) -> int:
        while i in self.inherited_from:
            i = self.inherited_from[i]
        return i

    def descendants(self, i: int) -> list[int]:
        out: list[int] = []
        for c in self.children.get(i, []):
            out += [c, *self.descendants(c)]
        return out


def _own_action(text: str, tree: _Tree, i: int) -> str:
    p = tree.doc.paragraphs[i]
    if i in tree.inherited_from:
        return " ".join(p.text.split())
    points, starts = tree.points(i)
    return " ".join(_trimmed(text, _clause(text, p, points, k, starts))[0]
                    for k in range(len(points)))


def _is_chapeau(action: str) -> bool:
    """'to:', 'resources permitting, to:', 'shall, subject to ...:' — the verb is in the items."""
    words = re.findall(r"[\w'’-]+", vocabulary().conditions.sub("", action).lower())
    return len(words) < 3 or words[-1] in ("to", "shall", "should", "will", "must", "may")


def _yielding(text: str, tree: _Tree) -> list[int]:
    """Paragraphs that carry mandates: not a bare chapeau, not an item folded into its
    parent's own action, not a paragraph of a draft the text quotes for another body to
    adopt (it asks nothing until that body adopts it)."""
    out: list[int] = []
    yields: dict[int, bool] = {}
    for i, p in enumerate(tree.doc.paragraphs):
        if p.kind != "operative" or not p.actors or p.embedded_in is not None:
            yields[i] = False
            continue
        parent = tree.inherited_from.get(i)
        if parent is not None and yields.get(parent, False):
            yields[i] = False  # folded into the parent's mandate
        elif i in tree.children and _is_chapeau(_own_action(text, tree, i)):
            yields[i] = False  # a chapeau: its items carry the mandates
        else:
            yields[i] = True
            out.append(i)
    return out


def mandates_of(doc: Document, paragraph_ids: list[str], document_id: str,
                doc_type: str | None = None, adopted_meeting: int | None = None
                ) -> list[Mandate]:
    """The mandates of an annotated document; ``paragraph_ids`` are the stable ids of its
    paragraphs, in order. A text of a type adopted for one period between meetings (CMS
    and CITES Decisions) gives its mandates the next meeting as deadline."""
    vocab = vocabulary()
    text = doc.text
    lapsing = doc.convention is not None and adopted_meeting is not None and \
        (doc.convention, doc_type or "") in knowledge().lapsing
    tree = _Tree.of(doc)
    own = adopting_meeting(doc)  # a meeting already held is no deadline
    out: dict[str, Mandate] = {}
    for i in _yielding(text, tree):
        p = doc.paragraphs[i]
        owner_i = tree.owner(i)
        owner = doc.paragraphs[owner_i]
        points, starts = tree.points(owner_i)
        folded = [doc.paragraphs[c].body for c in tree.descendants(i)]
        for k, pt in enumerate(points):
            clause = _clause(text, owner, points, k, starts)
            if owner_i == i:
                action, action_span = _trimmed(text, clause)
                spans = [clause, *folded]
            else:  # an item: its own text, under its chapeau's verb and conditions
                action, action_span = " ".join(p.text.split()), p.body
                spans = [p.body, *folded, clause]
            if folded:
                action = "; ".join([action] + [" ".join(text[b.start:b.end].split())
                                               for b in folded])
            dl = None
            for sp in spans:
                found = find_deadline(text, sp.start, sp.end, vocab, own)
                if found:
                    dl = resolve_deadline(found.value, text[pt.span.start:found.span.start]
                                          if owner_i == i else text[sp.start:found.span.start],
                                          doc.convention, adopted_meeting, found.span)
                    break
            if dl is None and lapsing and doc.convention and adopted_meeting is not None:
                dl = implied_deadline(doc.convention, adopted_meeting)
            conds = tuple(dict.fromkeys(c.value for sp in spans
                                        for c in find_conditions(text, sp.start, sp.end, vocab)))
            reports = tuple(dict.fromkeys(r for sp in spans[:1 + len(folded)]
                                          for r in _reporting(text, sp)))
            pid = paragraph_ids[i]
            for a in pt.actors:
                actor = vocab.actor_aliases.get(a.value.lower(), a.value[:1].upper() +
                                                a.value[1:])
                m = Mandate(f"{pid}/{actor_key(actor)}", pid, document_id, actor, a.value,
                            vocab.actor_roles.get(actor), pt.base, pt.strength, action,
                            (action_span,), dl, conds, reports)
                if m.id in out:
                    if out[m.id].action != m.action:
                        out[m.id] = _merge(out[m.id], m)
                else:
                    out[m.id] = m
    return list(out.values())
