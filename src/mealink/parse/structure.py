"""From blocks to the paragraph tree: kind, number and lead of every paragraph.

The kind follows how decisions are drafted: participles and adjectives ("Recalling",
"Aware") open the preamble, third-person verbs ("Requests") and addressee-as-subject
sentences ("Parties are invited to:", "The Standing Committee shall ... review") the
operative part. A chapeau ("The Conference of the Parties,") starts a (possibly embedded)
decision; once the operative part has begun, a participial opener ("6. Bearing in mind ...")
is an operative paragraph. Sub-paragraphs take their parent's kind and a composed number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from mealink.languages import grammar
from mealink.models import Kind, Mention, Paragraph, Span
from mealink.parse.markers import is_roman_item
from mealink.parse.segment import Block, ends_sentence
from mealink.vocabulary import VerbForm, Vocabulary, verb_form

_PASSIVE = re.compile(
    r"\b(?:is|are)\s+(?:hereby\s+|also\s+|further\s+|strongly\s+)?(?P<verb>requested|invited|"
    r"urged|encouraged|called\s+upon|called\s+on|instructed|directed|asked|mandated|authori[sz]ed|"
    r"recommended)\s+to\b"
)


@cache
def _adverb(connectives: tuple[str, ...]) -> str:
    """What may stand between a conjunction and a clause's verb ("and in this context")."""
    words = "|".join(r"\s+".join(map(re.escape, c.split())) for c in connectives)
    return rf"\s*(?:(?:{words}),?\s+)?"


@cache
def _clause_start(connectives: tuple[str, ...], conjunctions: tuple[str, ...]) -> re.Pattern[str]:
    # the English ones, then those a text of another language adds ("y", "e" in Spanish)
    own = "".join(rf"|\b{re.escape(c.strip())}" for c in conjunctions
                  if c.strip() not in (",", ";", "and", "et"))
    return re.compile(rf"(?:,|;|\b[Aa]nd|\bet{own})" + _adverb(connectives) + r"\Z")
_NOUN_FOLLOWER = re.compile(r"\s+(?:of|and|or|from)\b")
_SENTENCE_STOP = re.compile(r";|\.(?=\s+[A-Z(])|\.$")
_ABBREVIATION = re.compile(r"\b(?:Conf|Res|Dec|Rev|No|Nos|Art|para|paras|Inf|Doc|Add|Corr)$")
_MODAL = re.compile(
    r"\b(?:shall|should|will|must)\b(?:\s*,[^;:]{1,160})?\s*:(?P<verb>)|"
    r"\b(?:shall|should|will|must)\b(?:\s*,[^,;]{1,160},)?\s+(?:also\s+|further\s+|[a-z]+ly\s+)?"
    r"(?P<action>(?!be\b|not\b|have\b)[a-z]+)"
)


@dataclass(slots=True)
class _Numbering:
    """Composes sub-paragraph numbers: '3(a)', '6(b)(ii)', '12.91(c)', '(a)'."""

    top: str | None = None
    level1_roman: bool | None = None
    level1: str | None = None
    last_letter: str | None = None

    def reset(self, top: str | None) -> None:
        self.top, self.level1_roman, self.level1, self.last_letter = top, None, None, None

    def item(self, label: str) -> str:
        base = self.top or ""
        if label.isdigit():
            roman = False
        else:
            roman = is_roman_item(label, self.last_letter if self.level1_roman is False else None)
        if self.level1_roman is None or roman == self.level1_roman or self.level1 is None:
            if self.level1_roman is None:
                self.level1_roman = roman
            if roman == self.level1_roman:
                self.level1 = label
                if not roman:
                    self.last_letter = label
                return f"{base}({label})"
        return f"{base}({self.level1})({label})"


def collapse(text: str) -> str:
    """Whitespace runs (and hard line wraps) to single spaces."""
    return " ".join(text.split())


def _lead(text: str, pos: int, end: int, vocab: Vocabulary, any_case: bool = False,
          lang: str = "en") -> tuple[Mention, VerbForm | None, Mention] | None:
    if pos >= end or not (any_case or text[pos].isupper()):
        return None
    m = vocab.lead_pattern.match(text, pos, end)
    if not m:
        return None
    verb = collapse(m.group("verb"))
    return (Mention(collapse(m.group("lead")), Span(m.start("lead"), m.end("lead"))),
            verb_form(verb, lang), Mention(verb, Span(m.start("verb"), m.end("verb"))))


