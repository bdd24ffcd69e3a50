"""Annotate: verb, actors, references, named instruments, repeals, deadline, condition and
topics of every paragraph.

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
from dataclasses import replace

from mealink.annotate.actors import (
    dedupe,
    embedded_actors,
    is_actor,
    phrase_actors,
    subject_actors,
)
from mealink.annotate.clauses import Meeting, adopting_meeting, find_conditions, find_timing
from mealink.annotate.instruments import find_instruments, instrument_vocabulary
from mealink.annotate.references import find_references, find_repeals, footnote_references
from mealink.annotate.topics import find_topics, inherit, topic_vocabulary
from mealink.languages import vocabulary_for
from mealink.models import Document, Mention, Paragraph, Span
from mealink.parse.structure import finite_verbs, sentence_end, subject_verb
from mealink.vocabulary import VerbForm, Vocabulary, verb_form

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


def _clauses(text: str, p: Paragraph, vocab: Vocabulary, own: Meeting | None,
             lower: str) -> None:
    """Deadline, reporting due date, period and conditions: what qualifies what someone is
    asked to do (so read only in paragraphs that ask someone); ``lower``: the body
    lower-cased."""
    p.conditions = find_conditions(text, p.body.start, p.body.end, vocab, lower)
    timing = find_timing(text, p.body.start, p.body.end, vocab, own, lower)
    p.deadline, p.report_deadline, p.period = timing.deadline, timing.report_by, timing.period


def _annotate_operative(text: str, p: Paragraph, vocab: Vocabulary, lang: str,
                        lead_vf: VerbForm | None, own: Meeting | None, lower: str) -> None:
    start, end = p.body.start, p.body.end
    actors: list[Mention] = []
    scan_from = p.lead.span.end if p.lead else start
    secondary = _secondary_verbs(text, scan_from, end, vocab, lang)
    if lead_vf is not None and lead_vf.form == "finite" and p.lead is not None:
        p.verb = Mention(lead_vf.base, p.lead.span)
        if lead_vf.asks:
            actors += phrase_actors(text, p.lead.span.end, end, vocab, that=lead_vf.that,
                                    lang=lang)
    elif secondary:
        span, vf = secondary.pop(0)
        p.verb = Mention(vf.base, span)
        if vf.asks:
            actors += phrase_actors(text, span.end, end, vocab, that=vf.that, lang=lang)
    elif lead_vf is not None and p.lead is not None:
        p.verb = Mention(lead_vf.base, p.lead.span)
    else:
        _subject_first(text, p, start, end, vocab, actors, lang)
    for span, vf in secondary:
        p.other_verbs.append(Mention(vf.base, span))
        if vf.asks:
            actors += phrase_actors(text, span.end, end, vocab, that=vf.that, lang=lang)
    if not actors and p.verb is not None and lead_vf is not None and p.lead is not None:
        actors += _that_subject(text, p.lead.span.end, end, vocab, lang)
    actors += embedded_actors(text, start, end, vocab, actors, lower)
    p.actors = dedupe(actors)
    if p.actors:
        _clauses(text, p, vocab, own, lower)


_THAT_CLAUSE = re.compile(r"\s*,?\s*that\s+")


def _that_subject(text: str, pos: int, end: int, vocab: Vocabulary,
                  lang: str) -> list[Mention]:
    """The body a that-clause asks to act: "Decides that the Standing Committee shall:",
    "Agrees that Parties should report ..." (the subject of its modal or passive verb)."""
    m = _THAT_CLAUSE.match(text, pos, end)
    if not m:
        return []
    found = subject_verb(text, m.end(), end, lang=lang)
    if not found:
        return []
    return [a for a in phrase_actors(text, m.end(), found[0].start(), vocab,
                                     lang=lang) if is_actor(a.value, vocab)]


def _subject_first(text: str, p: Paragraph, start: int, end: int, vocab: Vocabulary,
                   actors: list[Mention], lang: str) -> None:
    """'Parties are invited to:', 'The Scientific Council ... should undertake', 'The
    Subsidiary Body ... recommends that ...', 'The Conference ..., decided to convene'."""
    found = subject_verb(text, start, end, vocab, lang)
    if found and found[1] == "impersonal":  # "Se pide a la Secretaría que": as "Pide a ..."
        m = found[0]
        vf = verb_form(m.group("verb"), lang)
        if vf is not None:
            p.verb = Mention(vf.base, Span(m.start("verb"), m.end("verb")))
            actors += phrase_actors(text, m.end("verb"), end, vocab, that=vf.that, lang=lang)
        return
    if found:
        m, kind = found
        group = "verb" if kind == "passive" or m.group("action") is None else "action"
        word = " ".join(m.group(group).split())
        if kind == "passive":
            vf = verb_form(word, lang)
            base = _PASSIVE_BASE.get(word, vf.base if vf else word)
        else:  # "should undertake" -> undertake; "shall:" -> the items' verbs; in a text
            # of another language, its English base ("deberá examinar" -> examine)
            own = verb_form(word, lang) if word and lang != "en" else None
            base = own.base if own is not None else word
        if base:
            p.verb = Mention(base, Span(m.start(group), m.end(group)))
        whole = subject_actors(text, start, m.start(), vocab, lang)
        if len(whole) > 1:
            actors += whole
            return
        cands = [start] + [c.end() for c in re.finditer(r",\s*", text[start:m.start()])]
        for c in cands:
            pos = c if c == start else start + c
            # "Subject to available resources, the Secretariat shall": the subject is the
            # body, not the opening phrase
            subj = [a for a in phrase_actors(text, pos, m.start(), vocab, lang=lang)
                    if is_actor(a.value, vocab)]
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
                                        lang=lang)
            return


