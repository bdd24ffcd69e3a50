"""The paragraphs a work plan's activity cites as its mandate, as people write them: "CMS
Resolution 11.10 ¶8", "CBD XIII/5 ¶3", "Res. 11.10, para. 8", "paras 8 and 9 of CMS
Resolution 11.10", "UNEP/CMS/Resolution 11.10 ¶¶2, 3(a)". The words that introduce a
paragraph are data (``data/workplans.toml``); which text the rest names is the linker's
business (``link.identifiers.parse_key``, applied by the store)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mealink.workplans.model import plan_rules

__all__ = ["ParsedReference", "parse_reference"]


@dataclass(frozen=True, slots=True)
class ParsedReference:
    """A reference split into the text it names and the paragraph numbers it gives (none:
    the text as a whole)."""

    written: str
    document: str
    paragraphs: tuple[str, ...]


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(text then paragraphs, paragraphs 'of' text)."""
    words = sorted(plan_rules().markers, key=len, reverse=True)
    alt = "|".join(rf"(?<![\w.]){re.escape(w)}(?!\w)" if w[0].isalpha() else re.escape(w)
                   for w in words)
    # '8', '8(a)', '(b)', and in a grouped decision page '14.912(b)'
    number = r"\(?\d+(?:\.\d+)*[\w()]*\)?|(?:\([a-z]{1,4}\))+"
    nums = rf"(?P<nums>(?:{number})(?:\s*(?:,|-|–|&|\band\b|\bet\b|\by\b|\bto\b)\s*(?:{number}))*)"
    after = re.compile(rf"^(?P<doc>.+?)[\s,(]*(?:{alt})\s*{nums}\s*\)?\.?$", re.I)
    before = re.compile(rf"^(?:{alt})\s*{nums}\s*,?\s*(?:of|in|under)\s+(?:the\s+)?"
                        rf"(?P<doc>.+?)\.?$", re.I)
    return after, before


def _numbers(text: str) -> tuple[str, ...]:
    """'8, 22' -> 8, 22; '8 and 9' -> 8, 9; '8-10' -> 8, 9, 10; '3 (a)' -> 3(a)."""
    out: list[str] = []
    text = re.sub(r"(\d)\s+\(", r"\1(", text.strip())
    for part in plan_rules().joiners.split(text):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*(?:-|–|\bto\b)\s*(\d+)", part)
        if m and 0 < int(m.group(2)) - int(m.group(1)) <= 50:
            out += [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
        else:
            part = part.replace(" ", "")
            while part.endswith(")") and part.count(")") > part.count("("):
                part = part[:-1]  # "(para 8)": the bracket closes the reference
            out.append(part)
    return tuple(dict.fromkeys(out))


def parse_reference(written: str) -> ParsedReference:
    """The text and paragraphs ``written`` names; a reference that names no paragraph is
    the text as a whole."""
    text = " ".join(written.split()).strip().rstrip(";,")
    text = re.sub(r"(\d)\s+\(([a-z]{1,4})\)", r"\1(\2)", text)  # "¶8 (a)" is 8(a)
    after, before = _patterns()
    m = after.match(text) or before.match(text)
    if m:
        doc = m.group("doc").strip().rstrip(",;:(").strip()
        if doc:
            return ParsedReference(written.strip(), doc, _numbers(m.group("nums")))
    return ParsedReference(written.strip(), text, ())
