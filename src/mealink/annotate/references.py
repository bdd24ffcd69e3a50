"""Citations of resolutions, decisions, recommendations and document symbols; repeals.

Lists are expanded ("Resolutions 7.9, 8.11 and 9.6" gives three references, each with the
type word in the singular); a written range stays one reference ("decisions SC-4/10–SC-4/18").
References in footnotes glued to a paragraph are the paragraph's too.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mealink.models import Footnote, Mention, Reference, Span
from mealink.numbering import numbering
from mealink.vocabulary import Vocabulary

_REPEAL = re.compile(r"\b(?:repeals?|retires?|revokes?|to\s+(?:repeal|retire|revoke))\b", re.I)
# Literal stems, tested with ``in`` (much cheaper than a regex scan of the whole body).
_REPEAL_STEMS = ("repeal", "retir", "revok", "supersed", "replac")
# "paragraphs 12 and 14 of Resolution VIII.18 are superseded by the present Resolution"
_SUPERSEDED = re.compile(r"\b(?:is|are)\s+(?:hereby\s+)?(?:superseded|repealed|retired|revoked|"
                         r"replaced)\s+by\s+the\s+present\b", re.I)
_REPEAL_OBJECT = re.compile(r"\s*(?:the\s+)?(?P<obj>[^;.]{5,300}?)\s*(?:[;.]|$)")
_PARAGRAPH_LIST = re.compile(
    r",?\s+paragraphs?\s+(?:\d{1,3}(?:\s*\([a-z]{1,4}\))?(?:\s*[-–]\s*\d{1,3})?"
    r"(?:\s*(?:,|and)\s*(?:\(\s*[a-z]{1,4}\s*\)|\d{1,3}(?:\s*\([a-z]{1,4}\))?"
    r"(?:\s*[-–]\s*\d{1,3})?))*)"
)


#: a citation's type word: a body named after it is that citation's, not the one before
_TYPE_WORD = re.compile(r"(?i:resolution|decision|recommendation)")
_TYPE_STEMS = ("resol", "résol", "decis", "décis", "recom", "res.", "rec.", "dec.")


def _collapse(s: str) -> str:
    return " ".join(s.split())


def _singular(word: str, singulars: dict[str, str]) -> str:
    """The type word of one item of a list: "Resolutions" -> "Resolution", "decisiones" ->
    "decisión" (``references.toml``'s plurals), the case kept."""
    single = singulars.get(word.lower())
    if single is not None:
        return single.upper() if word.isupper() else \
            single[0].upper() + single[1:] if word[0].isupper() else single
    if word.lower().endswith("s") and not word.endswith("."):
        return word[:-1]
    return word


def _trim_symbol(s: str) -> str:
    s = s.rstrip(".,;:")
    while s.endswith(")") and s.count(")") > s.count("("):
        s = s[:-1].rstrip(".,;:")
    return s


def _reference_matches(text: str, start: int, end: int, lower: str,
                       vocab: Vocabulary) -> list[re.Match[str]]:
    """Reference matches, found fast: type words located in the lower-cased text, the full
    pattern then tried at each of them on the original."""
    if len(lower) != end - start:
        return list(vocab.reference_pattern.finditer(text, start, end))
    out: list[re.Match[str]] = []
    pos = start
    for hit in vocab.reference_type_lower.finditer(lower):
        q = start + hit.start()
        if q < pos:
            continue
        m = vocab.reference_pattern.match(text, q, end)
        if m:
            out.append(m)
            pos = m.end()
    return out


def _name_bodies(text: str, start: int, end: int, refs: list[Reference],
                 groups: list[tuple[int, int, int]]) -> None:
    """Give each citation group the body the text names right before it ("General Assembly
    resolution 65/162") or right after it ("Decision 12/14, section IV, adopted by the
    Governing Council of the United Nations Environment Programme"), in place: that body,
    not the shape of the number, says whose it is."""
    if not groups:
        return
    nb = numbering()
    bounds = [*(first for first, _, _ in groups[1:]), len(refs)]
    for (first, s0, group_end), last in zip(groups, bounds, strict=True):
        owner = _body_before(text[max(start, s0 - 90):s0], nb.body_names)
        if owner is None and (m := nb.body_after.match(text, group_end, end)) is not None \
                and _TYPE_WORD.search(text, group_end, m.start("body")) is None:
            owner = " ".join(m.group("body").split())  # not past another citation
        if owner is not None:
            owner = nb.body_owner[owner]
            refs[first:last] = [replace(r, convention=owner) for r in refs[first:last]]


def _body_before(before: str, names: tuple[str, ...]) -> str | None:
    """The body named at the end of ``before`` (whole words, then white space), if any."""
    if not before[-1:].isspace():
        return None
    before = " ".join(before.split())
    if not before.endswith(names):  # one C call: the usual answer
        return None
    for name in names:  # longest first
        if before.endswith(name):
            cut = len(before) - len(name)
            return name if cut == 0 or not (before[cut - 1].isalnum() or
                                            before[cut - 1] in "/_") else None
    return None


def find_references(text: str, start: int, end: int, vocab: Vocabulary,
                    in_footnote: bool = False) -> list[Reference]:
    """All references in ``text[start:end]``, in text order, with spans into ``text``."""
    refs: list[Reference] = []
    covered: list[tuple[int, int]] = []
    chunk = text[start:end]
    lower = chunk.lower()
    # Cheap checks first: most paragraphs cite nothing, and each pattern needs a literal.
    has_type = any(stem in lower for stem in _TYPE_STEMS)
    has_doc = "doc." in lower or "inf." in lower
    has_slash = "/" in chunk
    if not (has_type or has_doc or has_slash):
        return refs
    cont = vocab.list_continuation_pattern
    groups: list[tuple[int, int, int]] = []  # a citation group's first ref, start and end
    for m in _reference_matches(text, start, end, lower, vocab) if has_type else ():
        groups.append((len(refs), m.start(), m.end()))
        type_word = m.group("type")
        ctype = vocab.reference_types.get(type_word.lower(), "decision")
        window = max(start, m.start() - 40)
        q = vocab.qualifier_pattern.search(text, window, m.start())
        s0 = q.start() if q else m.start()
        if q is None and text[m.start() - 1:m.start()] == "/":
            continue  # inside a symbol such as "UNEP/XYZ/Decision 3"
        prefix = text[s0:m.start("type")]
        gap = text[m.end("type"):m.start("id")]
        plural = type_word.lower().endswith("s") and not type_word.endswith(".")
        written = _collapse(text[s0:m.end()])
        if not plural:
            groups[-1] = (groups[-1][0], s0, m.end())
            refs.append(Reference(written, Span(s0, m.end()), ctype,
                                  _collapse(m.group("id")), None, in_footnote))
            covered.append((s0, m.end()))
            continue
        items = [(s0, m.end(), m.group("id"))]
        pos = m.end()
        range_end: int | None = None
        while True:
            c = cont.match(text, pos, end)
            if not c:
                break
            if c.group("sep").strip() in ("–", "-", "to"):
                range_end = c.end()
                break
            items.append((c.start("id"), c.end("id"), c.group("id")))
            pos = c.end()
        groups[-1] = (groups[-1][0], s0, pos)
        if range_end is not None and len(items) == 1:
            groups[-1] = (groups[-1][0], s0, range_end)
            refs.append(Reference(_collapse(text[s0:range_end]), Span(s0, range_end),
                                  ctype, _collapse(text[m.start("id"):range_end]), None,
                                  in_footnote))
            covered.append((s0, range_end))
            continue
        single = _singular(type_word, vocab.reference_singulars)
        for s, e, ident_text in items:
            label = _collapse(f"{prefix}{single}{gap}{ident_text}")
            refs.append(Reference(label, Span(s, e), ctype, _collapse(ident_text), None,
                                  in_footnote))
            covered.append((s, e))
        covered.append((s0, pos))
    _name_bodies(text, start, end, refs, groups)
    for m in vocab.meeting_document_pattern.finditer(text, start, end) if has_doc else ():
        if not any(s <= m.start() < e for s, e in covered):
            refs.append(Reference(_collapse(m.group(0)), Span(m.start(), m.end()), "document",
                                  _collapse(m.group(0)), None, in_footnote))
            covered.append((m.start(), m.end()))
    for m in vocab.symbol_pattern.finditer(text, start, end) if has_slash else ():
        if any(s <= m.start() < e for s, e in covered):
            continue
        sym = _trim_symbol(m.group(0))
        if "/" not in sym or len(sym) < 5 or not any(ch.isdigit() for ch in sym):
            continue
        refs.append(Reference(sym, Span(m.start(), m.start() + len(sym)), "document", sym, None,
                              in_footnote))
    refs.sort(key=lambda r: r.span.start)
    return refs


def footnote_references(notes: list[Footnote], text: str, vocab: Vocabulary) -> list[Reference]:
    """References inside footnotes that were glued to a paragraph."""
    out: list[Reference] = []
    for f in notes:
        out += find_references(text, f.span.start, f.span.end, vocab, in_footnote=True)
    return out


def find_repeals(text: str, start: int, end: int, refs: list[Reference]) -> list[Mention]:
    """What an operative paragraph repeals or retires: the references after the verb, or the
    description of what is retired when no reference is given."""
    lower = text[start:end].lower()
    if not any(stem in lower for stem in _REPEAL_STEMS):
        return []
    passive = _SUPERSEDED.search(text, start, end)
    if passive:
        clause = max(text.rfind(";", start, passive.start()), start)
        return [Mention(r.text, r.span) for r in refs
                if clause <= r.span.start < passive.start() and not r.in_footnote]
    m = _REPEAL.search(text, start, end)
    if not m:
        return []
    after = [r for r in refs if r.span.start >= m.end() and not r.in_footnote]
    out: list[Mention] = []
    for r in after:
        tail = _PARAGRAPH_LIST.match(text, r.span.end, end)
        if tail and tail.end() > r.span.end:
            out.append(Mention(_collapse(text[r.span.start:tail.end()]),
                               Span(r.span.start, tail.end())))
        else:
            out.append(Mention(r.text, r.span))
    if out:
        return out
    obj = _REPEAL_OBJECT.match(text, m.end(), end)
    if obj:
        return [Mention(_collapse(obj.group("obj")), Span(obj.start("obj"), obj.end("obj")))]
    return []
