"""Named instruments: the plans, targets, frameworks, declarations and articles a paragraph cites.

Besides numbered decisions (``references``), texts cite instruments by name: "the Strategic
Plan for Migratory Species 2015-2023", "its Aichi Targets", "Article VIII of the
Convention", "SDG 15", "the joint work plan between the secretariats of the CMS and CITES".
What mealink knows of them is data (``data/named_instruments.toml``); ``find_instruments``
finds them in three passes, each keeping only what does not overlap what an earlier one
found:

1. the instruments of the data file, each with its id, kind and convention; "SDGs 14 and
   15" gives two ("SDG 14", "SDG 15");
2. articles of a convention: "Article VIII of the Convention" (id "cms/article/8" in a CMS
   text), "Article 8(j)" ("cbd/article/8j"), "Articles IV and V" (two), "Article XII of
   CITES" (the convention named wins over the document's); no id when the convention is
   not known;
3. other capitalised names after "the" (or "its", "their") ending in a head of the data
   file ("the Energy Task Force Work Plan", "the Guidelines on Avoidance of Introductions
   of Non-Native Waterbird Species"), with no id.

An instrument is given as written without its article, whitespace collapsed, with the span
of those words in ``Document.text``. Decisions and resolutions are never instruments.

Cheap where nothing is cited: one pass over the paragraph finds which of the data file's
literal words (mostly capitalised, so the regex engine skips fast to the capitals), of the
heads and of "Article" occur, and only the patterns written with those words run on it (as
conditions are gated by ``condition_words``); a paragraph with none of them costs that pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.models import Instrument, Span
from mealink.vocabulary import vocabulary

__all__ = ["InstrumentVocabulary", "Named", "find_instruments", "instrument_vocabulary",
           "load_instrument_vocabulary"]

_DASH = r"\s*[-‐‑–—]\s*"
_ID = re.compile(r"[a-z0-9{}]+(?:[-/][a-z0-9{}]+)*\Z")
_KINDS = frozenset({"strategic plan", "targets", "target", "vision", "framework",
                    "declaration", "agenda", "goals", "goal", "code of conduct", "work plan",
                    "action plan", "programme of work", "rules of procedure", "strategy"})
_FIELDS = frozenset({"id", "convention", "kind", "name", "patterns", "list"})

# A capitalised word of a name ("Energy", "CMS/Ramsar", "Non-Native", "Convention’s"); before
# a head also a year or an ordinal ("2050 Vision", "5th").
_WORD = r"(?:[A-Z][\w’'-]*(?:/[A-Z][\w-]*)?)"
_CAP = rf"(?:{_WORD}|\d{{4}}|\d(?:st|nd|rd|th))"
_YEARS = rf"(?::?,?\s+(?:for\s+the\s+period\s+)?\d{{4}}{_DASH}\d{{4}})"
# "for Plant Conservation", "on Avoidance of Introductions of Non-Native Waterbird Species",
# "on Environment and Development"; "and" joins capitalised words only ("Chemicals and
# Pesticides"), so "X and the Y" stays two names.
_NAME_RUN = rf"(?:\s+(?:(?:for|in|on|of|to)\s+(?:the\s+)?|and\s+)?{_WORD})*"
_TAIL = rf"(?:\s+(?:for|on|of|in|to)\s+(?:the\s+)?{_WORD}{_NAME_RUN})"

# "Article 8(j)", "Articles IV and V", "Article XV, paragraph 2 (b) and (c), of the ...".
_NUMBER = r"(?:\d{1,3}|[IVXL]{1,7})(?![\w])"
_LETTER = r"(?:\s*\(\s*(?P<letter>[a-z])\s*\))?(?:\s*\(\s*(?:[a-z]{1,4}|\d{1,2})\s*\))*"
_ARTICLE = re.compile(
    rf"(?<![\w-])(?P<word>[Aa]rticles?|ARTICLES?)\s*(?P<num>{_NUMBER})"
    r"(?:\.[ ]?(?P<sub>\d{1,2})(?![\w.]))?"  # CBD's "Article 23.4 (h)", "Article 24.1 (d)"
    rf"{_LETTER}")
_ARTICLE_NEXT = re.compile(
    r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+or\s+)(?P<num>(?:\d{1,3}|[IVXL]{1,7})(?![\w]))"
    r"(?:\s*\(\s*(?P<letter>[a-z])\s*\))?(?:\s*\(\s*(?:[a-z]{1,4}|\d{1,2})\s*\))*")
_PARAGRAPH = re.compile(
    r",?\s+paragraphs?\s+\d{1,2}(?:\s*\([a-z]{1,4}\))*"
    r"(?:(?:\s*,\s*|\s+and\s+)(?:\d{1,2}|\([a-z]{1,4}\))(?:\s*\([a-z]{1,4}\))*)*")
_OF = re.compile(r",?\s+of\s+(?:the\s+|this\s+)?(?=[A-Z])")
_NAME_REST = re.compile(_NAME_RUN)
_CAP_RUN = re.compile(_WORD + _NAME_RUN)
_TREATY = re.compile(r"(?<![\w-])(?:Convention|Protocol|Agreement|Treaty)(?![\w-])")
_TOKEN = re.compile(r"\S+")
_CAP_TOKEN = re.compile(rf"{_CAP}\Z")
_ARTICLE_WORDS = ("rticle", "RTICLE")  # "Article", "article", "ARTICLES"
_ANCHORS = frozenset({"the", "The", "its", "Its", "their", "Their"})
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
# "SDGs 14 and 15": the next number of a list after a listed instrument's number.
_LIST_NEXT = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?P<num>\d{1,2})(?!\d|\.\d)")
_LAST_NUMBER = re.compile(r"(\d{1,2})\Z")
# "the Open Working Group on Sustainable Development Goals": the name of a body, not a citation.
_BODY_BEFORE = re.compile(r"(?:Group|Committee|Panel|Force|Body|Partnership)\s+on\s+\Z")


@dataclass(frozen=True, slots=True)
class Named:
    """One instrument of the data file; ``{number}`` in ``id`` and ``name`` stands for the
    number a citation ends with ("un/sdg-{number}")."""

    id: str | None
    convention: str | None  # "*": the citing document's
    kind: str
    name: str
    listed: bool


@dataclass(frozen=True, slots=True)
class InstrumentVocabulary:
    """The compiled knowledge of ``data/named_instruments.toml``.

    ``gate`` finds in one pass over a paragraph which of the gate ``words``, of the heads
    and of "Article" it has (as written: case kept). ``patterns`` are the known
    instruments' patterns, each with its entry (an index into ``named``); ``by_word`` the
    patterns to run where a gate word occurs. Unknown named instruments are looked for only
    where ``heads`` finds a head as written ("Strategic Plan", "Framework"): ``generic``
    reads the name from the "the" before it.
    """

    words: tuple[str, ...]
    named: tuple[Named, ...]
    patterns: tuple[tuple[int, re.Pattern[str]], ...]
    by_word: dict[str, tuple[int, ...]]  # gate word -> the patterns written with it
    gate: re.Pattern[str]
    head_words: frozenset[str]  # the heads, as ``gate`` finds them
    heads: re.Pattern[str]
    generic: re.Pattern[str]
    qualified_heads: frozenset[str]  # heads that need a word before or a name after
    generic_kinds: dict[str, str]
    article_kind: str
    own_words: re.Pattern[str]
    convention_names: re.Pattern[str]  # acronyms and ids of conventions, case kept
    convention_long: re.Pattern[str]  # spelled-out names, in any case
    convention_of: dict[str, str]  # name (a long one in lower case) -> convention id


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    """The pattern as the engine reads it (checked: it compiles and starts fast)."""
    if pattern.lower().startswith("the "):
        raise VocabularyError(f"named_instruments.toml: {where}: pattern {pattern!r} starts "
                              "with 'the'; instruments are given without their article")
    if not (pattern[:1].isalnum() or pattern.startswith("[")):
        raise VocabularyError(f"named_instruments.toml: {where}: pattern {pattern!r} starts "
                              "with neither a letter, a digit nor a character class (slow)")
    try:
        return re.compile(pattern.replace(" ", r"\s+").replace("{-}", _DASH))
    except re.error as exc:
        raise VocabularyError(f"named_instruments.toml: {where}: pattern {pattern!r}: "
                              f"{exc}") from None


def _conventions() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """Patterns for the conventions a phrase may name: acronyms and ids in their own case
    ("CITES", "Ramsar"), spelled-out names of conventions and protocols in any case ("the
    Convention on Biological Diversity"), not names that are only cues of a convention
    ("Scientific Council") nor other treaties filed under one ("Paris Agreement")."""
    short: dict[str, str] = {}
    long: dict[str, str] = {}
    for c in vocabulary().conventions:
        for n in (c.id, *c.names):
            low = " ".join(n.lower().split())
            if n.isupper() or n == c.id:
                short[n] = c.id
            elif "convention" in low or c.id.lower() in low or low.startswith("agreement on"):
                long[low] = c.id
    alt_short = "|".join(re.escape(n) for n in sorted(short, key=len, reverse=True))
    alt_long = "|".join(re.escape(n).replace(r"\ ", r"\s+")
                        for n in sorted(long, key=len, reverse=True))
    return (re.compile(rf"(?<![\w/-])(?:{alt_short})(?![\w-])"),
            re.compile(rf"(?:{alt_long})(?![\w-])", re.IGNORECASE), {**short, **long})


def _named(i: int, e: dict[str, Any]) -> Named:
    where = e.get("id") or e.get("name") or f"entry {i + 1}"
    unknown = set(e) - _FIELDS
    if unknown:
        raise VocabularyError(f"named_instruments.toml: {where}: unknown field(s) "
                              f"{sorted(unknown)}")
    ident = e.get("id")
    if ident is not None and not _ID.match(ident):
        raise VocabularyError(f"named_instruments.toml: id {ident!r} is not lower-case "
                              "'<convention>/<name>'")
    if e["kind"] not in _KINDS:
        raise VocabularyError(f"named_instruments.toml: {where}: kind {e['kind']!r} is not "
                              f"one of {sorted(_KINDS)}")
    return Named(ident, e.get("convention"), e["kind"], e["name"], bool(e.get("list")))


def _trie(phrases: list[str]) -> str:
    """A pattern matching any of ``phrases`` (case kept, a space matching any whitespace),
    built as a trie: the engine then tries one branch per letter, not every phrase."""
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + pattern(node[ch])
                    for ch in sorted(k for k in node if k)]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else \
            "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return pattern(root)


def _alternatives(phrases: list[str]) -> str:
    """Literal phrases, longest first, a space matching any whitespace."""
    return "|".join(re.escape(h).replace(r"\ ", r"\s+")
                    for h in sorted(phrases, key=len, reverse=True))


def load_instrument_vocabulary(data: dict[str, Any]) -> InstrumentVocabulary:
    """Build the vocabulary from the parsed data file (checked: a bad entry is an error)."""
    words = tuple(" ".join(w.split()) for w in data["words"])
    named: list[Named] = []
    patterns: list[tuple[int, re.Pattern[str]]] = []
    by_word: dict[str, list[int]] = {w: [] for w in words}
    for i, e in enumerate(data["instrument"]):
        named.append(_named(i, e))
        where = e.get("id") or e["name"]
        for p in e["patterns"]:
            need = [w for w in words if w in p]
            if not need:
                raise VocabularyError(f"named_instruments.toml: {where}: pattern {p!r} is "
                                      f"written with none of the words {list(words)}")
            for w in need:
                by_word[w].append(len(patterns))
            patterns.append((i, _compile(p, where)))
    ids = [n.id for n in named if n.id]
    if len(ids) != len(set(ids)):
        raise VocabularyError("named_instruments.toml: an id is given twice")
    gen = data["generic"]
    heads = list(gen["bare_heads"]) + list(gen["heads"])
    head_words = frozenset(" ".join(h.split()) for h in heads)
    # After "the": capitalised words (as few as will do), the head, perhaps a name ("for
    # Plant Conservation") and years, taken whole; not followed by another capitalised word
    # ("the Strategic Plan Working Group" is a body, "the Framework Convention" a treaty).
    generic = re.compile(
        rf"(?:[Tt]he|[Ii]ts|[Tt]heir)\s+(?P<name>(?P<mods>(?:{_CAP}\s+){{0,6}}?)"
        rf"(?P<head>{_alternatives(heads)})(?![\w-])(?>{_TAIL}?)(?>{_YEARS}?))"
        rf"(?!\s+[A-Z][a-z])")
    short, long, named_by = _conventions()
    return InstrumentVocabulary(
        words=words, named=tuple(named), patterns=tuple(patterns),
        by_word={w: tuple(ks) for w, ks in by_word.items()},
        gate=re.compile(_trie([*words, *_ARTICLE_WORDS, *head_words])),
        head_words=head_words,
        heads=re.compile(rf"(?:{_alternatives(heads)})(?![\w-])"),
        generic=generic,
        qualified_heads=frozenset(gen["heads"]),
        generic_kinds={**{h: h.lower() for h in heads}, **gen.get("kinds", {})},
        article_kind=data["article"]["kind"],
        own_words=re.compile(rf"(?:{_alternatives(data['article']['own'])})(?![\w-])"
                             rf"(?!\s+(?:on|for|of)\s+[A-Z])"),
        convention_names=short, convention_long=long, convention_of=named_by,
    )


@cache
def instrument_vocabulary() -> InstrumentVocabulary:
    """The package's named instruments, built once per process."""
    return load_instrument_vocabulary(load_data("named_instruments.toml"))


def _clean(s: str) -> str:
    return " ".join(s.split())


def _slug(convention: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", convention.lower()).strip("-")


def _arabic(num: str) -> int:
    if num.isdigit():
        return int(num)
    total = 0
    for ch, nxt in zip(num, [*num[1:], ""], strict=True):
        v = _ROMAN[ch]
        total += -v if nxt and _ROMAN[nxt] > v else v
    return total


def _singular(prefix: str) -> str:
    """'Sustainable Development Goals ' -> 'Sustainable Development Goal '."""
    stripped = prefix.rstrip()
    if stripped.endswith("s"):
        return stripped[:-1] + prefix[len(stripped):]
    return prefix


def _known(text: str, start: int, end: int, iv: InstrumentVocabulary, words: set[str],
           convention: str | None) -> list[Instrument]:
    """The instruments of the data file, running the patterns written with ``words``."""
    found: list[Instrument] = []
    for k in sorted({k for w in words for k in iv.by_word.get(w, ())}):
        i, pattern = iv.patterns[k]
        entry = iv.named[i]
        conv = convention if entry.convention == "*" else entry.convention
        for m in pattern.finditer(text, start, end):
            if m.start() > start and text[m.start() - 1].isalnum():
                continue  # inside a word
            if entry.listed:
                found += _listed(text, m, end, entry, conv)
            else:
                found.append(Instrument(_clean(m.group(0)), Span(m.start(), m.end()),
                                        entry.id, entry.kind, conv))
    return found


def _listed(text: str, m: re.Match[str], end: int, entry: Named,
            conv: str | None) -> list[Instrument]:
    """'Aichi Biodiversity Targets 11 and 12' -> 'Aichi Biodiversity Target 11', '... 12'."""
    written = m.group(0)
    number = _LAST_NUMBER.search(written)
    if number is None:  # a pattern of a listed entry that ends with no number
        return [Instrument(_clean(written), Span(m.start(), m.end()), entry.id, entry.kind,
                           conv)]
    prefix = _clean(_singular(written[:number.start()]))
    sep = "" if written[number.start() - 1:number.start()].isalpha() else " "
    items = [(number.group(1), m.start(), m.end())]
    pos = m.end()
    while (c := _LIST_NEXT.match(text, pos, end)) is not None:
        items.append((c.group("num"), c.start("num"), c.end("num")))
        pos = c.end()
    out = []
    for n, s, e in items:
        ident = entry.id.replace("{number}", str(int(n))) if entry.id else None
        out.append(Instrument(f"{prefix}{sep}{n}", Span(s, e), ident, entry.kind, conv))
    return out


def _of_convention(text: str, pos: int, end: int, iv: InstrumentVocabulary,
                   convention: str | None) -> tuple[int, str | None] | None:
    """What "of ..." after an article names: (where the citation ends, its convention), or
    None when there is no "of" naming anything."""
    of = _OF.match(text, pos, end)
    if of is None:
        return None
    at = of.end()
    long = iv.convention_long.match(text, at, end)
    if long is not None:
        rest = _NAME_REST.match(text, long.end(), end)
        return (rest.end() if rest else long.end()), iv.convention_of[
            " ".join(long.group(0).lower().split())]
    short = iv.convention_names.match(text, at, end)
    if short is not None:
        return short.end(), iv.convention_of[short.group(0)]
    own = iv.own_words.match(text, at, end)
    if own is not None:
        return own.end(), convention
    run = _CAP_RUN.match(text, at, end)
    if run is not None and _TREATY.search(run.group(0)):
        return pos, None  # "of the Paris Agreement": a treaty mealink does not know
    return None  # "of Annex I": not a treaty


def _article_id(conv: str | None, num: str, letter: str | None,
                sub: str | None = None) -> str | None:
    if conv is None:
        return None
    return f"{_slug(conv)}/article/{_arabic(num)}{'.' + sub if sub else ''}{letter or ''}"


def _next_article(text: str, pos: int, end: int) -> re.Match[str] | None:
    """The next article cited at or after ``pos``: the literal found with ``str.find``, then
    the pattern tried there (a search for a pattern that opens with a look-behind tries
    every position, many times slower)."""
    while True:
        found = [i for i in (text.find(w, pos + 1, end) for w in _ARTICLE_WORDS) if i >= 0]
        if not found:
            return None
        at = min(found) - 1
        m = _ARTICLE.match(text, at, end)
        if m is not None:
            return m
        pos = at + 1


def _articles(text: str, start: int, end: int, iv: InstrumentVocabulary,
              convention: str | None) -> list[Instrument]:
    out: list[Instrument] = []
    pos = start
    while (m := _next_article(text, pos, end)) is not None:
        pos = m.end()
        items = [(m.group("num"), m.group("letter"), m.start(), m.end())]
        plural = m.group("word").lower().endswith("s")
        while plural and (c := _ARTICLE_NEXT.match(text, pos, end)) is not None:
            items.append((c.group("num"), c.group("letter"), c.start("num"), c.end()))
            pos = c.end()
        stop = pos
        para = None if plural else _PARAGRAPH.match(text, stop, end)
        if para is not None:
            stop = para.end()
        conv = convention
        of = _of_convention(text, stop, end, iv, convention)
        if of is not None:
            stop, conv = of
        if not plural:
            out.append(Instrument(_clean(text[m.start():stop]), Span(m.start(), stop),
                                  _article_id(conv, m.group("num"), m.group("letter"),
                                              m.group("sub")),
                                  iv.article_kind, conv))
            pos = max(pos, stop)
            continue
        word = m.group("word")[:-1]
        for k, (num, letter, s, e) in enumerate(items):
            label = f"{word} {_clean(text[s if k else m.start('num'):e])}"
            out.append(Instrument(label, Span(s, e), _article_id(conv, num, letter),
                                  iv.article_kind, conv))
        pos = max(pos, stop)
    return out


def _anchor(text: str, lo: int, head: int) -> int | None:
    """Where the "the" (or "its", "their") before a head starts, with at most six
    capitalised words between them; None when there is none."""
    tokens = list(_TOKEN.finditer(text, lo, head))
    for n, t in enumerate(reversed(tokens)):
        if t.group(0) in _ANCHORS:
            return t.start()
        if n == 6 or not _CAP_TOKEN.match(t.group(0)):
            return None
    return None


def _generic(text: str, start: int, end: int, iv: InstrumentVocabulary,
             heads: list[re.Match[str]]) -> list[Instrument]:
    """Unknown named instruments around the ``heads`` found in ``text[start:end]``."""
    out: list[Instrument] = []
    done = start
    for h in heads:
        if h.start() < done or (h.start() > start and text[h.start() - 1].isalnum()):
            continue  # inside the name just read, or inside a word
        the = _anchor(text, max(done, h.start() - 120), h.start())
        m = iv.generic.match(text, the, end) if the is not None else None
        if m is None or not m.start("name") <= h.start() < m.end():
            continue
        done = m.end()
        head = " ".join(m.group("head").split())
        bare = not m.group("mods") and m.end("name") == m.end("head")
        if bare and head in iv.qualified_heads:
            continue  # "the Framework", "the Declaration": words of the sentence
        written = m.group("name")
        named = {iv.convention_of[n.group(0)]
                 for n in iv.convention_names.finditer(written)}
        out.append(Instrument(_clean(written), Span(m.start("name"), m.end("name")), None,
                              iv.generic_kinds.get(head, head.lower()),
                              named.pop() if len(named) == 1 else None))
    return out


def find_instruments(text: str, start: int, end: int, iv: InstrumentVocabulary,
                     convention: str | None = None) -> list[Instrument]:
    """The named instruments cited in ``text[start:end]``, in text order, with spans into
    ``text``. ``convention`` is the citing document's (``Document.convention``): the owner
    of "Article VIII of the Convention" and of its rules of procedure."""
    words = {" ".join(w.split()) for w in iv.gate.findall(text, start, end)}
    if not words:
        return []
    passes = [_known(text, start, end, iv, words, convention)]
    if not words.isdisjoint(_ARTICLE_WORDS):
        passes.append(_articles(text, start, end, iv, convention))
    if words & iv.head_words:
        heads = list(iv.heads.finditer(text, start, end))
        passes.append(_generic(text, start, end, iv, heads) if heads else [])
    kept: list[Instrument] = []
    for found in passes:  # what an earlier pass found wins; then the longer at one place
        found.sort(key=lambda x: (x.span.start, x.span.start - x.span.end))
        for x in found:
            if all(x.span.end <= k.span.start or x.span.start >= k.span.end for k in kept):
                kept.append(x)
    kept.sort(key=lambda x: x.span.start)
    return [x for x in kept
            if not _BODY_BEFORE.search(text, max(start, x.span.start - 40), x.span.start)]
