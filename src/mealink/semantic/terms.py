"""Words a query and a paragraph share: the "why it matched" a reader can check, the
content words of a plain-language query for the relaxed keyword ranking, and the quoted
phrases a paragraph holds or lacks. Pure functions."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources

__all__ = ["contains_phrase", "content_words", "quoted_phrases", "shared_spans", "snippet_window",
           "stem", "stopwords", "word_share"]

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SUFFIXES = ("ations", "ation", "ities", "ity", "ings", "ing", "ies", "ied", "es", "ed", "s")


@cache
def stopwords() -> frozenset[str]:
    """English words that carry no subject (``data/search.toml``)."""
    raw = resources.files("mealink.data").joinpath("search.toml").read_text(encoding="utf-8")
    return frozenset(tomllib.loads(raw)["stopwords"]["en"])


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude English stem, enough to see "species"/"specie", "islands"/"island",
    "eradicate"/"eradication" as one word; never shorter than four letters."""
    w = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


def content_words(query: str) -> list[str]:
    """The words of ``query`` that carry its subject, in order, once each."""
    stop = stopwords()
    seen: set[str] = set()
    out: list[str] = []
    for m in _WORD.finditer(query):
        w = m.group(0).lower()
        if w in stop or len(w) < 2:
            continue
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


@lru_cache(maxsize=256)
def _stems_of(query: str) -> tuple[dict[str, str], re.Pattern[str] | None]:
    """The query's content words by stem, and the pattern of those stems (``_stem_finder``)."""
    wanted = {stem(w): w for w in content_words(query)}
    return wanted, _stem_finder(frozenset(wanted))


def _stem_finder(stems: frozenset[str]) -> re.Pattern[str] | None:
    """The stems as written in lower-cased text (a stem's "'" as "'" or "’"), longest first;
    None for no stem."""
    alternatives = sorted((re.escape(s).replace("'", "['’]") for s in stems if s),
                          key=lambda a: (-len(a), a))
    return re.compile("|".join(alternatives)) if alternatives else None


_WORD_CHAR = re.compile(r"[^\W_]")
_JOINERS = "'’-"


def _stemmed_as(text: str, stems: dict[str, str], finder: re.Pattern[str] | None
                ) -> Iterator[tuple[re.Match[str], str]]:
    """The words of ``text`` (as ``_WORD`` reads them) whose stem is one of ``stems``, in
    order, each with its stem.

    A word's stem begins its lower-cased form, so only where a stem stands in the
    lower-cased text can such a word start: ``finder`` (``_stem_finder(stems)``) finds
    those places and a word is read there, instead of stemming every word of the text. A
    word starts where the character before is neither a letter or digit nor a joiner
    ("-", "'", "’") after one. Exact where lower-casing maps each character to one, by
    itself (not for "İ", two characters lower-cased, nor for a capital sigma, whose lower
    case depends on what follows it): such a text is read word by word."""
    if finder is None:
        return
    lower = text.lower()
    if len(lower) != len(text) or "\u03a3" in text:
        for m in _WORD.finditer(text):
            s = stem(m.group(0))
            if s in stems:
                yield m, s
        return
    is_char = _WORD_CHAR.match
    for hit in finder.finditer(lower):
        at = hit.start()
        if at and (is_char(lower, at - 1) or (lower[at - 1] in _JOINERS and at > 1
                                              and is_char(lower, at - 2))):
            continue  # inside a word
        word = _WORD.match(text, at)
        if word is not None:
            s = stem(word.group(0))
            if s in stems:
                yield word, s


def shared_spans(query: str, text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The query's content words found in ``text`` (by stem), and where they stand in it."""
    wanted, finder = _stems_of(query)
    found: dict[str, None] = {}
    spans: list[tuple[int, int]] = []
    for m, s in _stemmed_as(text, wanted, finder):
        found.setdefault(wanted[s])
        spans.append((m.start(), m.end()))
    return list(found), spans


def snippet_window(text: str, spans: list[tuple[int, int]], width: int = 240
                   ) -> tuple[str, list[tuple[int, int]]]:
    """At most ``width`` characters of ``text`` around its first highlighted words, with the
    highlights moved into the snippet (an ellipsis marks cut ends)."""
    if len(text) <= width:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start else ""
    out = prefix + text[start:end] + ("…" if end < len(text) else "")
    shift = len(prefix) - start
    moved = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return out, moved


_QUOTED = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]+)"|\S+')
_TOKEN = re.compile(r"[^\W_]+")


def quoted_phrases(query: str) -> list[str]:
    """The "quoted phrases" a query asks for, as typed (not those excluded with -"...")."""
    out: list[str] = []
    for m in _QUOTED.finditer(query):
        phrase = m.group("phrase")
        if phrase and not m.group("neg") and _TOKEN.search(phrase):
            out.append(" ".join(phrase.split()))
    return out


def _stems(text: str) -> list[str]:
    return [stem(w) for w in _TOKEN.findall(text)]


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``text`` holds the words of ``phrase`` in a row, as the full-text index reads
    them: case and punctuation aside, each word by its stem ("Liaison Groups" holds
    "liaison group")."""
    want = _stems(phrase)
    have = _stems(text)
    n = len(want)
    return bool(n) and any(have[i:i + n] == want for i in range(len(have) - n + 1))


def word_share(query: str, text: str) -> float:
    """The share of the query's content words (by stem) that ``text`` holds, as
    ``shared_spans`` finds them; 0 for a query with fewer than two, whose one word either
    matches in full or not at all."""
    wanted, finder = _stems_of(query)
    if len(wanted) < 2:
        return 0.0
    return len({s for _, s in _stemmed_as(text, wanted, finder)}) / len(wanted)
