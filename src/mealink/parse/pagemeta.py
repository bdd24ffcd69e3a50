"""What a web page prints around a decision: its number in a breadcrumb trail or a record
field, the meeting that adopted it, or the decision naming itself in its enacting sentence.

A cites.org page may hold the text alone with '- Home - Documents - Decisions - 17.170
(Rev. CoP19)' after it; a record page puts 'Document status 18.31 (Rev. CoP19)' and 'COP
meeting: Sixteenth meeting of the Conference of the Parties' below the text; the Ozone
Secretariat writes 'The Conference of the Parties, in Decision VC V/2 of its Fifth Meeting,
decided:'. Each fact comes with the words it was read from, so that a reader can check it.
The labels are data (``data/pages.toml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from mealink.datafiles import load_data
from mealink.models import Span
from mealink.vocabulary import alternation

__all__ = ["PageFacts", "page_facts", "site_label", "status_banner"]

_WS = re.compile(r"\s+")
# a decision number as pages print it: "17.170 (Rev. CoP19)", "Conf. 13.10", "16.15"
_NUMBER = re.compile(r"(?:Conf\.\s?)?\d{1,2}\.\d{1,3}(?:\s*\(Rev\.\s?(?:CoP|COP)\s?\d{1,2}\))?")
_SELF = re.compile(
    r"(?:The\s+(?P<body>[A-Z][\w ]{3,80}?),\s+)?in\s+(?P<sym>(?:Decision|Resolution)\s+"
    r"[A-Z]{0,3}\s?(?:[IVXL]{1,6}|\d{1,3})[./]\d{1,3})\s+of\s+its\s+(?P<ord>[\w-]+)\s+"
    r"(?:Meeting|Session)", re.I)
_MEETING_VALUE = re.compile(
    r"^(?P<ord>\d{1,2}(?:st|nd|rd|th|e|ème)?|[\w-]+)\s+(?:meeting|session|reunión)\s+(?:of|de)"
    r"\s+(?:the\s+|la\s+)?(?P<body>.+)$", re.I)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """A decision's number and meeting as the page around it prints them."""

    symbol: str | None = None
    symbol_from: str | None = None
    meeting: int | None = None
    body: str | None = None
    meeting_from: str | None = None


@dataclass(frozen=True, slots=True)
class _Labels:
    number: re.Pattern[str]
    meeting: re.Pattern[str]
    decision: re.Pattern[str]
    bullets: tuple[str, ...]
    crumb_types: dict[str, str]
    site: re.Pattern[str]
    banner: re.Pattern[str]
    addressee: re.Pattern[str]
    field: re.Pattern[str]
    ordinals: dict[str, int]


def _line_start(words: list[str]) -> re.Pattern[str]:
    # spaces, not "\s": "\s*" would read every following blank line from each line start
    return re.compile(rf"^[^\S\n]*(?:{alternation(words)})", re.I | re.M)


