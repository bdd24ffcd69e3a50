"""Topics: which issues of the controlled vocabulary a paragraph is about.

The vocabulary (``data/topics.toml``) is SKOS-like: concepts with a preferred label,
alternative labels, trigger phrases (words that signal a topic without naming it),
broader and related concepts; narrower concepts are derived from broader ones, and
``related`` is made symmetric. ``topic_vocabulary()`` loads and checks it once;
``load_topic_vocabulary`` builds one from another file or an already parsed dict.

``find_topics`` matches every phrase in one pass of one compiled pattern (a trie of all the
phrases, run on the lower-cased text), case-insensitively on word boundaries, taking at each
place the longest phrase (so "invasive alien species" is one piece of evidence, not also
"alien species"). Spelling variants it allows by itself: a space in a phrase matches spaces,
line breaks or hyphens; a hyphen matches a hyphen, a dash, a space or nothing ("by-catch",
"bycatch", "by catch"); the last word may be singular or plural; "-ize" may be written
"-ise"; accented French phrases also match with their accents folded or dropped (encoding
damage). An acronym ("POPs", "IAS") matches only in its own case.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.models import Mention, Span, Topic
from mealink.regexes import outside
from mealink.wordforms import fold_accents, strip_accented

__all__ = ["Concept", "Topic", "TopicVocabulary", "find_topics", "inherit",
           "load_topic_vocabulary", "topic_vocabulary"]

Kind = Literal["label", "alt", "trigger"]

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# Text is matched with its hyphens, non-breaking hyphens and en dashes made hyphen-minus and
# its typographic apostrophes straight (same length), so that the pattern's classes stay
# ASCII: classes with other characters make compiling the large pattern several times slower.
_PLAIN = str.maketrans("\u2010\u2011\u2013\u2019", "---'")
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013]+")
_PIECES = {"\0sp": r"[\s-]+", "\0hy": r"[\s-]*", "\0ap": "'"}  # a space, hyphen, apostrophe
_CONCEPT_FIELDS = frozenset({"id", "label", "leo", "alt", "triggers", "broader", "related"})
_SCORING_FIELDS = ("label", "alt", "trigger", "repeat", "inherited")


@dataclass(frozen=True, slots=True)
class Concept:
    """One topic of the vocabulary."""

    id: str
    label: str
    alt: tuple[str, ...]
    triggers: tuple[str, ...]
    broader: tuple[str, ...]
    narrower: tuple[str, ...]
    related: tuple[str, ...]
    leo: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    """What finding one phrase tells: evidence of ``concept`` of this kind and weight.
    ``cased`` holds the written forms an acronym must have (None: any case)."""

    concept: str
    kind: Kind
    phrase: str
    weight: float
    cased: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class TopicVocabulary:
    """The concepts, with one compiled matcher for all their phrases.

    ``entries`` maps the key of a written phrase (lower case, separators removed), and its
    usual written forms, to the evidence it gives; an empty tuple is a phrase of the ignore
    list. ``repeat`` is the
    factor each repeat of a phrase weighs, ``inherited`` the factor a sub-paragraph takes
    its parent's topics at.
    """

    concepts: dict[str, Concept]
    source: str  # the pattern of all phrases, to run on lower-cased text (see ``_PLAIN``)
    entries: dict[str, tuple[_Entry, ...]]
    repeat: float
    inherited: float
    #: ``pattern`` with the character before a phrase matched instead of looked behind at,
    #: the phrase as group 1, to run on the lower-cased text after a space (None when some
    #: phrase ends in other than a word character: see ``_bounded``)
    bounded: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """``source`` compiled, the first time it is needed (``bounded`` does the work)."""
        return _compiled(self.source)

    def label(self, concept_id: str) -> str:
        """The preferred label of a concept."""
        return self.concepts[concept_id].label

    def ancestors(self, concept_id: str) -> tuple[str, ...]:
        """Every broader concept of ``concept_id``, transitively, nearest first (for callers
        that roll topics up: bycatch -> threats-to-biodiversity)."""
        out: list[str] = []
        todo = list(self.concepts[concept_id].broader)
        while todo:
            c = todo.pop(0)
            if c not in out:
                out.append(c)
                todo += self.concepts[c].broader
        return tuple(out)


def _key(phrase: str) -> str:
    """What a phrase and every way of writing it have in common."""
    return _SEPARATORS.sub("", phrase.lower()).replace("\u2019", "'")


def _is_acronym(phrase: str) -> bool:
    return " " not in phrase and sum(c.isupper() for c in phrase) >= 2


def _inflections(phrase: str, acronym: bool) -> set[str]:
    """The phrase with its last word singular and plural (junk forms such as "specy" for
    "species" are harmless: no text holds them)."""
    m = re.search(r"[A-Za-z]{3,}\Z", phrase) if not acronym else re.search(r"[A-Za-z]+\Z",
                                                                           phrase)
    if m is None:
        return set()
    head, word = phrase[:m.start()], m.group()
    if acronym:
        return {head + (word[:-1] if word.endswith("s") else word + "s")}
    low = word.lower()
    forms = set()
    if low.endswith(("s", "x", "z", "sh", "ch")):
        forms.add(word + "es")
    if low.endswith("s") and not low.endswith("ss"):
        forms.add(word[:-1])
        if low.endswith("ies"):
            forms.add(word[:-3] + "y")
        elif low.endswith("es"):
            forms.add(word[:-2])
    elif re.search(r"[^aeiou]y\Z", low):
        forms.add(word[:-1] + "ies")
    elif not low.endswith(("x", "z", "sh", "ch")):
        forms.add(word + "s")
    return {head + f for f in forms}


def _written_forms(phrase: str) -> tuple[set[str], set[str]]:
    """The phrase as data writes it, with its spelling variants; and its inflected forms."""
    forms = {phrase}
    if not phrase.isascii():
        forms |= {fold_accents(phrase), strip_accented(phrase)}
    forms |= {f.replace("iz", "is") for f in forms if "iz" in f}
    acronym = _is_acronym(phrase)
    inflected = {i for f in forms for i in _inflections(f, acronym)}
    return forms, inflected - forms


def _tokens(form: str) -> list[str]:
    """A phrase as the pieces of its pattern: letters, and separators as marks."""
    out: list[str] = []
    for ch in " ".join(form.lower().split()):
        if ch == " ":
            if out and out[-1] in ("\0sp", "\0hy"):
                out[-1] = "\0sp"
            else:
                out.append("\0sp")
        elif ch in "-\u2010\u2011\u2013":
            if not (out and out[-1] in ("\0sp", "\0hy")):
                out.append("\0hy")
        elif ch in "'\u2019":
            out.append("\0ap")
        else:
            out.append(ch)
    return out


def _trie_pattern(forms: set[str]) -> str:
    """One regex for all ``forms``, as a trie: the engine follows one branch per letter
    instead of trying every phrase at every position; at each node the longer phrase is
    tried first, so the longest phrase starting at a place wins."""
    trie: dict[str, Any] = {}
    for form in forms:
        node = trie
        for tok in _tokens(form):
            node = node.setdefault(tok, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict[str, Any]) -> str:
    branches = []
    # letters first, separators after: a separator that may match nothing must not take
    # the place of a letter that continues a phrase
    for tok in sorted((k for k in node if k), key=lambda k: (k.startswith("\0"), k)):
        branches.append(_PIECES.get(tok, re.escape(tok)) + _node_pattern(node[tok]))
    if not branches:
        return ""
    end = "" in node
    body = branches[0] if len(branches) == 1 and not end else "(?:" + "|".join(branches) + ")"
    return body + "?" if end else body


def _fail(name: str, message: str) -> VocabularyError:
    return VocabularyError(f"{name}: {message}")


def _strings(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, f"{where}: must be a list of strings")
    for v in value:
        if not re.search(r"\w", v) or v != v.strip() or v[:1] in "-\u2013" or \
                v[-1:] in "-\u2013":
            raise _fail(name, f"{where}: {v!r} is not a phrase (a word or words, no "
                              "separator at either end)")
    return tuple(value)


def _weights(data: Mapping[str, Any], name: str) -> dict[str, float]:
    scoring = data.get("scoring", {})
    if not isinstance(scoring, Mapping):
        raise _fail(name, "[scoring] must be a table")
    unknown = set(scoring) - set(_SCORING_FIELDS)
    if unknown:
        raise _fail(name, f"[scoring]: unknown field {sorted(unknown)[0]!r} (known: "
                          f"{', '.join(_SCORING_FIELDS)})")
    defaults = {"label": 0.6, "alt": 0.6, "trigger": 0.3, "repeat": 0.5, "inherited": 0.5}
    out = {}
    for k, default in defaults.items():
        v = scoring.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise _fail(name, f"[scoring], field {k!r}: {v!r} must be a number in [0, 1]")
        out[k] = float(v)
    return out


def _concepts(data: Mapping[str, Any], name: str) -> list[Concept]:
    """The concepts as written, checked one by one; narrower and related completed."""
    raw = data.get("concept")
    if not isinstance(raw, list) or not raw:
        raise _fail(name, "no [[concept]] entries")
    written: list[Concept] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        if not isinstance(c, Mapping):
            raise _fail(name, f"concept #{i + 1} is not a table")
        cid = c.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            raise _fail(name, f"concept #{i + 1}, field 'id': {cid!r} is not a kebab-case id")
        where = f"concept {cid!r}"
        if cid in seen:
            raise _fail(name, f"{where}, field 'id': defined twice")
        seen.add(cid)
        unknown = set(c) - _CONCEPT_FIELDS
        if unknown:
            raise _fail(name, f"{where}: unknown field {sorted(unknown)[0]!r} (known: "
                              f"{', '.join(sorted(_CONCEPT_FIELDS))})")
        label = c.get("label")
        if not isinstance(label, str):
            raise _fail(name, f"{where}, field 'label': missing or not a string")
        _strings([label], name, f"{where}, field 'label'")
        leo = c.get("leo", False)
        if not isinstance(leo, bool):
            raise _fail(name, f"{where}, field 'leo': must be true or false")
        lists = {f: _strings(c.get(f, []), name, f"{where}, field {f!r}")
                 for f in ("alt", "triggers", "broader", "related")}
        written.append(Concept(cid, label, lists["alt"], lists["triggers"], lists["broader"],
                               (), lists["related"], leo))
    for concept in written:
        for f in ("broader", "related"):
            for other in getattr(concept, f):
                if other not in seen:
                    raise _fail(name, f"concept {concept.id!r}, field {f!r}: unknown concept "
                                      f"{other!r}")
                if other == concept.id:
                    raise _fail(name, f"concept {concept.id!r}, field {f!r}: names itself")
    _check_cycles(written, name)
    out = []
    for c in written:
        narrower = tuple(o.id for o in written if c.id in o.broader)
        related = c.related + tuple(o.id for o in written
                                    if c.id in o.related and o.id not in c.related)
        out.append(Concept(c.id, c.label, c.alt, c.triggers, c.broader, narrower, related,
                           c.leo))
    return out


def _check_cycles(concepts: list[Concept], name: str) -> None:
    """Fail on a chain of broader concepts that comes back to where it started."""
    broader = {c.id: c.broader for c in concepts}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            chain = " -> ".join([*path[path.index(node):], node])
            raise _fail(name, f"concept {node!r}, field 'broader': cycle {chain}")
        if node in done:
            return
        path.append(node)
        for b in broader[node]:
            visit(b, path)
        path.pop()
        done.add(node)

    for c in concepts:
        visit(c.id, [])


def load_topic_vocabulary(source: Path | str | Mapping[str, Any]) -> TopicVocabulary:
    """A topic vocabulary from a TOML file (path) or its parsed content (dict), checked.

    Raises ``VocabularyError`` with one line naming the file, the concept and the field at
    fault: unknown or missing fields, ids that are not kebab-case or repeated, a broader or
    related id that does not exist, a cycle of broader concepts, a label or alt label of two
    concepts, a phrase listed twice, a weight outside [0, 1].
    """
    if isinstance(source, Mapping):
        name, data = "topic vocabulary", source
    else:
        path = Path(source)
        name = path.name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _fail(name, f"cannot read the topic vocabulary: {first}") from exc
    return _build(data, name)


def _build(data: Mapping[str, Any], name: str) -> TopicVocabulary:
    unknown = set(data) - {"scoring", "ignore", "concept"}
    if unknown:
        raise _fail(name, f"unknown table {sorted(unknown)[0]!r} (known: scoring, ignore, "
                          "concept)")
    weights = _weights(data, name)
    concepts = _concepts(data, name)
    ignore = data.get("ignore", {})
    if not isinstance(ignore, Mapping) or set(ignore) - {"phrases"}:
        raise _fail(name, "[ignore] must be a table with one field, 'phrases'")
    ignored = _strings(ignore.get("phrases", []), name, "[ignore], field 'phrases'")

    exact: dict[str, list[_Entry]] = {}  # by the key of a phrase as data writes it
    inflected: dict[str, list[_Entry]] = {}  # by the key of its inflected forms
    forms: set[str] = set()
    labels: dict[str, str] = {}  # key of a label or alt label -> its concept
    for c in concepts:
        own: set[str] = set()
        phrases: list[tuple[Kind, str]] = [("label", c.label), *(("alt", a) for a in c.alt),
                                           *(("trigger", t) for t in c.triggers)]
        for kind, phrase in phrases:
            key = _key(phrase)
            field = {"label": "label", "alt": "alt", "trigger": "triggers"}[kind]
            where = f"concept {c.id!r}, field {field!r}"
            if phrase.lower() in own:
                raise _fail(name, f"{where}: {phrase!r} is listed twice for this concept")
            own.add(phrase.lower())
            if kind != "trigger":
                if labels.get(key, c.id) != c.id:
                    raise _fail(name, f"{where}: {phrase!r} is already a label of concept "
                                      f"{labels[key]!r} (a label belongs to one concept)")
                labels[key] = c.id
            written, more = _written_forms(phrase)
            cased = (frozenset(_SEPARATORS.sub("", f) for f in written | more)
                     if _is_acronym(phrase) else None)
            entry = _Entry(c.id, kind, phrase, weights[kind], cased)
            # spelling variants written out ("by-catch", "bycatch") share a key: the first
            # (label, then alt labels, then triggers) speaks for the concept
            for table, fs in ((exact, written), (inflected, more)):
                for f in fs:
                    listed = table.setdefault(_key(f), [])
                    if all(e.concept != c.id for e in listed):
                        listed.append(entry)
            forms |= written | more
    for phrase in ignored:
        key = _key(phrase)
        if key in exact:
            raise _fail(name, f"[ignore], field 'phrases': {phrase!r} is a phrase of concept "
                              f"{exact[key][0].concept!r}")
        written, _ = _written_forms(phrase)
        for f in written:
            exact[_key(f)] = []
        forms |= written
    entries = {k: tuple(v) for k, v in inflected.items()}
    entries.update({k: tuple(v) for k, v in exact.items()})  # a phrase as written wins
    # the forms as the pattern finds them most often (lower case, single spaces), so that
    # most matches are looked up without computing their key: a key has no space or
    # hyphen, so a form that has one cannot be taken for another phrase's key
    entries.update({f: entries[_key(f)] for f in (" ".join(f.lower().split()) for f in forms)})
    body = _trie_pattern(forms)
    # Not inside a word, nor inside a document symbol ("UNEP/POPS/COP.8").
    source = rf"(?<![\w/])(?:{body})(?!\w)"
    return TopicVocabulary(
        concepts={c.id: c for c in concepts},
        source=source,
        entries=entries,
        repeat=weights["repeat"],
        inherited=weights["inherited"],
        bounded=_bounded(body, forms),
    )


def _bounded(body: str, forms: set[str]) -> re.Pattern[str] | None:
    r"""The phrases ``body`` after a character that is not a word character nor "/", as
    group 1: run on " " + text, its group-1 matches are exactly those of the pattern with
    the look-behind ``(?<![\w/])``, and sre jumps from one such character to the next
    instead of trying the look-behind at every position (1.5 times faster).

    Exact when every phrase starts with a word character: a match that consumed the
    character before it can only hide one starting right where the previous match ended,
    after that match's (?!\w), i.e. starting with a non-word character."""
    first = [_tokens(f)[0] for f in forms if _tokens(f)]
    if not all(len(t) == 1 and re.fullmatch(r"\w", t) for t in first):
        return None
    return re.compile(outside(r"\w/") + rf"((?:{body})(?!\w))")