def _base_lead(text: str, pos: int, end: int, vocab: Vocabulary
               ) -> tuple[Mention, VerbForm | None, Mention] | None:
    """A lead in the base form ("Decide to establish", "Also decide that") under an enacting
    formula in the first person plural; it is operative, as a third-person verb would be."""
    m = vocab.base_lead_pattern.match(text, pos, end)
    if not m:
        return None
    verb = collapse(m.group("verb"))
    vf = verb_form(verb)
    return (Mention(collapse(m.group("lead")), Span(m.start("lead"), m.end("lead"))),
            replace(vf, form="finite") if vf is not None else None,
            Mention(verb, Span(m.start("verb"), m.end("verb"))))


_ITEM_LEAD = re.compile(
    r"To\s+[a-z]+(?=[\s,;:])|"
    r"(?:(?:To|Further|Also|Closely|Continue\s+to|Where\s+appropriate,?)\s+)?"
    r"[A-Z][a-z]+(?:-[a-z]+)?(?=[\s,;:])")


def _item_lead(text: str, pos: int, end: int) -> Mention | None:
    """The opening words of a list item when they are a capitalised verb ('Review',
    'Further collaborate', 'To make', 'Strengthening'); None for a noun phrase start."""
    m = _ITEM_LEAD.match(text, pos, end)
    if not m or m.group(0).split()[-1] in ("The", "A", "An", "All", "Any", "Its", "Their"):
        return None
    return Mention(collapse(m.group(0)), Span(m.start(), m.end()))


