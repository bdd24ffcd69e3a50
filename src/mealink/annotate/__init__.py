"""Annotate: verb, actors, references, repeals, deadline, condition and topics of every paragraph.

Deadlines are read knowing the meeting that adopted the document (``adopting_meeting``), so
that a meeting already held is not taken for a due date (``mealink.annotate.clauses``).

``annotate`` is pure: it reads ``Document.text`` and the paragraph tree built by ``parse``
and fills in the annotations, each with the span of the text it came from. Sub-paragraphs
of "Requests the Executive Secretary to: (a) ..." inherit their parent's verb and actors;
sub-paragraphs of "Encourages Parties to address invasive alien species through: (a) ..."
their parent's topics, at a reduced score (``annotate.topics.inherit``).
"""

from __future__ import annotations

import re

from mealink.annotate.actors import dedupe, embedded_actors, phrase_actors
from mealink.annotate.clauses import Meeting, adopting_meeting, find_conditions, find_timing
from mealink.annotate.references import find_references, find_repeals, footnote_references
from mealink.annotate.topics import find_topics, inherit, topic_vocabulary
from mealink.models import Document, Mention, Paragraph, Span
from mealink.parse.structure import finite_verbs, sentence_end, subject_verb
from mealink.vocabulary import VerbForm, Vocabulary, verb_form, vocabulary

__all__ = ["annotate"]

_FIRST_WORDS = re.compile(r"\s*(?:(?:to|To|further|Further|also|Also|closely|Closely)\s+)?"
                          r"(?P<word>[A-Za-z][a-z]+)\b")
_PASSIVE_BASE = {"called upon": "call upon", "called on": "call on"}


def _secondary_verbs(text: str, start: int, end: int, vocab: Vocabulary,
                     lang: str) -> list[tuple[Span, VerbForm]]:
    out: list[tuple[Span, VerbForm]] = []
    for s, e, words in finite_verbs(text, start, end, vocab):
        vf = verb_form(words, lang)
        if vf is not None:
            out.append((Span(s, e), vf))
    return out


def _clauses(text: str, p: Paragraph, vocab: Vocabulary, own: Meeting | None) -> None:
    """Deadline, reporting due date, period and conditions: what qualifies what someone is
    asked to do (so read only in paragraphs that ask someone)."""
    lower = text[p.body.start:p.body.end].lower()
    p.conditions = find_conditions(text, p.body.start, p.body.end, vocab, lower)
    timing = find_timing(text, p.body.start, p.body.end, vocab, own, lower)
    p.deadline, p.report_deadline, p.period = timing.deadline, timing.report_by, timing.period


def _annotate_operative(text: str, p: Paragraph, vocab: Vocabulary, lang: str,
                        lead_vf: VerbForm | None, own: Meeting | None) -> None:
    french = lang == "fr"
    start, end = p.body.start, p.body.end
    actors: list[Mention] = []
    scan_from = p.lead.span.end if p.lead else start
    secondary = _secondary_verbs(text, scan_from, end, vocab, lang)
    if lead_vf is not None and lead_vf.form == "finite" and p.lead is not None:
        p.verb = Mention(lead_vf.base, p.lead.span)
        if lead_vf.asks:
            actors += phrase_actors(text, p.lead.span.end, end, vocab, that=lead_vf.that,
                                    french=french)
    elif secondary:
        span, vf = secondary.pop(0)
        p.verb = Mention(vf.base, span)
        if vf.asks:
            actors += phrase_actors(text, span.end, end, vocab, that=vf.that, french=french)
    elif lead_vf is not None and p.lead is not None:
        p.verb = Mention(lead_vf.base, p.lead.span)
    else:
        _subject_first(text, p, start, end, vocab, actors, lang)
    for span, vf in secondary:
        p.other_verbs.append(Mention(vf.base, span))
        if vf.asks:
            actors += phrase_actors(text, span.end, end, vocab, that=vf.that, french=french)
    actors += embedded_actors(text, start, end, vocab)
    p.actors = dedupe(actors)
    if p.actors:
        _clauses(text, p, vocab, own)