@cache
def _compiled(source: str) -> re.Pattern[str]:
    """A pattern compiled once (compiling the topics' costs a tenth of a second)."""
    return re.compile(source)


@cache
def _anycase(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` ignoring case, compiled only for the rare text that needs it."""
    return re.compile(pattern.pattern, re.IGNORECASE)


@cache
def topic_vocabulary() -> TopicVocabulary:
    """The package's topic vocabulary (``data/topics.toml``), built once per process."""
    return _build(load_data("topics.toml"), "topics.toml")


def find_topics(text: str, start: int, end: int, vocab: TopicVocabulary | None = None,
                lower: str | None = None) -> list[Topic]:
    """The topics of ``text[start:end]``, best first (score descending, then id).

    Each phrase found is evidence for its concept(s) with weight w: 0.6 for a label or an
    alternative label, 0.3 for a trigger (the ``[scoring]`` of the data file); the k-th
    repeat of the same phrase weighs w * 0.5**k. A topic's score is
    ``1 - prod(1 - w_i)`` over its evidence: one label gives 0.6, a label and a trigger
    0.72, the same label twice 0.72, three distinct labels 0.936, so score grows with
    distinct evidence and saturates below 1. Broader concepts are not added (callers can
    roll up with ``TopicVocabulary.ancestors``). Triggers are reported as the vocabulary's
    phrase with the span where it stands in ``text``. ``lower``: ``text[start:end]``
    lower-cased, when the caller has it.
    """
    vocab = vocab or topic_vocabulary()
    chunk = text[start:end]
    if not chunk.isascii() and any(c in chunk for c in "\u2010\u2011\u2013\u2019"):
        chunk, lower = chunk.translate(_PLAIN), None
    lower = chunk.lower() if lower is None else lower
    if len(lower) == len(chunk) and vocab.bounded is not None:
        # group 1 after the space put before the text: offsets one less
        matches, group, shift = vocab.bounded.finditer(" " + lower), 1, start - 1
    else:
        # lower-casing changed offsets (rare letters): match the text as it is
        plain = vocab.pattern if len(lower) == len(chunk) else _anycase(vocab.pattern)
        matches = plain.finditer(lower if plain is vocab.pattern else chunk)
        group, shift = 0, start
    found: dict[str, list[tuple[_Entry, Span]]] = {}
    known = vocab.entries
    for m in matches:
        written = m.group(group)
        entries = known.get(written) or known.get(_key(written), ())
        if not entries:  # a phrase of the ignore list
            continue
        span = Span(m.start(group) + shift, m.end(group) + shift)
        for entry in entries:
            if entry.cased is None or _SEPARATORS.sub("", text[span.start:span.end]) in \
                    entry.cased:
                found.setdefault(entry.concept, []).append((entry, span))
    topics = []
    for concept, evidence in found.items():
        repeats: dict[str, int] = {}
        miss = 1.0
        for entry, _ in evidence:
            k = repeats.get(entry.phrase, 0)
            repeats[entry.phrase] = k + 1
            miss *= 1.0 - entry.weight * vocab.repeat ** k
        topics.append(Topic(concept, 1.0 - miss,
                            tuple(Mention(entry.phrase, span) for entry, span in evidence)))
    return sorted(topics, key=lambda t: (-t.score, t.id))


def inherit(own: list[Topic], parent: list[Topic], factor: float) -> list[Topic]:
    """A sub-paragraph's topics: its own merged with its parent's taken at ``factor``.

    "Encourages Parties to address invasive alien species through: (a) border controls"
    makes (a) about invasive alien species too, less surely than its parent: a parent topic
    of score p counts as evidence of weight ``factor * p``, so the merged score is
    ``1 - (1 - own) * (1 - factor * p)``. Triggers stay the sub-paragraph's own (spans in
    its text): a topic only inherited has none.
    """
    merged = {t.id: t for t in own}
    for t in parent:
        mine = merged.get(t.id)
        score = 1.0 - (1.0 - (mine.score if mine else 0.0)) * (1.0 - factor * t.score)
        merged[t.id] = Topic(t.id, score, mine.triggers if mine else ())
    return sorted(merged.values(), key=lambda t: (-t.score, t.id))