_NOT_VERBS = frozenset({"the", "a", "an", "all", "any", "its", "their", "such", "this", "these",
                        "that", "those", "each", "where", "if", "when", "as", "in", "on", "for",
                        "with", "by", "of"})


# An item opening with a phrase before its verb: "in consultation with the Plants Committee,
# develop ...", "taking into account the progress made ..., consider ...", "when
# establishing the working group, endeavour ...", "based on documents A, B and C, establish".
_OPENING_PHRASE = re.compile(
    r"\s*(?:in\s+(?:consultation|cooperation|collaboration|coordination)\s+with|with\s+the\s+"
    r"(?:assistance|support)\s+of|subject\s+to|where\s+appropriate|as\s+appropriate|"
    r"taking\s+into\s+(?:account|consideration)|bearing\s+in\s+mind|based\s+on|when|where|"
    r"while|upon|after|before|through|within)\b")
_COMMA_WORD = re.compile(r",\s*(?P<word>[a-z][a-z-]+)\b")
_NOT_ITEM_VERBS = frozenset({"and", "or", "including", "inter", "notably", "in", "as", "such",
                             "particularly", "especially", "i", "e", "g", "etc"})
# A chapeau whose list continues a second coordinated action: "The Secretariat shall bring
# ... to the attention of the Committee and, subject to external funding: a) develop ...".
_AND_COLON = re.compile(r"\band\b[^.;:]{0,80}:\s*$")


def _item_verb(text: str, p: Paragraph, lang: str) -> Mention | None:
    """The action verb a list item opens with, when the list's chapeau has none ('The
    Secretariat shall: (a) issue a Notification ...'); None for a noun phrase item."""
    if _OPENING_PHRASE.match(text, p.body.start, p.body.end):
        limit = min(p.body.end, sentence_end(text, p.body.start, p.body.end), p.body.start + 400)
        for c in _COMMA_WORD.finditer(text, p.body.start, limit):
            word = c.group("word")
            if word not in _NOT_VERBS and word not in _NOT_ITEM_VERBS:
                form = verb_form(word, lang)
                return Mention(form.base if form else word, Span(c.start("word"), c.end("word")))
    m = _FIRST_WORDS.match(text, p.body.start, p.body.end)
    if not m or m.group("word").lower() in _NOT_VERBS:
        return None
    word = m.group("word")
    form = verb_form(word, lang)
    return Mention(form.base if form else word.lower(), Span(m.start("word"), m.end("word")))


