"""Faster ways to run a pattern that give the very matches the plain way gives.

A pattern opening with a negative look-behind ("(?<!\\w)hedge") gives the regex engine
nothing to skip ahead to: it tries the look-behind at every position of the text. Its twin
matching one character outside the look-behind's class instead ("[^\\w]hedge") lets the
engine jump from one such character to the next; ``finditer_behind`` uses the twin to find
where each match starts and reads the match there with the pattern itself, so groups,
spans and the order of matches are exactly the plain ``finditer``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["behind_twin", "finditer_behind", "outside", "search_behind"]


def outside(chars: str) -> str:
    """The class of the characters not in the class body ``chars`` ("\\w-" gives
    "[^a-zA-Z0-9_\\w-]"): ASCII letters, digits and "_", listed before a ``\\w`` they
    belong to, are told apart with a table lookup; ``\\w`` alone asks Unicode's tables
    (four calls for a space) at every character a search skips over."""
    return f"[^a-zA-Z0-9_{chars}]" if "\\w" in chars else f"[^{chars}]"

# A negative look-behind at one character ("(?<!\w)", "(?<![\w/-])") opening a pattern
_BEHIND = re.compile(r"\(\?<!(?P<cls>\\w|\[(?!\^)(?:[^\]\\]|\\.)*\])\)")


# pattern id -> (pattern, its twin); by id, as hashing a compiled pattern reads all its code
_TWINS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}


def behind_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a pattern opening with a negative look-behind at one character, its twin matching
    one character outside that class instead: the regex engine jumps to such characters,
    where it tries the look-behind at every position. None for another pattern."""
    known = _TWINS.get(id(pattern))
    if known is not None and known[0] is pattern:
        return known[1]
    twin = _twin(pattern)
    _TWINS[id(pattern)] = (pattern, twin)
    return twin


def _twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    m = _BEHIND.match(pattern.pattern)
    if m is None or _top_level_bar(pattern.pattern[m.end():]):
        return None  # ("(?<!x)a|b": the look-behind is not before every match)
    cls = m.group("cls")
    return re.compile(outside(cls[1:-1] if cls.startswith("[") else cls) +
                      pattern.pattern[m.end():], pattern.flags)


def _top_level_bar(source: str) -> bool:
    """Whether the regex ``source`` has an alternation outside any group or class."""
    depth, escaped, in_class = 0, False, False
    for ch in source:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return True
    return False


def finditer_behind(pattern: re.Pattern[str], text: str, start: int = 0,
                    end: int | None = None) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, the same matches found faster when the pattern
    opens with a look-behind (``behind_twin``): the twin at q matches exactly where the
    pattern matches at q + 1, so it finds where each match starts and the pattern itself
    reads the match there."""
    end = len(text) if end is None else end
    twin = behind_twin(pattern)
    if twin is None:
        yield from pattern.finditer(text, start, end)
        return
    pos, m = start, pattern.match(text, 0, end) if start == 0 else None
    while True:
        if m is None:
            hit = twin.search(text, max(pos, 1) - 1, end)
            m = pattern.match(text, hit.start() + 1, end) if hit is not None else None
            if m is None:
                return
        yield m
        pos, m = max(m.end(), m.start() + 1), None


def search_behind(pattern: re.Pattern[str], text: str, start: int = 0,
                  end: int | None = None) -> re.Match[str] | None:
    """``pattern.search(text, start, end)``, found as ``finditer_behind`` finds it."""
    return next(finditer_behind(pattern, text, start, end), None)
