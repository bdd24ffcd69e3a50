"""Document-level facts: symbol, number, revision, title, adoption and convention.

They are read from the cover header (kept out of the paragraphs) and the headings, and the
convention is inferred from symbols and names in the text when no symbol says it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from mealink.numbering import numbering, type_word
from mealink.parse.adoption import SUBSIDIARY, Adoption, adoption
from mealink.parse.pagemeta import UNREAD_TRAIL, Breadcrumb, page_facts, site_label
from mealink.regexes import finditer_behind
from mealink.vocabulary import Vocabulary, vocabulary

_WS = re.compile(r"\s+")
_REVISION = re.compile(r"\(?\s*(Rev\.\s?(?:CoP|COP|MOP|MoP)\s?\d{1,2})\s*\)?")
_ADOPTED = re.compile(
    r"Adopted\s+by\s+the\s+(?P<body>Conference|Meeting)\s+of\s+the\s+(?:Contracting\s+)?Parties"
    r"\s+at\s+its\s+(?P<n>\d{1,2})\s*(?:st|nd|rd|th)?\s+(?:Meeting|Session)\s*"
    r"(?:\((?P<where>[^)]{3,120})\))?",
    re.IGNORECASE,
)
_MEETING = re.compile(
    r"(?P<n>\d{1,2})\s*(?:st|nd|rd|th)\s*(?:Meeting|Session)\s+of\s+the\s+(?P<body>Conference|"
    r"Meeting)\s+of\s+the\s+(?:Contracting\s+)?Parties[^\n]*\n(?P<where>(?:[^\n]{2,120}\n?){1,4})",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_TYPE_WORDS = (r"(?:Resolution|Decision|Recommendation|R[ée]solution|D[ée]cision|Resoluci[óo]n|"
               r"Decisi[óo]n|Recomendaci[óo]n)(?:s|es)?")
_HEADING_SYMBOL = re.compile(
    rf"^(?P<sym>(?:(?:UNEP/[A-Z]+/)?(?:Draft\s+)?{_TYPE_WORDS}\s+)?"
    r"(?:Conf\.\s?)?(?:[A-Z]{1,4}-)?(?:VC\s?)?(?:[IVXLC]{1,6}|\d{1,3})(?:[./]\d{1,3})?"
    r"(?:\s*\(Rev\.\s?[A-Za-z]+\s?\d+\))?"
    r"(?:\s*(?:to|à|a|&|and|et|y|-|–)\s*\d{1,3}\.\d{1,3}(?:\s*\(Rev\.\s?[A-Za-z]+\s?\d+\))?)?)\*?"
    r"(?:\s*[.:]\s*|\s+-\s+|\s+|$)(?P<title>.*)$",
    re.DOTALL,
)
# a meeting label printed before the symbol: "COP 1 Decision I/5"
_MEETING_LABEL = re.compile(r"^(?:COP|CoP|MOP)\s?\d{1,2}\s+(?=" + _TYPE_WORDS + r"\s)")
_TITLED_TYPE = re.compile(rf"^{_TYPE_WORDS}\s+(?:on|concerning|relating\s+to)\s+\w", re.I)
_LIST_WORDS = re.compile(r"\s*(?:&|\b(?:and|et|y)\b)\s*")
_GUESS = "{type} "  # placeholder for a type word the heading did not print ("3/7. Title")
_BANNER = re.compile(r"(?:CONVENTION|AGREEMENT|PROTOCOL|MEMORANDUM)\s+(?:ON|FOR|OF)\b")
_TRAILING_NUMBER = re.compile(r"^(?P<title>.+?)\s+(?P<sym>\d{1,3}\.\d{1,3})$")


@dataclass(slots=True)
class Metadata:
    """What the header and headings tell about the document."""

    symbol: str | None = None
    number: str | None = None
    revision: str | None = None
    title: str | None = None
    adopted_at: str | None = None
    convention: str | None = None
    identified_by: str | None = None
    adoption: Adoption | None = None


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _symbol_from_line(line: str, vocab: Vocabulary) -> tuple[str, str | None] | None:
    """A symbol (and the title after it) from a heading like 'XIII/5. Ecosystem restoration',
    'Decision 1/CP.21', 'UNEP/EA.3/Res.7'."""
    line = _MEETING_LABEL.sub("", _collapse(line))
    ref = vocab.reference_pattern.match(line)
    if ref and not _HEADING_SYMBOL.match(line):
        rest = line[ref.end():].lstrip(" .:-–*")
        return ref.group(0), rest or None
    if vocab.symbol_pattern.fullmatch(line) and any(c.isdigit() for c in line):
        return line, None
    m = _HEADING_SYMBOL.match(line)
    if m and re.search(r"[/.]|^(?:Draft\s+)?(?:Resolution|Decision|Recommendation)",
                       m.group("sym"), re.I):
        sym = m.group("sym").strip()
        if not re.match(rf"(?:UNEP/|Draft|{_TYPE_WORDS}|Conf)", sym, re.I):
            sym = ("Resolution " if sym.startswith("Conf") else _GUESS) + sym
        elif sym.startswith("Conf"):
            sym = "Resolution " + sym
        sym = _joined(sym)
        if re.search(r"\d\.\d+(?:-| and )\d", sym) and sym.startswith(("Decision ", _GUESS)):
            sym = "Decisions " + sym.removeprefix("Decision ").removeprefix(_GUESS)
        title = m.group("title").strip() or None
        return sym, title
    m2 = _TRAILING_NUMBER.match(line)
    if m2:
        return "Decision " + m2.group("sym"), m2.group("title")
    return None


def _joined(sym: str) -> str:
    """Two numbers of one group as a range when they follow each other ('19.30 & 19.31',
    '12.81 to 12.82' -> '19.30-19.31', '12.81-12.82'), else as a list ('16.159 & 15.93 (Rev.
    CoP16)' -> '16.159 and 15.93 (Rev. CoP16)'): a revision mark belongs to the number it
    follows. French and Spanish write "et"/"y" for "and", "à"/"a" for "to" ('Décisions 19.30
    et 19.31' -> 'Décisions 19.30-19.31', as English)."""
    sym = re.sub(r"(?<=\d)\s*(?:\b(?:to|à|a)\b|–|-)\s*(?=\d)", "-", sym)
    m = re.search(r"(?P<a>\d{1,3})\.(?P<x>\d{1,3})(?P<ra>\s*\(Rev[^)]*\))?\s*"
                  r"(?:&|\b(?:and|et|y)\b)\s*"
                  r"(?P<b>\d{1,3})\.(?P<y>\d{1,3})(?P<rb>\s*\(Rev[^)]*\))?", sym)
    if m is None:
        return sym
    if not m.group("ra") and not m.group("rb") and m.group("a") == m.group("b") and \
            int(m.group("y")) == int(m.group("x")) + 1:
        joined = f"{m.group('a')}.{m.group('x')}-{m.group('b')}.{m.group('y')}"
    else:
        joined = _LIST_WORDS.sub(" and ", m.group(0))
    return sym[:m.start()] + joined + sym[m.end():]


def extract(text: str, header: list[str], headings: list[str], vocab: Vocabulary,
            chapeaus: list[str] | None = None, openers: list[str] | None = None,
            crumb: Breadcrumb | None = UNREAD_TRAIL) -> Metadata:
    """Read the metadata from the cover header blocks and the heading paragraphs, then from
    what the page prints around the text; ``chapeaus`` are the enacting formulas,
    ``openers`` the first paragraphs, ``crumb`` the page's breadcrumb trail (parse reads it
    once for the apparatus and for the symbol)."""
    meta = Metadata()
    for block in header:
        found = _symbol_from_line(block, vocab)
        if found and not found[1]:
            meta.symbol, meta.identified_by = found[0], "its header"
            break
    if meta.symbol is None:
        for h in headings[:5]:
            if site_label(h):
                continue
            found = _symbol_from_line(h, vocab)
            if found:
                meta.symbol, title = found
                meta.identified_by = "its heading"
                if title and meta.title is None:
                    meta.title = title
                break
        # "COP 11 Decision XI/10" then "XI/10.Periodicity of meetings": the title is on the
        # next line that prints the number
        for h in headings[1:6] if meta.symbol and meta.title is None else []:
            again = _symbol_from_line(h, vocab)
            if again and again[1] and again[0].split()[-1] in (meta.symbol or ""):
                meta.title = again[1]
                break
    page = page_facts(text, crumb)
    if meta.symbol is None and page.symbol is not None:
        meta.symbol, meta.identified_by = page.symbol, page.symbol_from
    guessed = bool(meta.symbol and meta.symbol.startswith(_GUESS))
    if meta.symbol and guessed:
        # The heading printed only a number: call it what its convention calls its texts.
        by_text = detect_convention(text, None, vocab)
        named = next((c.document for c in vocab.conventions if c.id == by_text), "Decision")
        meta.symbol = meta.symbol.replace(_GUESS, f"{named} ", 1)
    if meta.symbol:
        meta.number, meta.revision = symbol_parts(meta.symbol, vocab)
    if meta.title is None:
        meta.title = _title(header, headings, meta.symbol, vocab)
    if meta.title is not None:
        meta.title = restore_case(meta.title.removeprefix(". ").strip(), text)
    meta.adopted_at = _adoption("\n".join(header + headings[:4]))
    meta.convention = detect_convention(text, meta.symbol, vocab, chapeaus or [])
    if meta.adopted_at is None and page.meeting is not None:
        word = next((c.meeting for c in vocab.conventions if c.id == meta.convention), "COP")
        meta.adopted_at = f"{word}{page.meeting}"
    doc_type = type_of(meta.symbol)
    who = adoption(header, headings, chapeaus or [], meta.symbol, meta.title,
                   meta.convention, doc_type, openers)
    if who.body is None and page.meeting_from and page.body:
        # the page's record names the meeting that adopted it
        record = adoption([], [], [f"The {page.body}"], meta.symbol, meta.title,
                          meta.convention, doc_type)
        who = Adoption(record.kind, record.body, page.meeting_from)
    meta.adoption = who
    if guessed and who.kind == SUBSIDIARY and meta.symbol:
        # a number-only heading over a subsidiary body's text: a recommendation, not a
        # decision ("XIV/17. Ways and means ..." of SBSTTA)
        meta.symbol = re.sub(r"^\w+", "Recommendation", meta.symbol, count=1)
    return meta


def symbol_parts(symbol: str, vocab: Vocabulary) -> tuple[str | None, str | None]:
    """The number people cite and the revision mark of a symbol: 'UNEP/CMS/Resolution 10.8
    (Rev.COP14)' -> ('10.8', 'Rev.COP14'); 'UNEP/EA.3/Res.7' -> ('3/7', None)."""
    rev = _REVISION.search(symbol)
    revision = _collapse(rev.group(1)) if rev else None
    bare = re.sub(r"^(?:[A-Z]+/)+(?=[A-Za-z])", "", symbol)
    num = vocab.identifier_pattern.search(bare)
    number = num.group(0) if num else None
    if number:
        number = re.sub(r"^Conf\.\s?", "", _REVISION.sub("", number)).strip()
    for conv in vocab.conventions:
        m = conv.number_pattern.search(symbol) if conv.number_pattern else None
        if m:  # the number people cite, where the symbol spells it otherwise
            number = conv.number_format.format(**m.groupdict())
    return number, revision


def type_of(symbol: str | None) -> str | None:
    """'resolution', 'decision' or 'recommendation' as the symbol names it ('Conf. 13.10'
    is a CITES resolution)."""
    if not symbol:
        return None
    return type_word(symbol) or ("resolution" if re.search(r"\bConf\.", symbol) else None)


_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "between", "but", "by", "for", "from",
                          "in", "into", "of", "on", "or", "the", "to", "with", "among",
                          "related", "under", "within", "its", "their", "via", "than"})
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’]*")