_TO_VERB = re.compile(r"\s*To\s+(?P<verb>[a-z]+(?:\s+(?:upon|on))?)\s")


def _item_ask(text: str, p: Paragraph, lang: str) -> tuple[Mention, VerbForm] | None:
    """An item that asks someone itself: "(b) To request the secretariat of ... to"."""
    m = _TO_VERB.match(text, p.body.start, p.body.end)
    vf = verb_form(m.group("verb"), lang) if m else None
    if m is None or vf is None or not vf.asks:
        return None
    return Mention(vf.base, Span(m.start("verb"), m.end("verb"))), vf


def _lead_verb(p: Paragraph, lang: str) -> VerbForm | None:
    vf = verb_form(p.lead_verb.value, lang) if p.lead_verb is not None else None
    if vf is not None and vf.form == "base" and p.kind == "operative" and p.parent is None:
        return replace(vf, form="finite")  # "Decide to establish" after "We, ...,"
    return vf


def _item_parent(paras: list[Paragraph], i: int) -> Paragraph | None:
    """What an item inherits its verb and actors from: the item one level up in the same
    list ("(a) contract consultants to undertake the following: (i) conduct ..." -> (a)),
    else the paragraph the list belongs to."""
    p = paras[i]
    if p.parent is None:
        return None
    if p.depth >= 2:
        for k in range(i - 1, p.parent, -1):  # the nearest item one level up
            q = paras[k]
            if q.parent == p.parent and q.depth == p.depth - 1:
                return q if q.kind == "operative" and q.verb is not None else paras[p.parent]
    return paras[p.parent]


def annotate(doc: Document) -> Document:
    """Fill in the annotations of every paragraph of ``doc`` (in place) and return it."""
    vocab = vocabulary_for(doc.language)  # with the hedges and deadlines of its language
    topics = topic_vocabulary()
    text = doc.text
    own = adopting_meeting(doc)
    for i, p in enumerate(doc.paragraphs):
        parent = _item_parent(doc.paragraphs, i)
        # the body lower-cased once, for every pass that reads it
        lower = text[p.body.start:p.body.end].lower() if p.kind != "heading" else ""
        if p.kind != "heading":
            refs = find_references(text, p.body.start, p.body.end, vocab, lower=lower)
            p.references = refs + footnote_references(p.footnotes, text, vocab)
            p.instruments = find_instruments(text, p.body.start, p.body.end,
                                             instrument_vocabulary(), doc.convention)
            p.topics = find_topics(text, p.body.start, p.body.end, topics, lower)
            whole = doc.paragraphs[p.parent] if p.parent is not None else None
            if whole is not None and whole.topics:  # parents come first in the list
                p.topics = inherit(p.topics, whole.topics, topics.inherited)
        if p.kind != "operative":
            continue
        lead_vf = _lead_verb(p, doc.language)
        own_finite = lead_vf is not None and lead_vf.form == "finite"
        own_ask = _item_ask(text, p, doc.language) if parent is not None else None
        if own_ask is not None:  # "(b) To request the secretariat of UNEP to ..."
            verb, vf = own_ask
            p.verb = verb
            p.actors = dedupe(phrase_actors(text, verb.span.end, p.body.end, vocab,
                                            that=vf.that, lang=doc.language))
            if p.actors:
                _clauses(text, p, vocab, own, lower)
        elif parent is not None and parent.kind == "operative" and not own_finite:
            p.verb = parent.other_verbs[-1] if parent.other_verbs else parent.verb
            if parent.lead is None and parent.text.endswith(":") and \
                    _AND_COLON.search(parent.text, max(0, len(parent.text) - 100)):
                p.verb = _item_verb(text, p, doc.language) or p.verb
            if p.verb is None:  # "The Secretariat shall: (a) Compile ..." / "a) issue ..."
                p.verb = _item_verb(text, p, doc.language)
            p.actors = list(parent.actors)
            if p.actors:
                _clauses(text, p, vocab, own, lower)
        else:
            _annotate_operative(text, p, vocab, doc.language, lead_vf, own, lower)
        p.repeals = find_repeals(text, p.body.start, p.body.end, p.references, lower)
    doc.annotated = True
    return doc