def _subject_first(text: str, p: Paragraph, start: int, end: int, vocab: Vocabulary,
                   actors: list[Mention], lang: str) -> None:
    """'Parties are invited to:', 'The Scientific Council ... should undertake', 'The
    Subsidiary Body ... recommends that ...', 'The Conference ..., decided to convene'."""
    french = lang == "fr"
    found = subject_verb(text, start, end, vocab)
    if found:
        m, kind = found
        group = "verb" if kind == "passive" or m.group("action") is None else "action"
        word = " ".join(m.group(group).split())
        if kind == "passive":
            vf = verb_form(word, lang)
            base = _PASSIVE_BASE.get(word, vf.base if vf else word)
        else:
            base = word  # "should undertake" -> undertake; "shall:" -> the items' verbs
        if base:
            p.verb = Mention(base, Span(m.start(group), m.end(group)))
        cands = [start] + [c.end() for c in re.finditer(r",\s*", text[start:m.start()])]
        for c in cands:
            pos = c if c == start else start + c
            subj = [a for a in phrase_actors(text, pos, m.start(), vocab, french=french)]
            if subj:
                actors += subj
                break
        return
    limit = sentence_end(text, start, end)
    for w in re.finditer(r"[a-z]+", text[start:limit]):
        vf = verb_form(w.group(0), lang)
        if vf is not None and vf.form in ("finite", "past"):
            p.verb = Mention(vf.base, Span(start + w.start(), start + w.end()))
            if vf.asks:
                actors += phrase_actors(text, start + w.end(), end, vocab, that=vf.that,
                                        french=french)
            return


_NOT_VERBS = frozenset({"the", "a", "an", "all", "any", "its", "their", "such", "this", "these",
                        "that", "those", "each", "where", "if", "when", "as", "in", "on", "for",
                        "with", "by", "of"})


def _item_verb(text: str, p: Paragraph, lang: str) -> Mention | None:
    """The action verb a list item opens with, when the list's chapeau has none ('The
    Secretariat shall: (a) issue a Notification ...'); None for a noun phrase item."""
    m = _FIRST_WORDS.match(text, p.body.start, p.body.end)
    if not m or m.group("word").lower() in _NOT_VERBS:
        return None
    word = m.group("word")
    form = verb_form(word, lang)
    return Mention(form.base if form else word.lower(), Span(m.start("word"), m.end("word")))


def _lead_verb(p: Paragraph, lang: str) -> VerbForm | None:
    return verb_form(p.lead_verb.value, lang) if p.lead_verb is not None else None


def annotate(doc: Document) -> Document:
    """Fill in the annotations of every paragraph of ``doc`` (in place) and return it."""
    vocab = vocabulary()
    topics = topic_vocabulary()
    text = doc.text
    own = adopting_meeting(doc)
    for p in doc.paragraphs:
        parent = doc.paragraphs[p.parent] if p.parent is not None else None
        if p.kind != "heading":
            refs = find_references(text, p.body.start, p.body.end, vocab)
            p.references = refs + footnote_references(p.footnotes, text, vocab)
            p.topics = find_topics(text, p.body.start, p.body.end, topics)
            if parent is not None and parent.topics:  # parents come first in the list
                p.topics = inherit(p.topics, parent.topics, topics.inherited)
        if p.kind != "operative":
            continue
        lead_vf = _lead_verb(p, doc.language)
        own_finite = lead_vf is not None and lead_vf.form == "finite"
        if parent is not None and parent.kind == "operative" and not own_finite:
            p.verb = parent.other_verbs[-1] if parent.other_verbs else parent.verb
            if p.verb is None:  # "The Secretariat shall: (a) Compile ..." / "a) issue ..."
                p.verb = _item_verb(text, p, doc.language)
            p.actors = list(parent.actors)
            if p.actors:
                _clauses(text, p, vocab, own)
        else:
            _annotate_operative(text, p, vocab, doc.language, lead_vf, own)
        p.repeals = find_repeals(text, p.body.start, p.body.end, p.references)
    doc.annotated = True
    return doc
