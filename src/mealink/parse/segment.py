"""Segment clean text into blocks: paragraphs, footnotes and page furniture.

Texts arrive hard-wrapped, run together on one line, with numbers on lines of their own
and footnotes glued in. Segmentation first cuts the text into units (lines, and pieces of a
line where a run-in paragraph starts after ';' or ','), gives each unit the signal its start
shows (a number, a lead such as "Requests", a chapeau, a lower-case continuation ...), then
joins units into blocks by rules on those signals. Every character of the text ends up in
exactly one block, so nothing is lost.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from mealink.models import Footnote, Span
from mealink.parse.markers import Marker, match_marker, successor
from mealink.parse.pagemeta import addressee_label, record_field_label
from mealink.vocabulary import Vocabulary

Signal = Literal["marker", "number_alone", "lead", "chapeau", "body", "symbol", "annex",
                 "footnote",
                 "apparatus", "lower", "cap", "other"]
Role = Literal["paragraph", "footnote", "apparatus"]

# A run-in paragraph starts after ';', ',', ':' or '.' (also "; and"), or after a wide gap
# of spaces (page dumps that lost their line breaks) when a number follows.
_MID = re.compile(r"[;:.,](?: and)?(?P<gap>[ ]+)(?=[A-Z\dÀ-Ý])")
# the first space of a run only (the look-behind): tried at each space of a long run, the
# pattern would read the rest of the run each time
_MID_GAP = re.compile(r"(?P<gap>[ ](?<![ ]{2})[ ]+)(?=\d{1,3}\.)")
# (Patterns scanned over every line start with a literal, not a look-behind, so that the
# regex engine can skip ahead; what stands before the match is checked in code.)
_MID_ITEM = re.compile(r"\([ ]?(?P<label>[a-z]{1,2}|[ivx]{1,6})[ ]?\)(?=\s)")
# Items run in without an opening bracket: "... shall: a) further develop ...; b) initiate".
_MID_BARE_ITEM = re.compile(r"(?:[a-z]|[ivx]{2,5})\)")
_MID_CHAPEAU = re.compile(r"(?:The|Le|La|El) [A-Z]")
_FOOTNOTE_FIRST = frozenset("¹²³⁴⁵⁶⁷⁸⁹⁰[*")
_FOOTNOTE_LINE = re.compile(r"(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\d{1,3}\]|\*{1,3})[ ]*[A-Z\d“\"]")
_ANNEX = re.compile(r"(?:ANNEXE?|Annexe?|ATTACHMENT|Attachment)"
                    r"(?=\s+(?:[IVX\dA-Z]|to|la|à|of)|\s*$|\s*[:.])")
_SYMBOL_LINE = re.compile(
    r"(?:[\w.]+[ ]+){0,3}?(?i:(?:Draft[ ]+)?(?:Resolution|Decision|Recommendation)s?[ ]+|"
    r"Conf\.[ ]?)[\w./()-]+|(?:[A-Z]\w*[ ]+){0,3}(?:DR|Doc|Res|Dec)\.?[ ]?\d+\b.*|"
    r"[IVXLC\d]{1,6}[./]\d{1,3}(?:[ ]*\(Rev\.[^)]{1,12}\))?\.?[ ]*(?:[A-Z].*)?"
)
_TRAILING_FOOTNOTES = re.compile(r"[;.,:](?P<marks>\d{1,3})(?=[A-Z])")
_FOOTNOTE_SPLIT = re.compile(r"(?<=\.)(?=\d{1,3}[A-Z])")
_FUNCTION_WORDS = frozenset({"to", "the", "of", "on", "and", "for", "in", "by", "with", "a", "an",
                             "its", "their"})
_STAR_CONTINUATION = re.compile(r"\*+[ ]*[a-z]")
_LABEL = re.compile(r"[A-Z][\w /()-]{0,40}:{1,2}")
_CLOSERS = "\"'”’"
_OPENING_QUOTES = "\"“‘«"
_LIST_AND = re.compile(r"[;,][ ]*(?:and|or)$")


@dataclass(slots=True)
class Unit:
    """A line, or a run-in piece of a line, with the signal its start shows."""

    start: int
    end: int
    line_start: bool
    blank_before: bool
    signal: Signal = "other"
    marker: Marker | None = None
    body: int = 0
    reach: int = 0
    label: bool = False  # a page's label over the addressees, or its value


@dataclass(slots=True)
class Block:
    """Consecutive units that form one paragraph, footnote or piece of page furniture."""

    start: int
    end: int
    role: Role
    signal: Signal
    marker: Marker | None
    body: int
    footnotes: list[Footnote] = field(default_factory=list)
    reason: str = ""


def _lead_at(text: str, pos: int, vocab: Vocabulary) -> re.Match[str] | None:
    """A lead at ``pos`` written with a capital initial ("Requests", "FURTHER NOTING")."""
    if pos >= len(text) or not text[pos].isupper():
        return None
    return vocab.lead_pattern.match(text, pos)


def _chapeau_at(text: str, pos: int, end: int, vocab: Vocabulary) -> re.Match[str] | None:
    """A chapeau ("The Conference of the\nParties,") that ends its line, perhaps a later one."""
    if not text[pos:pos + 1].isupper():
        return None
    m = vocab.chapeau_pattern.match(text, pos)
    if not m or m.end() < end:
        return None
    line_end = text.find("\n", m.end())
    rest = text[m.end():len(text) if line_end < 0 else line_end].strip()
    return m if not rest else None


def _chapeau_in(text: str, pos: int, end: int, vocab: Vocabulary) -> re.Match[str] | None:
    """A chapeau that is a whole run-in piece of a line ("... Le Conseil excutif, Ayant")."""
    if not text[pos:pos + 1].isupper():
        return None
    m = vocab.chapeau_pattern.match(text, pos, end)
    return m if m and not text[m.end():end].strip() else None


# from the first white space of a run only: tried inside a long run, "\s+" would read the
# rest of it at every position
_NUMBERED_LEAD = re.compile(r"(?<!\s)\s+(?P<number>\d{1,3}\.)\s+(?=[A-Z])")


def has_number_lead(text: str, ls: int, le: int) -> bool:
    """Cheap test: the line has a number followed by '. ' somewhere after its start."""
    # str.find skips ahead far faster than a regex that starts with a character class
    i = text.find(". ", ls + 3, le)
    while i >= 0:
        if text[i - 1].isdecimal():
            return True
        i = text.find(". ", i + 1, le)
    return False


def _mid_gaps(text: str, ls: int, le: int, mids: list[re.Match[str]]) -> list[re.Match[str]]:
    """The gaps inside a line after which a run-in paragraph may start: spaces after ';',
    ',', ':' or '.' (also "; and") before a capital or digit (``mids``: the line's matches
    of _MID), or a wide gap before a number (page dumps that lost their line breaks)."""
    gaps = mids
    if text.find("  ", ls, le) >= 0:
        gaps = gaps + [m for m in _MID_GAP.finditer(text, ls, le)
                       if not text[m.start() - 1].isspace()]
        gaps.sort(key=lambda m: m.start())
    return gaps


def _skip_spaces(text: str, pos: int, end: int) -> int:
    """The first position at or after ``pos`` (before ``end``) that is not white space; no
    copy of the rest of the line, so that a megabyte line is read once."""
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _midline_starts(text: str, ls: int, le: int, vocab: Vocabulary,
                    mids: list[re.Match[str]]) -> list[int]:
    """Positions inside one line where a run-in paragraph begins."""
    starts: list[int] = []
    gaps = _mid_gaps(text, ls, le, mids)
    has_item = text.find("(", ls, le) >= 0
    has_bare_item = text.find(") ", ls, le) >= 0
    has_chapeau = text.find(",", ls, le) >= 0 and (text.find(" L", ls, le) >= 0 or
                                                   text.find(" T", ls, le) >= 0)
    has_number = has_number_lead(text, ls, le)
    if not (gaps or has_item or has_bare_item or has_chapeau or has_number):
        return starts
    head = match_marker(text, ls)
    floor = head.end if head is not None else ls
    last_item: str | None = None
    for m in _MID_ITEM.finditer(text, ls, le) if has_item else ():
        if m.start() == ls or not text[m.start() - 1].isspace():
            continue
        label = m.group("label")
        before = text[max(ls, m.start() - 12):m.start()].rstrip()[-1:]
        if before in (";", ":") or (last_item is not None and label == successor(last_item)):
            starts.append(m.start())
            last_item = label
    starts += _bare_items(text, ls, le) if has_bare_item else []
    for m in gaps:
        p = m.end()
        first = text[p]
        if p <= floor or not (first.isupper() or first.isdigit()):
            continue
        before = text[m.start("gap") - 1]
        marker = match_marker(text, p) if first.isdigit() else None
        if marker is not None and marker.kind == "number":
            nxt = text[marker.end:marker.end + 1]
            if nxt.isupper() or nxt.isdigit() or nxt in "(“\"":
                starts.append(p)
                continue
        if _lead_at(text, p, vocab) or (before in ".;" and _ANNEX.match(text, p)):
            starts.append(p)
            continue
        c = vocab.chapeau_pattern.match(text, p, le) if text.startswith(
            vocab.article_starts, p) else None
        if c and c.group(0).rstrip().endswith(","):
            starts.append(p)
    for m in _MID_CHAPEAU.finditer(text, ls, le) if has_chapeau else ():
        if m.start() - ls < 2 or text[m.start() - 1] != " " or not text[m.start() - 2].islower():
            continue
        c = vocab.chapeau_pattern.match(text, m.start(), le)
        if c and c.group(0).rstrip().endswith(",") and _lead_at(text, _skip_spaces(
                text, c.end(), le), vocab):
            starts.append(m.start())
    for m in _NUMBERED_LEAD.finditer(text, ls, le) if has_number else ():
        p = m.start("number")
        if text[m.start() - 1] in ". \n":
            continue
        if p > floor and _lead_at(text, m.end(), vocab):
            starts.append(p)  # "... (CEPA) 2009-2015 1. RECALLING that ..."
    found = sorted(set(starts)) if starts and gaps else []  # bisected: linear in long lines
    for m in gaps if starts else ():
        p = m.end()
        k = bisect_right(found, p)
        if (k and found[k - 1] == p) or not text.startswith(vocab.article_starts, p):
            continue
        q = found[k] if k < len(found) else le
        c = vocab.chapeau_pattern.match(text, p, q)
        if c and not text[c.end():q].strip():
            starts.append(p)  # "...;   The Conference of the Parties to the ...   1.Calls"
    kept: list[int] = []
    for x in sorted(set(starts)):
        if x <= floor:
            continue
        kept.append(x)
        marker = match_marker(text, x)
        if marker is not None and marker.kind in ("number", "decimal") and \
                match_marker(text, marker.end) is not None:
            continue  # "1. 3. Encourages": a stray number before a numbered paragraph
        if marker is not None:
            floor = marker.end
    return kept


def _bare_items(text: str, ls: int, le: int) -> list[int]:
    """Starts of run-in items written without an opening bracket ("shall: a) further
    develop ...; b) initiate ... c) undertake"): the first right after ':' or ';', each next
    one either after ';' or ':' or the successor of the one before; a list begins at 'a' or
    'i', so "(Serpentes spp.) or" and "Annex II) and" start nothing."""
    starts: list[int] = []
    last: str | None = None
    k = text.find(") ", ls, le)
    while k >= 0:  # str.find skips ahead far faster than a regex over the line
        p = k
        while p > ls and p > k - 5 and "a" <= text[p - 1] <= "z":
            p -= 1
        label = text[p:k]
        if label and p > ls and text[p - 1] == " " and \
                _MID_BARE_ITEM.fullmatch(text, p, k + 1):
            before = text[max(ls, p - 12):p].rstrip()[-1:]
            follows = last is not None and label in (successor(last), "i" if last == "h" else "")
            opens = last is None and label in ("a", "i")
            nested = last is not None and label == "i"  # (i) under the item before
            if (before in (";", ":") and (opens or follows or nested)) or follows:
                starts.append(p)
                last = label
        k = text.find(") ", k + 2, le)
    return starts


def _units(text: str, vocab: Vocabulary) -> list[Unit]:
    units: list[Unit] = []
    pos = 0
    blank = False
    n = len(text)
    # _MID over the whole text at once: no match spans a line break, and most lines have
    # none, so one pass costs far less than one search per line
    mids = list(_MID.finditer(text))
    mid_starts = [m.start() for m in mids]
    while pos <= n:
        nl = text.find("\n", pos)
        le = n if nl < 0 else nl
        ls = pos
        while ls < le and text[ls] == " ":
            ls += 1
        if ls >= le:
            blank = True
        else:
            first = bisect_left(mid_starts, ls)
            line_mids = mids[first:bisect_left(mid_starts, le, first)]
            cuts = [ls, *_midline_starts(text, ls, le, vocab, line_mids), le]
            for i in range(len(cuts) - 1):
                s, e = cuts[i], cuts[i + 1]
                while e > s and text[e - 1] == " ":
                    e -= 1
                if e > s:
                    units.append(Unit(s, e, i == 0, blank and i == 0))
            blank = False
        if nl < 0:
            break
        pos = nl + 1
    return units


def _signal(text: str, u: Unit, vocab: Vocabulary) -> None:
    s, e = u.start, u.end
    u.body = s
    first = text[s]
    if u.line_start and e - s <= 120 and vocab.apparatus_pattern.fullmatch(text, s, e):
        u.signal = "apparatus"
        return
    if u.line_start and first in _FOOTNOTE_FIRST and _FOOTNOTE_LINE.match(text, s, e) and \
            not match_marker(text, s):
        u.signal = "footnote"
        return
    line = text[s:e]
    marker = match_marker(text, s)
    if marker is not None and marker.start < e:
        u.marker, u.body = marker, min(marker.end, e)
        u.signal = "number_alone" if marker.end >= e else "marker"
        if marker.kind == "bullet" and u.signal == "number_alone":
            u.signal = "other"
        return
    # a draft quoted inside a recommendation opens with a quote: '"The Conference of ...,'
    q = s + 1 if first in _OPENING_QUOTES and u.line_start else s
    article = text.startswith(vocab.article_starts, q)
    chapeau = None if not article else _chapeau_at(text, q, e, vocab) if u.line_start else \
        _chapeau_in(text, q, e, vocab)
    if chapeau:
        u.signal = "chapeau"
        u.reach = chapeau.end()
    elif article and vocab.body_pattern.match(text, s, e):
        u.signal = "body"
    elif _ANNEX.match(text, s):
        u.signal = "annex"
    elif u.line_start and len(line) <= 70 and not ends_sentence(line) and \
            _SYMBOL_LINE.fullmatch(line) and not _lead_at(text, s, vocab):
        u.signal = "symbol"
    elif _lead_at(text, s, vocab):
        u.signal = "lead"
    elif line[0].islower() or (line[0] == "(" and not line[1:2].islower()) or \
            _STAR_CONTINUATION.match(line):
        u.signal = "lower"
    elif line[0].isupper():
        u.signal = "cap"


def _joins(text: str, prev: Unit, block: Block, u: Unit) -> bool:
    """Whether unit ``u`` continues the block whose last unit is ``prev``."""
    if u.signal in ("apparatus", "footnote") or block.role != "paragraph":
        return False
    if prev.signal == "number_alone":  # "13.7" then "Decision directed to": a number alone
        return u.signal not in ("marker", "number_alone") and not u.label
    if not u.line_start:
        return False
    if u.start < prev.reach:
        u.reach = prev.reach
        return True
    if prev.end - prev.start >= 30 and _last_word(text, prev.start, prev.end) in _FUNCTION_WORDS \
            and not u.blank_before and u.signal not in ("marker", "number_alone") and \
            not (u.signal == "lead" and _LIST_AND.search(text, prev.start, prev.end)):
        return True  # a hard wrap after "the", "of" ...; not "...; and\nDecides to"
    opened = block.start == prev.start  # prev began the block: a heading line, not a wrap
    prev_heading = opened and prev.signal in ("symbol", "chapeau")
    if u.signal in ("marker", "number_alone", "chapeau", "body", "symbol", "annex"):
        return False
    last = text[block.start:prev.end].rstrip()[-1:]
    if u.signal == "lead":
        word = text[u.start:u.end].split(" ", 1)[0]
        if u.blank_before or last in ";:,.)" or word.isupper() or prev_heading:
            return False
        return block.signal in ("symbol", "cap", "other") and not ends_sentence(
            text[max(block.start, prev.end - 8):prev.end])
    if u.blank_before:
        return u.signal == "lower" and last not in ".;:"
    if u.signal == "lower":
        return True
    return not (prev_heading or last in ";:")


def ends_sentence(chunk: str) -> bool:
    """Whether ``chunk`` ends with '.', ';', ',' or ':' (perhaps before a closing quote); a
    full stop inside brackets ('(Serpentes spp.)') does not end the paragraph."""
    return chunk.rstrip().rstrip(_CLOSERS)[-1:] in (".", ";", ",", ":")


def _last_word(text: str, start: int, end: int) -> str:
    return text[max(start, text.rfind(" ", start, end) + 1):end].lower()


def _split_trailing_footnotes(text: str, block: Block) -> None:
    """Keep footnotes glued after a paragraph's end ('group;11UNEP/CHW.14/5, annex.') apart."""
    m = _TRAILING_FOOTNOTES.search(text, max(block.body, block.end - 600), block.end)
    if not m:
        return
    tail = text[m.start("marks"):block.end]
    if "\n" in tail:
        return
    notes: list[Footnote] = []
    pos = m.start("marks")
    for piece in _FOOTNOTE_SPLIT.split(tail):
        digits = re.match(r"\d{0,6}", piece)
        marker = digits.group(0) if digits else ""
        # "11UNEP/..." is mark 1 in the text and note 1: the note's own number comes last.
        number = marker[len(marker) // 2:] if len(marker) > 1 else marker
        notes.append(Footnote(number or None, piece[len(marker):].strip(),
                              Span(pos, pos + len(piece))))
        pos += len(piece)
    block.footnotes = notes
    block.end = m.start("marks")


def segment(text: str, vocab: Vocabulary) -> list[Block]:
    """Cut ``text`` into blocks; see the module docstring for the rules."""
    units = _units(text, vocab)
    running = _running_lines(text, units)
    body_started = False
    for u in units:
        _signal(text, u, vocab)
        if running and u.line_start and text[u.start:u.end] in running and body_started:
            u.signal = "apparatus"  # a page header or footer repeated on every page
        body_started = body_started or u.signal in ("lead", "marker", "chapeau")
    _addressee_labels(text, units, vocab)
    blocks: list[Block] = []
    prev: Unit | None = None
    for u in units:
        if blocks and prev is not None and _joins(text, prev, blocks[-1], u):
            blocks[-1].end = u.end
        else:
            role: Role = ("apparatus" if u.signal == "apparatus" else
                          "footnote" if u.signal == "footnote" else "paragraph")
            blocks.append(Block(u.start, u.end, role, u.signal, u.marker, u.body,
                                reason="page furniture" if role == "apparatus" else ""))
        if prev is not None and prev.signal == "number_alone" and blocks[-1].start == prev.start:
            blocks[-1].signal = u.signal if u.signal != "number_alone" else "number_alone"
        prev = u
    for b in blocks:
        if b.role == "paragraph":
            _split_trailing_footnotes(text, b)
    _mark_trailing_metadata(text, blocks)
    for b in blocks:
        if b.role == "paragraph" and b.signal == "number_alone" and \
                not text[b.body:b.end].strip():
            b.role, b.reason = "apparatus", "stray number"
    return blocks


_NAME_WORD = re.compile(r"[\w'’()-]+")


def _addressee_labels(text: str, units: list[Unit], vocab: Vocabulary) -> None:
    """A page's label over the addressees ("Decision directed to:") and the names on the
    line after it ("Animals Committee, Plants Committee") are headings of their own, never
    joined to the text that follows; a line of text after an empty label stays text."""
    for i, u in enumerate(units):
        if not u.line_start or u.end - u.start > 40 or \
                not addressee_label(text[u.start:u.end]):
            continue
        u.signal, u.label = "symbol", True
        nxt = units[i + 1] if i + 1 < len(units) else None
        if nxt is not None and nxt.line_start and _names_only(text[nxt.start:nxt.end], vocab):
            nxt.signal, nxt.label = "symbol", True


def _names_only(line: str, vocab: Vocabulary) -> bool:
    """Whether a short line is only the names of bodies ("Parties", "Animals Committee,
    Plants Committee", "Secretariat"), not a sentence."""
    if len(line) > 120 or ends_sentence(line):
        return False
    words = _NAME_WORD.findall(line)
    return bool(words) and all(w[0].isupper() or w in vocab.phrase_words for w in words) and \
        any(w.lower() in vocab.actor_heads or w.lower().rstrip("s") in vocab.actor_heads
            for w in words)


def _running_lines(text: str, units: list[Unit]) -> set[str]:
    """Short lines that recur on three pages or more (running headers and footers such as
    'UNEP/CMS/Resolution 11.10' or 'CMS COP14 - page'), which are page furniture."""
    counts = Counter(text[u.start:u.end] for u in units
                     if u.line_start and u.end - u.start <= 80 and u.blank_before)
    return {line for line, n in counts.items() if n >= 3 and not ends_sentence(line)
            and not line[:1].islower() and len(line.split()) >= 2}


def _mark_trailing_metadata(text: str, blocks: list[Block]) -> None:
    """Page metadata after the decision ('Number / Code:', 'COP meeting:') is not text."""
    for i, b in enumerate(blocks):
        if b.end - b.start > 60:
            continue  # a label is short
        line = text[b.start:b.end].strip()
        if b.role == "paragraph" and i > 0 and (
                (_LABEL.fullmatch(line) and not addressee_label(line)) or
                record_field_label(line)) \
                and any(x.role == "paragraph" and x.signal in ("lead", "marker")
                        for x in blocks[:i]):
            rest = blocks[i:]
            if all(len(text[x.start:x.end]) < 120 and x.signal not in ("lead", "marker")
                   for x in rest):
                for x in rest:
                    x.role, x.reason = "apparatus", "page metadata"
                return