@cache
def _after_break(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A ``_line_start`` pattern with a line break in place of its "^": a literal the regex
    engine skips ahead to, where "^" is tried (and fails) at every position of the text."""
    return re.compile("\n" + pattern.pattern.removeprefix("^"), pattern.flags)


def _at_line_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a ``_line_start`` pattern, the same matches found by
    looking only where a line break is followed by the pattern."""
    after_break = _after_break(pattern)
    pos, m = 0, pattern.match(text)
    while True:
        if m is None:
            b = after_break.search(text, max(pos, 1) - 1)
            if b is None:
                return
            m = pattern.match(text, b.start() + 1)  # the match at the line start
            if m is None:  # cannot be: the same pattern, after the same line break
                return
        yield m
        pos, m = m.end(), None


@cache
def _labels() -> _Labels:
    data = load_data("pages.toml")
    ordinals: dict[str, int] = {}
    for words in data["ordinals"].values():
        for i, w in enumerate(words, 1):
            ordinals[w] = i
    site = data["site"]["labels"]
    return _Labels(
        number=_line_start(data["record"]["number_labels"]),
        meeting=_line_start(data["record"]["meeting_labels"]),
        decision=_line_start(data["record"]["decision_labels"]),
        bullets=tuple(data["breadcrumb"]["bullets"]),
        crumb_types=dict(data["breadcrumb"]["types"]),
        site=re.compile(rf"^\s*(?:(?:{alternation(site)})\s*:?\s*$|"
                        rf"(?:{alternation(data['site']['prefixes'])})\b)", re.I),
        banner=re.compile(rf"^\s*(?:{alternation(data['status']['banners'])})", re.I),
        addressee=re.compile(rf"\s*(?:{alternation(data['site']['addressee_labels'])})\s*:*\s*",
                             re.I),
        field=re.compile(rf"\s*(?:{alternation(data['record']['field_labels'])})\s*:?\s*",
                         re.I),
        ordinals=ordinals)


def site_label(line: str) -> bool:
    """Whether a line is one of the site's own labels ('Share meeting', 'COP Decisión',
    'Decision directed to Standing Committee')."""
    return bool(_labels().site.match(_WS.sub(" ", line)))


def addressee_label(line: str) -> bool:
    """Whether a line is a page's label over the addressees, alone on its line ('Decision
    directed to:'); its value, if any, is on the next line."""
    return bool(_labels().addressee.fullmatch(line))


def record_field_label(line: str) -> bool:
    """Whether a line is only the label of a field of the page's record ('Document status',
    'Primary category'), which comes after the text."""
    return bool(_labels().field.fullmatch(line))


def status_banner(text: str) -> bool:
    """Whether a paragraph is a site's banner about the decision's status ('Retired
    sections: paragraph 1.'), which the publisher wrote, not the Conference."""
    return bool(_labels().banner.match(text))


def _ordinal(word: str) -> int | None:
    w = word.lower()
    digits = re.match(r"\d{1,2}", w)
    if digits:
        return int(digits.group(0))
    return _labels().ordinals.get(w)


def _value_after(text: str, m: re.Match[str]) -> tuple[str, str] | None:
    """The value of a record field: the rest of its line, else the next non-empty line;
    with the words it was read from."""
    line_end = text.find("\n", m.end())
    rest = text[m.end():line_end if line_end >= 0 else len(text)].strip(" :\t")
    if rest:
        return rest, _WS.sub(" ", text[m.start():m.end()] + " " + rest).strip()
    while line_end >= 0:  # line by line: no copy of the rest of the text per field
        start = line_end + 1
        line_end = text.find("\n", start)
        value = text[start:line_end if line_end >= 0 else len(text)].strip()
        if value:
            return value, f"{_WS.sub(' ', m.group(0)).strip()} {value}"
    return None


@dataclass(frozen=True, slots=True)
class Breadcrumb:
    """A page's breadcrumb trail ("- Home\n- Documents\n- Decisions\n- 17.170 (Rev.
    CoP19)"): the symbol it names, the trail as read, and the span of each of its lines."""

    symbol: str
    trail: str
    lines: tuple[Span, ...]


def _edge_lines(text: str) -> list[tuple[int, str]]:
    """The lines at the top and the bottom of a page, with their offsets (a trail stands
    above the text or below it, never inside)."""
    out: list[tuple[int, str]] = []
    windows = [(0, len(text))] if len(text) < 6000 else \
        [(0, 2000), (len(text) - 4000, len(text))]
    for lo, hi in windows:
        pos = text.rfind("\n", 0, lo) + 1 if lo else 0  # whole lines only
        while pos < hi:
            end = text.find("\n", pos, len(text))
            end = len(text) if end < 0 else end
            out.append((pos, text[pos:end]))
            pos = end + 1
        out.append((hi, ""))  # the windows are apart: a trail does not run across
    return out


def breadcrumb(text: str) -> Breadcrumb | None:
    """The page's breadcrumb trail naming the decision (the last such trail), if any."""
    labels = _labels()
    run: list[tuple[int, str, str]] = []
    best = None
    marks = tuple(b.strip() + " " for b in labels.bullets)
    for at, line in [*_edge_lines(text), (len(text), "")]:
        s = line.strip()
        if s.startswith(marks):
            lead = len(line) - len(line.lstrip())
            run.append((at + lead, s, s[2:].strip()))
            continue
        if len(run) >= 2 and _NUMBER.fullmatch(run[-1][2]):
            kind = labels.crumb_types.get(run[-2][2].lower())
            if kind:
                best = Breadcrumb(f"{kind} {run[-1][2]}", " › ".join(r[2] for r in run),
                                  tuple(Span(a, a + len(s)) for a, s, _ in run))
        run = []
    return best


UNREAD_TRAIL = Breadcrumb("", "", ())  # page_facts reads the trail itself unless given it


def page_facts(text: str, crumb: Breadcrumb | None = UNREAD_TRAIL) -> PageFacts:
    """The number and meeting the page prints for the decision it holds (None where it
    prints none); ``crumb`` is the page's breadcrumb trail when the caller has read it."""
    labels = _labels()
    symbol = symbol_from = None
    if crumb is UNREAD_TRAIL:
        crumb = breadcrumb(text)
    if crumb is not None:
        symbol, symbol_from = crumb.symbol, f"the page's breadcrumb '{crumb.trail}'"
    if symbol is None:
        for m in _at_line_starts(labels.number, text):
            found = _value_after(text, m)
            if found is None or not _NUMBER.fullmatch(found[0]):
                continue
            value = found[0]
            if value.startswith("Conf"):
                kind = "Resolution"
            elif next(_at_line_starts(labels.decision, text), None):
                kind = "Decision"
            else:
                continue
            symbol, symbol_from = f"{kind} {value}", f"the page's record '{found[1]}'"
            break
    meeting = body = meeting_from = None
    for m in _at_line_starts(labels.meeting, text):
        found = _value_after(text, m)
        mv = _MEETING_VALUE.match(found[0]) if found else None
        if found and mv and (n := _ordinal(mv.group("ord"))):
            meeting, body, meeting_from = n, mv.group("body").strip(" ."), \
                f"the page's record '{found[1]}'"
            break
    head = text[:3000]
    s = _SELF.search(head) if " of its " in head.lower() else None
    if s and (n := _ordinal(s.group("ord"))):
        said = _WS.sub(" ", s.group(0))
        if symbol is None:
            symbol, symbol_from = _WS.sub(" ", s.group("sym")), f"its enacting sentence '{said}'"
        if meeting is None:
            meeting, body, meeting_from = n, s.group("body"), f"its enacting sentence '{said}'"
    return PageFacts(symbol, symbol_from, meeting, body, meeting_from)
