"""Which paragraphs of a text a repeal, retirement or citation reaches.

"Decision V/20, paragraphs 4, 6, 10-17, 23, 27-28, 29 (b) and (e)" reaches paragraphs 4, 6,
10 to 17, 23, 27, 28, 29(b) and 29(e); "paragraphs 12 and 14 of Resolution VIII.18" reaches
12 and 14. Numbers come out as the parser writes them (``3(a)``), so they compare with
stored paragraph numbers.
"""

from __future__ import annotations

import re

__all__ = ["expand_paragraphs", "scope_around"]

_ONE = r"(?:\d{1,3}(?:\s*\(\s*[a-z]{1,5}\s*\))*(?:\s*(?:[-–]|to)\s*\d{1,3})?|\(\s*[a-z]{1,5}\s*\))"
_LIST = rf"{_ONE}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*){_ONE})*"
_AFTER = re.compile(rf",?\s*(?:paragraphs?|paras?\.|sections?)\s+(?P<list>{_LIST})", re.I)
_BEFORE = re.compile(rf"(?:paragraphs?|paras?\.)\s+(?P<list>{_LIST})\s+of\s+(?:the\s+)?$", re.I)
_ITEM = re.compile(r"(?P<n>\d{1,3})(?P<subs>(?:\s*\(\s*[a-z]{1,5}\s*\))*)"
                   r"(?:\s*(?:[-–]|to)\s*(?P<hi>\d{1,3}))?|\(\s*(?P<letter>[a-z]{1,5})\s*\)")
_SUB = re.compile(r"\(\s*([a-z]{1,5})\s*\)")


def expand_paragraphs(written: str) -> tuple[str, ...]:
    """'4, 6, 10-12, 29 (b) and (e)' -> ('4', '6', '10', '11', '12', '29(b)', '29(e)')."""
    out: list[str] = []
    last_number: str | None = None
    for m in _ITEM.finditer(written):
        if m.group("letter"):
            if last_number is not None:
                out.append(f"{last_number}({m.group('letter')})")
            continue
        n = int(m.group("n"))
        subs = "".join(f"({s})" for s in _SUB.findall(m.group("subs") or ""))
        hi = m.group("hi")
        if hi and 0 < int(hi) - n <= 200 and not subs:
            out.extend(str(i) for i in range(n, int(hi) + 1))
        else:
            out.append(f"{n}{subs}")
        last_number = str(n)
    return tuple(dict.fromkeys(out))


def scope_around(text: str, ref_start: int, ref_end: int, limit: int) -> tuple[str, ...]:
    """The paragraphs named right after a citation (', paragraphs 3, 5 and 7-9') or right
    before it ('paragraphs 12 and 14 of'); empty when it names the whole text."""
    after = _AFTER.match(text, ref_end, limit)
    if after:
        return expand_paragraphs(after.group("list"))
    window = text[max(0, ref_start - 200):ref_start]
    before = _BEFORE.search(window)
    if before:
        return expand_paragraphs(before.group("list"))
    return ()
