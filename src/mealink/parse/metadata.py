"""Document-level facts: symbol, number, revision, title, adoption and convention.

They are read from the cover header (kept out of the paragraphs) and the headings, and the
convention is inferred from symbols and names in the text when no symbol says it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mealink.vocabulary import Vocabulary

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
_HEADING_SYMBOL = re.compile(
    r"^(?P<sym>(?:(?:UNEP/[A-Z]+/)?(?:Draft\s+)?(?:Resolution|Decision|Recommendation)s?\s+)?"
    r"(?:Conf\.\s?)?(?:[A-Z]{1,4}-)?(?:[IVXLC]{1,6}|\d{1,3})(?:[./]\d{1,3})?"
    r"(?:\s*(?:to|&|and|-|–)\s*\d{1,3}\.\d{1,3})?(?:\s*\(Rev\.\s?[A-Za-z]+\d+\))?)\*?"
    r"(?:\s*[.:]\s*|\s+-\s+|\s+|$)(?P<title>.*)$",
    re.DOTALL,
)
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


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _symbol_from_line(line: str, vocab: Vocabulary) -> tuple[str, str | None] | None:
    """A symbol (and the title after it) from a heading like 'XIII/5. Ecosystem restoration',
    'Decision 1/CP.21', 'UNEP/EA.3/Res.7'."""
    line = _collapse(line)
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
        if not re.match(r"(?:UNEP/|Draft|Resolution|Decision|Recommendation|Conf)", sym, re.I):
            sym = ("Resolution " if sym.startswith("Conf") else _GUESS) + sym
        elif sym.startswith("Conf"):
            sym = "Resolution " + sym
        sym = re.sub(r"\s*(?:\bto\b|&|\band\b|–)\s*", "-", sym)
        if re.search(r"\d\.\d+-\d", sym) and sym.startswith(("Decision ", _GUESS)):
            sym = "Decisions " + sym.removeprefix("Decision ").removeprefix(_GUESS)
        title = m.group("title").strip() or None
        return sym, title
    m2 = _TRAILING_NUMBER.match(line)
    if m2:
        return "Decision " + m2.group("sym"), m2.group("title")
    return None


def extract(text: str, header: list[str], headings: list[str], vocab: Vocabulary) -> Metadata:
    """Read the metadata from the cover header blocks and the heading paragraphs."""
    meta = Metadata()
    for block in header:
        found = _symbol_from_line(block, vocab)
        if found and not found[1]:
            meta.symbol = found[0]
            break
    if meta.symbol is None:
        for h in headings[:5]:
            found = _symbol_from_line(h, vocab)
            if found:
                meta.symbol, title = found
                if title and meta.title is None:
                    meta.title = title
                break
    if meta.symbol and meta.symbol.startswith(_GUESS):
        # The heading printed only a number: call it what its convention calls its texts.
        by_text = detect_convention(text, None, vocab)
        doc_type = next((c.document for c in vocab.conventions if c.id == by_text), "Decision")
        meta.symbol = meta.symbol.replace(_GUESS, f"{doc_type} ", 1)
    if meta.symbol:
        rev = _REVISION.search(meta.symbol)
        meta.revision = _collapse(rev.group(1)) if rev else None
        bare = re.sub(r"^(?:[A-Z]+/)+(?=[A-Za-z])", "", meta.symbol)
        num = vocab.identifier_pattern.search(bare)
        meta.number = num.group(0) if num else None
        if meta.number:
            meta.number = re.sub(r"^Conf\.\s?", "", _REVISION.sub("", meta.number)).strip()
    if meta.title is None:
        meta.title = _title(header, headings, meta.symbol, vocab)
    meta.adopted_at = _adoption("\n".join(header + headings[:4]))
    meta.convention = detect_convention(text, meta.symbol, vocab)
    for conv in vocab.conventions:
        m = conv.number_pattern.search(meta.symbol) if meta.symbol and conv.number_pattern \
            else None
        if m:  # the number people cite, where the symbol spells it otherwise
            meta.number = conv.number_format.format(**m.groupdict())
    return meta


def _title(header: list[str], headings: list[str], symbol: str | None,
           vocab: Vocabulary) -> str | None:
    """The title: in a cover header the upper-case block that is not the convention banner,
    a label or the symbol; else the first plain heading."""
    for block in header:
        flat = _collapse(block)
        if not flat.isupper() or vocab.cover_label_pattern.match(flat) or _BANNER.match(flat) \
                or flat.lower().startswith("adopted") or (symbol and symbol in flat):
            continue
        return flat
    for h in headings:
        h = _collapse(h)
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


def detect_convention(text: str, symbol: str | None, vocab: Vocabulary) -> str | None:
    """The convention whose symbols or names the text shows most, the symbol first."""
    if symbol:
        for conv in vocab.conventions:
            if conv.symbol_pattern.match(symbol):
                return conv.id
    scores: Counter[str] = Counter()
    for m in vocab.convention_names_pattern.finditer(text, 0, 4000):
        conv = vocab.conventions[int((m.lastgroup or "c0_0")[1:].partition("_")[0])]
        scores[conv.id] += 2 if "/" in m.group(0) else 1
    for m in vocab.convention_long_names.finditer(text[:4000].lower()):
        conv = vocab.conventions[vocab.convention_long_owner[" ".join(m.group(0).split())]]
        scores[conv.id] += 3 if len(m.group(0)) > 12 else 1
    if not scores or scores.most_common(1)[0][1] == 0:
        return None
    return scores.most_common(1)[0][0]