@cache
def _acronyms() -> frozenset[str]:
    """Names the vocabularies write in capitals (CMS, CITES, IPBES, UNEP ...)."""
    vocab = vocabulary()
    names = [*vocab.actor_aliases.values(), *(n for c in vocab.conventions for n in c.names)]
    return frozenset(w for n in names for w in _WORD.findall(n) if len(w) > 1 and w.isupper())


def restore_case(title: str, text: str) -> str:
    """An all-capitals title in the case the conventions print titles in: 'SYNERGIES AND
    PARTNERSHIPS' -> 'Synergies and Partnerships'. A word the text itself, or the
    vocabulary, writes in capitals (IPBES, CMS) stays so; small words are lower case after
    the first."""
    letters = [c for c in title if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return title
    upper_in_text: set[str] = set(_acronyms())
    for line in text[:20000].splitlines():
        if line.strip() and not line.isupper():
            upper_in_text.update(w for w in _WORD.findall(line) if len(w) > 1 and w.isupper())
    first = True

    def word(m: re.Match[str]) -> str:
        nonlocal first
        w = m.group(0)
        at_start, first = first, False
        if w in upper_in_text and len(w) <= 8:
            return w
        lower = w.lower()
        if lower in _SMALL_WORDS and not at_start:
            return lower
        return lower[:1].upper() + lower[1:]

    return _WORD.sub(word, title)


def _title(header: list[str], headings: list[str], symbol: str | None,
           vocab: Vocabulary) -> str | None:
    """The title: in a cover header the upper-case block that is not the convention banner,
    a label or the symbol; else the first plain heading."""
    for line in (ln for block in header for ln in block.splitlines()):
        if _TITLED_TYPE.match(line.strip()):  # "Resolution on the Intergovernmental ..."
            return _collapse(line)
    for block in header:
        flat = _collapse(block)
        if not flat.isupper() or vocab.cover_label_pattern.match(flat) or _BANNER.match(flat) \
                or flat.lower().startswith("adopted") or (symbol and symbol in flat):
            continue
        return flat
    for h in headings:
        h = _collapse("\n".join(line for line in h.splitlines() if not site_label(line)))
        if not h:
            continue
        if vocab.chapeau_pattern.match(h) or _symbol_from_line(h, vocab) or re.search(
                r"\b(?:Meeting|Session)\b.*\d{4}|^/", h) or len(h) > 250:
            continue
        return h
    return None


def _adoption(text: str) -> str | None:
    m = _ADOPTED.search(text)
    prefix = {"conference": "COP", "meeting": "MOP"}
    if m:
        where = _collapse(m.group("where") or "")
        label = f"{prefix[m.group('body').lower()]}{m.group('n')}"
        return f"{label}, {where}" if where else label
    m2 = _MEETING.search(text)
    if m2:
        # The place and dates: the first line with a year, and the place line just before it.
        lines = [_collapse(w) for w in m2.group("where").split("\n") if w.strip()]
        for i, line in enumerate(lines):
            if _YEAR.search(line):
                place = lines[i - 1] if i and not _YEAR.search(lines[i - 1]) and \
                    not re.search(r"[\"“”]|Convention|Protocol", lines[i - 1]) else ""
                where = ", ".join(x for x in (place, line) if x)
                return f"{prefix[m2.group('body').lower()]}{m2.group('n')}, {where}"
    return None


def detect_symbol_convention(symbol: str | None, vocab: Vocabulary) -> str | None:
    """The convention whose symbols look like ``symbol`` ('UNEP/CMS/...', 'Resolution Conf.
    ...'), None when the symbol does not tell."""
    if symbol:
        for conv in vocab.conventions:
            if conv.symbol_pattern.match(symbol):
                return conv.id
    return None


def detect_convention(text: str, symbol: str | None, vocab: Vocabulary,
                      chapeaus: list[str] | None = None) -> str | None:
    """The convention whose symbols or names the text shows most, the symbol first, then
    the convention its enacting formula names ("The Conference of the Parties to the
    Convention on the Conservation of Migratory Species of Wild Animals")."""
    by_symbol = detect_symbol_convention(symbol, vocab)
    if by_symbol:
        return by_symbol
    for chapeau in (chapeaus or [])[:1]:
        flat = " ".join(chapeau.lower().split())
        for m in finditer_behind(vocab.convention_long_names, flat):
            if len(m.group(0)) > 12:
                return vocab.conventions[vocab.convention_long_owner[
                    " ".join(m.group(0).split())]].id
    scores: Counter[str] = Counter()
    for m in finditer_behind(vocab.convention_names_pattern, text, 0, 4000):
        conv = vocab.conventions[int((m.lastgroup or "c0_0")[1:].partition("_")[0])]
        scores[conv.id] += 2 if "/" in m.group(0) else 1
    for m in finditer_behind(vocab.convention_long_names, text[:4000].lower()):
        conv = vocab.conventions[vocab.convention_long_owner[" ".join(m.group(0).split())]]
        scores[conv.id] += 3 if len(m.group(0)) > 12 else 1
    if not scores or scores.most_common(1)[0][1] == 0:
        return None
    ranked = [c for c, n in scores.most_common() if n > 0]
    fitting = [c for c in ranked if _number_fits(c, symbol)]
    # a number another convention could not have written ("Decision 16.15" is not IPBES's):
    # the best-named convention whose numbering it has
    return fitting[0] if fitting and fitting[0] != ranked[0] and not \
        _number_fits(ranked[0], symbol) else ranked[0]


def _number_fits(convention: str, symbol: str | None) -> bool:
    """Whether ``convention`` numbers its texts as ``symbol`` is numbered (True when it
    cannot be told: no symbol, or a convention whose numbering mealink does not know)."""
    if not symbol:
        return True
    shapes = [s for s in numbering().shapes if s.convention == convention]
    if not shapes:
        return True
    doc_type = type_of(symbol)
    m = re.search(r"(?:Conf\.\s?)?[A-Z]{0,3}-?(?:[IVXL]{1,6}|\d{1,3})[./]\d{1,3}", symbol)
    if m is None:
        return True
    ident = m.group(0)
    return any((doc_type is None or doc_type in s.types) and s.pattern.fullmatch(ident)
               for s in shapes)