@cache
def _clause_verb_finders(finite_lower: str, connectives: tuple[str, ...],
                         conjunctions: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """For the lower-case finite verb pattern: patterns of a conjunction, then that verb.

    One starts with each conjunction, a literal that the regex engine skips ahead to, so
    together they tell fast whether a text has a clause-level verb at all.
    """
    verb = finite_lower.removeprefix(r"(?<![\w-])")
    return tuple(re.compile(re.escape(c) + _adverb(connectives) + verb) for c in conjunctions)


def finite_verbs(text: str, start: int, end: int,
                 vocab: Vocabulary) -> list[tuple[int, int, str]]:
    """Third-person operative verbs at clause level (', decides', 'and requests') as
    (start, end, words), in order; not a noun that looks like one ('status and mandates of')."""
    lower = text[start:end].lower()
    fast = len(lower) == end - start  # offsets in the lower-cased copy are the same
    # every verb kept below follows a conjunction: without one, no need to look for verbs
    if fast and not any(f.search(lower) for f in _clause_verb_finders(
            vocab.finite_lower.pattern, vocab.clause_connectives, vocab.clause_conjunctions)):
        return []
    # (on " " + lower, the verb one place further: ``Vocabulary.finite_bounded``)
    hits = [(h.start("verb") + start - 1, h.end("verb") + start - 1, h.group("verb"))
            for h in vocab.finite_bounded.finditer(" " + lower)] if fast else \
        [(h.start(), h.end(), h.group("verb"))
         for h in vocab.finite_pattern.finditer(text, start, end)]
    clause_start = _clause_start(vocab.clause_connectives, vocab.clause_conjunctions)
    out = []
    for s, e, verb in hits:
        if not clause_start.search(text, max(start, s - 40), s):
            continue
        if " " in verb.strip() or not _NOUN_FOLLOWER.match(text, e):
            out.append((s, e, text[s:e]))
    return out


def finite_after(text: str, start: int, end: int,
                 vocab: Vocabulary) -> tuple[int, int, str] | None:
    """First third-person operative verb at clause level after ``start``."""
    found = finite_verbs(text, start, end, vocab)
    return found[0] if found else None


def sentence_end(text: str, start: int, end: int) -> int:
    """End of the first sentence: ';' or '. ' before a capital, not after 'Conf.', 'Rev.'."""
    for m in _SENTENCE_STOP.finditer(text, start, end):
        if m.group(0) == ";" or not _ABBREVIATION.search(text, max(start, m.start() - 6),
                                                           m.start()):
            return m.start()
    return end


def subject_verb(text: str, start: int, end: int, vocab: Vocabulary | None = None,
                 lang: str = "en") -> tuple[re.Match[str], str] | None:
    """An addressee-as-subject construction in the first sentence: passive or modal (in a
    text of another language, also its own passive, modals and present tense, and its
    impersonal asking verb whose body follows it, kind "impersonal": ``Grammar``).

    With ``vocab``, the words before the verb must name a body ('Parties', 'The Standing
    Committee'), so that 'Annex I Parties should continue' in a preamble is not taken.
    """
    limit = sentence_end(text, start, end)
    own_grammar = grammar(lang) if vocab is not None else None
    own = [(p, "modal") for p in own_grammar.subject_verbs] if own_grammar is not None else []
    if own_grammar is not None and own_grammar.passive is not None:
        own.insert(0, (own_grammar.passive, "passive"))
    if own_grammar is not None and own_grammar.impersonal is not None and \
            (m := own_grammar.impersonal.match(text, start, limit)):
        return m, "impersonal"  # "Se pide a la Secretaría que": no subject, the body after
    for pattern, kind in (*own, (_PASSIVE, "passive"), (_MODAL, "modal")):
        m = pattern.search(text, start, limit)
        if m and (vocab is None or _names_body(text, start, m.start(), vocab)):
            return m, kind
    return None


def _names_body(text: str, start: int, end: int, vocab: Vocabulary) -> bool:
    clause_start = start
    for c in re.finditer(r",\s*", text[start:end]):
        clause_start = start + c.end()
    for s in (start, clause_start):
        words = re.findall(r"[\w'’-]+", text[s:end])
        if words and len(words) <= 18 and words[0][0].isupper() and any(
                w.lower() in vocab.actor_heads for w in words[:6]):
            return True
    return False


def _is_heading_like(text: str, b: Block, is_last: bool) -> bool:
    chunk = text[b.body:b.end].strip()
    if is_last or not chunk or len(chunk) > 300:
        return False
    return not ends_sentence(chunk) or (chunk.endswith(":") and len(chunk) <= 60)


def build_paragraphs(text: str, blocks: list[Block], vocab: Vocabulary,
                     lang: str = "en", numbers_alone: list[tuple[int, str]] | None = None
                     ) -> list[Paragraph]:
    """Paragraph objects, in order, for the paragraph blocks (see the module docstring).

    ``numbers_alone`` are decision numbers printed on a line of their own before label
    lines ("13.7" / "Decision directed to" / "Parties" / "Parties are requested to: a)
    ..."): each numbers the first unnumbered paragraph of text after it, and its items."""
    carried = sorted(numbers_alone or [])
    carry: str | None = None
    plural = False  # after "We, ...": operative verbs in the base form
    chapeaus: list[int] = []  # where an enacting formula stands
    embedding: int | None = None  # the paragraph quoting the draft that follows
    last_operative: int | None = None
    participial: set[int] = set()  # top-level paragraphs whose lead is not a finite verb
    paras: list[Paragraph] = []
    operative = False
    numbering = _Numbering()
    top: Paragraph | None = None
    pending: list[Paragraph] = []
    top_index = 0
    body_blocks = [b for b in blocks if b.role == "paragraph"]
    for i, b in enumerate(body_blocks):
        is_last = i == len(body_blocks) - 1
        while carried and carried[0][0] < b.start:
            carry = carried.pop(0)[1]
        marker = b.marker
        raw_body = text[b.body:b.end]
        para = Paragraph(kind="preamble", number=None, span=Span(b.start, b.end),
                         body=Span(b.body, b.end), text=collapse(raw_body))
        para.footnotes = list(b.footnotes)
        para.embedded_in = embedding
        body_start = b.body + (len(raw_body) - len(raw_body.lstrip()))
        # Without a marker, segmentation has already looked for a lead at this very place:
        # only a block it signalled as "lead" can have one.
        lead = _lead(text, body_start, b.end, vocab, any_case=marker is not None and
                     marker.kind in ("item", "bullet"), lang=lang) \
            if marker is not None or b.signal == "lead" else None
        if lead is None and marker is not None and marker.kind == "number" and \
                text[body_start:body_start + 1].islower():
            # "1. decides to convene ...": a lower-case verb after a number is a lead
            # when it is an operative verb
            lower_lead = _lead(text, body_start, b.end, vocab, any_case=True, lang=lang)
            if lower_lead is not None and lower_lead[1] is not None and \
                    lower_lead[1].form == "finite":
                lead = lower_lead
        if lead is None and plural and body_start < b.end and text[body_start].isupper():
            lead = _base_lead(text, body_start, b.end, vocab)
        vf = lead[1] if lead else None
        if lead:
            para.lead, para.lead_verb = lead[0], lead[2]
        if marker is not None and marker.kind in ("item", "bullet"):
            if lead is None:
                para.lead = _item_lead(text, body_start, b.end)
            para.number = numbering.item(marker.label) if marker.kind == "item" else None
            parent = top
            para.parent = top_index if parent is not None else None
            para.depth = max(1, (para.number or "").count("("))
            if parent is not None and parent.kind != "heading":
                para.kind = parent.kind
            else:
                para.kind = "operative" if operative else "preamble"
            if vf is not None and vf.form == "finite":
                para.kind = "operative"
            paras.append(para)
            continue
        decided = _top_kind(text, b, body_start, lead, vf, operative, is_last, vocab, lang)
        if lead is None and marker is None and text.startswith(vocab.plural_chapeaus, body_start) \
                and text[body_start:b.end].rstrip().endswith(","):
            decided, plural = "heading", True  # "We, the representatives ..., assembled ...,"
        if decided == "pending":
            pending.append(para)
        kind: Kind = ("operative" if operative else "preamble") if decided == "pending" \
            else decided  # type: ignore[assignment]
        para.kind = kind
        if marker is not None and marker.kind in ("number", "decimal", "roman", "section") and \
                not (kind == "heading" and marker.kind in ("number", "decimal")):
            para.number = marker.label
        if kind != "heading":
            if para.number is None and carry is not None and lead is None:
                para.number = carry
            carry = None
        if b.signal == "chapeau" or (kind == "heading" and vocab.chapeau_pattern.match(
                text, body_start, b.end)):
            # a formula right after "... adopt a decision along the following lines:"
            # opens the quoted draft; any other formula opens a text of its own
            embedding = last_operative if operative and last_operative is not None and \
                _quotes_a_draft(text, paras) else None
            para.embedded_in = embedding
            operative = False
            chapeaus.append(len(paras))
        elif kind == "operative":
            operative = True
        numbering.reset(para.number if kind != "heading" else None)
        top = para if kind != "heading" else None
        top_index = len(paras)
        if kind == "operative":
            last_operative = top_index
        if kind != "heading" and (lead is None or vf is None or vf.form != "finite"):
            participial.add(top_index)
        paras.append(para)
    _preamble_before_formula(paras, chapeaus, participial)
    for p in pending:
        later = [q for q in paras[paras.index(p) + 1:] if q.kind != "heading"]
        if later:
            p.kind = later[0].kind
    _continued_fragment(paras)
    return paras


def _quotes_a_draft(text: str, paras: list[Paragraph]) -> bool:
    """Whether the last operative paragraph before an enacting formula introduces a text
    for another body to adopt ("... adopt a decision along the following lines:")."""
    last = next(q for q in reversed(paras) if q.kind != "heading")
    return text[last.span.start:last.span.end].rstrip().endswith(":")


def _preamble_before_formula(paras: list[Paragraph], chapeaus: list[int],
                             participial: set[int]) -> None:
    """Paragraphs before an enacting formula that stands inside the text ("1. RECALLING ...
    2. NOTING ... THE CONFERENCE OF THE CONTRACTING PARTIES 3. URGES ...", as Ramsar
    numbers its preamble) are preamble when none of them opens with an operative verb, even
    if a verb inside one ("..., which requested the Secretariat") read as operative."""
    start = 0
    for c in chapeaus:
        tops = [i for i in range(start, c) if paras[i].parent is None and
                paras[i].kind != "heading"]
        if tops and all(i in participial and paras[i].lead is not None for i in tops):
            chosen = set(tops)
            for i in range(start, c):
                if i in chosen or paras[i].parent in chosen:
                    paras[i].kind = "preamble"
        start = c + 1


def _continued_fragment(paras: list[Paragraph]) -> None:
    """A page that starts mid-paragraph: the first paragraph has no lead and no number but
    is followed by numbered paragraph N; it is the end of paragraph N-1, of the same kind."""
    body = [p for p in paras if p.kind != "heading"]
    if len(body) < 2 or paras[0] is not body[0]:
        return
    first, nxt = body[0], body[1]
    if first.lead is None and first.number is None and nxt.number and nxt.number.isdigit() \
            and int(nxt.number) > 1 and nxt.parent is None:
        first.kind, first.number = nxt.kind, str(int(nxt.number) - 1)


def assign_stray_numbers(paras: list[Paragraph], strays: list[tuple[int, str]]) -> None:
    """Give a number that the text displaced ('...; 1. 3. Encourages') back to the unnumbered
    operative paragraph it belongs to: the one just before the paragraph numbered N+1."""
    if not any(label.isdigit() for _, label in strays):
        return  # most texts have none: no index to build
    first: dict[str, int] = {}  # number -> the first top-level paragraph with it
    last_operative: list[int | None] = []  # per paragraph: the top-level operative before it
    before: int | None = None
    for i, p in enumerate(paras):
        last_operative.append(before)
        if p.parent is None:
            if p.number is not None:
                first.setdefault(p.number, i)
            if p.kind == "operative":
                before = i
    for _, label in strays:  # one look-up each: linear in the paragraphs and the strays
        at = first.get(str(int(label) + 1)) if label.isdigit() else None
        k = last_operative[at] if at is not None else None
        if k is not None and paras[k].number is None:
            paras[k].number = label
            if first.get(label, k + 1) > k:
                first[label] = k


def _top_kind(text: str, b: Block, body_start: int,
              lead: tuple[Mention, VerbForm | None, Mention] | None, vf: VerbForm | None,
              operative: bool, is_last: bool, vocab: Vocabulary, lang: str) -> Kind | str:
    if b.signal in ("chapeau", "symbol", "annex"):
        return "heading"
    if b.signal == "body" and not _subject_finite(text, body_start, b.end, vocab) and \
            not subject_verb(text, body_start, b.end, vocab, lang):
        return "heading"
    marker = b.marker
    if marker is not None and marker.kind in ("roman", "section") and lead is None and \
            not subject_verb(text, body_start, b.end, vocab, lang):
        return "heading"
    if lead is not None and vf is not None and vf.form == "finite":
        return "operative"
    if lead is None and (subject_verb(text, body_start, b.end, vocab, lang) or
                         _subject_finite(text, body_start, b.end, vocab)):
        return "operative"
    chunk = text[body_start:b.end].strip()
    if is_last and lead is None and marker is None and chunk.isupper() and 2 < len(chunk) < 80:
        return "heading"
    if lead is None and marker is None and (
            (_ADOPTED_ON.match(chunk) and len(chunk) < 200) or _is_name_list(chunk)):
        return "heading"  # "Adopted on 21 April 2012"; "Albania, Algeria, Andorra, ..."
    if _is_heading_like(text, b, is_last) and (lead is None or (
            marker is None and not text[b.start:b.end].strip().endswith(":"))):
        return "heading"
    if lead is not None:
        ends_open = text[body_start:b.end].rstrip().endswith(",")
        if not ends_open and finite_after(text, lead[0].span.end, b.end, vocab):
            return "operative"
        return "operative" if operative else "preamble"
    if subject_verb(text, body_start, b.end, vocab, lang) or \
            _subject_finite(text, body_start, b.end, vocab):
        return "operative"
    if marker is not None or operative:
        return "operative"
    if body_start < b.end and text[body_start].islower():
        return "pending"
    return "preamble"


_ADOPTED_ON = re.compile(r"Adopted\s+(?:on|at|in)\s+[^.;]*\.?$")
_NAME_WORD = r"\(?(?:[A-Z][\w'’.-]*|of|and|the|da|de|del|des|du|la|le|et)\)?"
_NAME_LIST_ITEM = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*")


def _is_name_list(chunk: str) -> bool:
    """A list of names and nothing else ("Albania, Algeria, Andorra, Antigua and Barbuda"):
    the signatories or participants printed after a text, not a paragraph of it."""
    items = [x.strip() for x in chunk.rstrip(".;").split(",")]
    return len(items) >= 5 and all(x and _NAME_LIST_ITEM.fullmatch(x) for x in items)


def _subject_finite(text: str, start: int, end: int, vocab: Vocabulary) -> bool:
    """'The Subsidiary Body ... recommends that', 'The Conference ..., decided to convene'."""
    if not vocab.body_pattern.match(text, start, end):
        return False
    limit = sentence_end(text, start, end)
    for w in re.finditer(r"[a-z]+", text[start:limit]):
        form = verb_form(w.group(0))
        if form is not None and form.form in ("finite", "past"):
            return True
    return False
