"""Paragraph numbers and list labels printed at the start of a paragraph.

A marker is what a paragraph's number is read from: "1." (also glued, "1.Calls"), a CMS or
CITES decision number "12.91", a roman section "I." / "I -", a lettered section "A.", and
sub-paragraph labels "(a)", "a)", "a.", "( iii)", "- a)" or a bare dash bullet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

MarkerKind = Literal["number", "decimal", "roman", "section", "item", "bullet"]

_MARKERS: list[tuple[MarkerKind, re.Pattern[str]]] = [
    # "1." "1.Calls" "1.\n" - but not "1.5" and not a year "2010."
    ("number", re.compile(r"(?P<label>\d{1,3})[ ]?\.(?![\d.])[ \t]*")),
    # CMS/CITES decision numbers: "12.91" alone on its line, "16.26 As envisaged".
    # (A revision mark after the number is the number's: "15.93 (Rev. CoP16) The Secretariat")
    ("decimal", re.compile(r"(?P<label>\d{1,3}\.\d{1,3})(?:[ ]\(Rev\.[ ]?CoP\d{1,2}\)(?=[ ]+[A-Z])|"
                           r"(?=[ ]*\n|[ ]*$|[ ]+[A-Z](?!ev\.)))[ \t]*")),
    # Roman sections: "I.The Conference", "I - Technical assistance", "IV. ".
    ("roman", re.compile(
        r"(?P<label>[IVX]{1,5})(?:[ ]?\.(?!\d)(?:[ ]*[-–](?=[ ]))?|[ ]+[-–][ ]+)[ \t]*(?=\S)")),
    # Lettered sections: "A. Report on progress".
    ("section", re.compile(r"(?P<label>[A-H])\.(?:[ ]*[-–](?=[ ]))?[ \t]+(?=[A-Z\d])")),
    # Sub-paragraphs: "(a)", "( iii)", "- (b)", "a)", "- a)", "a. ".
    ("item", re.compile(
        r"(?:[-–•][ \t]*)?\([ ]?(?P<label>[a-z]{1,2}|[ivxl]{1,6}|\d{1,2})[ ]?\)[ \t]*")),
    ("item", re.compile(r"(?:[-–•][ \t]*)?(?P<label>[a-z]|[ivx]{1,5})\)[ \t]*")),
    ("item", re.compile(r"(?P<label>[a-z])\.[ \t]+(?=\S)")),
    ("bullet", re.compile(r"(?P<label>[-–•])[ \t]+(?=\S)")),
]

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ROMAN_DIGITS = "".join(_ROMAN_VALUES)


@dataclass(frozen=True, slots=True)
class Marker:
    """A number or label at ``start`` whose paragraph text begins at ``end``."""

    kind: MarkerKind
    label: str
    start: int
    end: int


def _candidates(first: str) -> list[tuple[MarkerKind, re.Pattern[str]]]:
    """The marker patterns worth trying on a paragraph that starts with ``first``."""
    if first.isdigit():
        return _MARKERS[:2]
    if first in "IVX":
        return _MARKERS[2:3]
    if first in "ABCDEFGH":
        return _MARKERS[3:4]
    if first == "(" or first in "-–•":
        return _MARKERS[4:]
    if first.islower():
        return _MARKERS[5:7]
    return []


_BY_FIRST = {chr(c): _candidates(chr(c)) for c in range(32, 0x250)}


def match_marker(text: str, pos: int) -> Marker | None:
    """The marker at ``text[pos:]``, if the paragraph there starts with one."""
    first = text[pos:pos + 1]
    patterns = _BY_FIRST.get(first)
    for kind, pattern in _candidates(first) if patterns is None else patterns:
        m = pattern.match(text, pos)
        if m:
            label = m.group("label")
            nxt = text[m.end():m.end() + 1]
            if kind == "number" and nxt.islower() and m.end() == m.end("label") + 1:
                continue  # "4.sub" is not a paragraph number; "1. decides" is one
            if kind == "item" and nxt in (")", ";", ","):
                continue  # "(h))" closes a citation, "(a);" ends a list
            return Marker(kind, label, pos, m.end())
    return None


def roman_value(label: str) -> int | None:
    """Value of a lower- or upper-case roman numeral, or None if it is not one."""
    s = label.lower()
    if not s or s.strip(_ROMAN_DIGITS):  # a letter that is not a roman digit is left
        return None
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN_VALUES[c]
        total += -v if i + 1 < len(s) and _ROMAN_VALUES[s[i + 1]] > v else v
    return total


def is_roman_item(label: str, previous_letter: str | None) -> bool:
    """Whether an item label like "i" or "ii" is a roman numeral rather than a letter.

    "(i)" right after "(h)" is the ninth letter; otherwise a label made of roman digits
    is read as a roman numeral, as in "(i) ... (ii) ... (iii)".
    """
    if roman_value(label) is None or (len(label) == 1 and label not in "ivx"):
        return False
    if len(label) == 1 and previous_letter is not None:
        return ord(label) != ord(previous_letter) + 1
    return True


_ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
           "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"]


def successor(label: str) -> str:
    """The label that follows ``label`` in a list: 'a' -> 'b', 'iii' -> 'iv', '2' -> '3'.

    A single 'i', 'v' or 'x' is taken as a letter here; both readings are tried by callers
    that need them.
    """
    if label.isdigit():
        return str(int(label) + 1)
    if label in _ROMANS and len(label) > 1:
        i = _ROMANS.index(label)
        return _ROMANS[i + 1] if i + 1 < len(_ROMANS) else ""
    if len(label) == 1 and label.isalpha():
        return "ii" if label == "i" else chr(ord(label) + 1)
    return ""
