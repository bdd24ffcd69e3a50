"""Parse assessment findings into an ``Assessment`` of ``Finding``s.

Three shapes of ``Source.text`` are read (``parse_findings`` tells them apart by content):

- a key-messages text as ``mealink.load`` returns it, e.g. an IPBES summary for
  policymakers: a header naming the assessment, section headings ("A. Status and trends
  ..."), and findings that open a line with a label ("A1", "B.3", "C 2", "- D1") and run to
  the next label, section heading or appendix;
- a JSON list, as raw JSON text: ``{"assessment": {"title": ..., "body": "IPBES", "year":
  2023, "symbol": "IPBES/10/12/Add.1"}, "findings": [{"label": "B.3", "text": ...}]}``, or
  a bare list of such findings;
- a CSV list, as raw CSV text: a header row naming a label and a text column, one finding
  per row.

Lists must reach the parser as raw text: the loader keeps only the "text" fields of JSON (it
refuses the first shape and would drop the labels of a bare list) and repairs CSV as if it
were prose. ``findings_source(data, name)`` builds such a ``Source`` for a list and calls
``mealink.load.load_bytes`` for anything else, so ingest can route every file through it.

In a finding's ``text`` whitespace is collapsed and the brackets IPBES adds are removed:
confidence terms ("{well established}", "(unresolved)"; the first one is kept as
``confidence``) and chapter references ("{2.1, 3.4}"). Labels are normalised to one form
("B3", "B 3", "B.3" -> "B.3"); ``written`` keeps the label as written. Spans point into
``Source.text``: for a text, from the label to the end of the finding; for a list, at the
text value as written in the JSON string or CSV field.

Identifiers (``assessment_id``): ``"{body}/{year}/{slug}"`` in lower case, e.g.
"ipbes/2023/invasive-alien-species", with ``undated`` for an unknown year. The slug is that
of the first assessment of ``data/findings.toml`` one of whose names occurs in the title;
otherwise the title's subject (what follows "assessment (report) on|of", else the whole
title) folded to ASCII and lower case, without stop words, at most ``slug_words`` words
joined by "-".

What the rules know (label and heading patterns, markers, confidence terms, known
assessments) is in ``data/findings.toml``. Pure functions, like ``parse``; unlike ``parse``
they raise ``ParseError`` (one line naming the input and the place) on malformed input.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from mealink.errors import ParseError, VocabularyError
from mealink.load import DEFAULT_MAX_BYTES, load_bytes
from mealink.models import Source, Span
from mealink.vocabulary import alternation, fold_accents, load_data

__all__ = ["Assessment", "Finding", "KnownAssessment", "assessment_id", "findings_source",
           "known_assessment", "looks_like_findings", "normalise_label", "parse_findings"]

_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"‘'(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "approx.", "no.", "fig.", "vs.")
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_NEWLINE = re.compile("\n")
_NON_SPACE = re.compile(r"\S")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Finding:
    """One labelled finding (key message) of an assessment.

    ``label`` is normalised ("B.3"), ``written`` as in the source ("B3"); ``section`` is the
    label's section letter ("B") and ``heading`` that section's heading, when known;
    ``text`` is the statement and its explanation, whitespace collapsed, without confidence
    brackets and chapter references; ``confidence`` the first confidence term given.
    """

    label: str
    text: str
    span: Span
    section: str | None
    heading: str | None
    written: str = ""
    confidence: str | None = None

    @property
    def statement(self) -> str:
        """The first sentence of ``text``: the finding's headline statement."""
        for m in _SENTENCE_BREAK.finditer(self.text):
            before = self.text[:m.start()].rsplit(" ", 1)[-1].lower()
            if before not in _ABBREVIATIONS:
                return self.text[:m.start()]
        return self.text


@dataclass(frozen=True, slots=True)
class Assessment:
    """An assessment (report) and its findings, as read from one source.

    ``id`` is ``assessment_id(body, year, title)``; ``source`` the input's name and ``text``
    its text; ``topics`` the words ``data/findings.toml`` gives for a known assessment.
    """

    id: str
    title: str
    body: str
    year: int | None
    symbol: str | None
    source: str
    text: str
    findings: tuple[Finding, ...]
    topics: tuple[str, ...] = ()

    def finding(self, label: str) -> Finding | None:
        """The finding with this label, written in any of the usual forms ("B3", "B.3")."""
        wanted = normalise_label(label) or " ".join(label.split())
        return next((f for f in self.findings if f.label == wanted), None)


@dataclass(frozen=True, slots=True)
class KnownAssessment:
    """An assessment listed in ``data/findings.toml``."""

    slug: str
    title: str
    year: int | None
    names: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    """``data/findings.toml`` with its patterns compiled."""

    min_labels: int
    markers: tuple[str, ...]  # lower case
    label: re.Pattern[str]  # at the start of a line
    label_alone: re.Pattern[str]  # a label given by itself (lists)
    label_format: str
    section: re.Pattern[str]
    end: re.Pattern[str]
    confidence: re.Pattern[str]  # a bracketed term, group `term`
    terms: dict[str, str]  # collapsed lower case -> as in the data file
    reference: re.Pattern[str]
    title: re.Pattern[str]
    symbol: re.Pattern[str]
    year: re.Pattern[str]
    stop_words: frozenset[str]
    slug_words: int
    keys: dict[str, tuple[str, ...]]  # JSON keys / CSV columns by field
    delimiters: tuple[str, ...]
    bodies: tuple[tuple[str, tuple[str, ...]], ...]
    assessments: tuple[KnownAssessment, ...]


@cache
def _rules() -> _Rules:
    data = load_data("findings.toml")
    try:
        labels, conf, meta, lists = data["labels"], data["confidence"], data["metadata"], \
            data["lists"]
        line = re.ASCII | re.MULTILINE
        terms = {" ".join(t.lower().split()): t for t in conf["terms"]}
        return _Rules(
            min_labels=int(data["detect"]["min_labels"]),
            markers=tuple(m.lower() for m in data["detect"]["markers"]),
            label=re.compile(rf"^[ \t]*(?:(?:{labels['bullet']})[ \t]+)?"
                             rf"(?P<written>{labels['written']}){labels['after']}", line),
            label_alone=re.compile(rf"{labels['written']}[.:)]?", re.ASCII),
            label_format=labels["format"],
            section=re.compile(labels["section"], line),
            end=re.compile(labels["end"], line),
            confidence=re.compile(rf"[{{(]\s*(?P<term>{alternation(list(terms))})\s*[}})]",
                                  re.IGNORECASE),
            terms=terms,
            reference=re.compile(conf["reference"]),
            title=re.compile(meta["title"], re.IGNORECASE),
            symbol=re.compile(meta["symbol"]),
            year=re.compile(meta["year"], re.ASCII),
            stop_words=frozenset(meta["slug_stop_words"]),
            slug_words=int(meta["slug_words"]),
            keys={k: tuple(v) for k, v in lists.items() if k != "csv_delimiters"},
            delimiters=tuple(lists["csv_delimiters"]),
            bodies=tuple((b["id"], tuple(b["names"])) for b in data["body"]),
            assessments=tuple(
                KnownAssessment(a["slug"], a["title"], a.get("year"),
                                tuple(n.lower() for n in a["names"]), tuple(a["topics"]))
                for a in data["assessment"]),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise VocabularyError(f"findings.toml is malformed: {exc!r}") from exc


# --- public API ---------------------------------------------------------------------------
def looks_like_findings(source: Source) -> bool:
    """Whether ``source`` is a findings text or list (cheap; used to route ingest).

    True for a JSON or CSV list of findings (raw text) and for a text with at least
    ``min_labels`` distinct labelled lines that names a marker ("Key messages", "IPBES" ...)
    or carries a bracketed confidence term. Resolutions and decisions have no such labels.
    """
    rules = _rules()
    if _list_kind(source.text, rules) is not None:
        return True
    text = source.text
    lower = text.lower()
    if not (any(m in lower for m in rules.markers) or rules.confidence.search(text)):
        return False
    seen: set[str] = set()
    for m in rules.label.finditer(text):
        seen.add(_format_label(m, rules))
        if len(seen) >= rules.min_labels:
            return True
    return False


def parse_findings(source: Source) -> Assessment:
    """The assessment and findings of a key-messages text or a JSON/CSV list (raw text);
    raise ``ParseError`` naming the input and the place when it is malformed."""
    rules = _rules()
    text = source.text
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError) as exc:
            if source.format == "json" and rules.label.search(text) is None:
                raise ParseError(f"is not valid JSON ({_one_line(exc)}); fix it or give the "
                                 "findings as a text", source=source.name) from None
        else:
            return _parse_json(source, obj, rules)
    header = _csv_header(text, rules)
    if header is not None:
        return _parse_csv(source, header, rules)
    return _parse_text(source, rules)


def findings_source(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """A ``Source`` for ``parse_findings``: the raw text of a JSON or CSV list of findings
    (format "json" or "csv"), else whatever ``load_bytes`` makes of the bytes."""
    if len(data) <= max_bytes:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = ""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        kind = _list_kind(text, _rules()) if text.strip() else None
        if kind is not None:
            return Source(name=name, format=kind, text=text)
    return load_bytes(data, name, max_bytes=max_bytes)


def normalise_label(written: str) -> str | None:
    """The one form of a finding label ("B3", "b 3", "B.03." -> "B.3"); None if it is none."""
    rules = _rules()
    m = rules.label_alone.fullmatch(" ".join(written.split()).upper())
    return _format_label(m, rules) if m else None


def known_assessment(title: str) -> KnownAssessment | None:
    """The assessment of ``data/findings.toml`` one of whose names occurs in ``title``."""
    lower = " ".join(title.lower().split())
    return next((a for a in _rules().assessments if any(n in lower for n in a.names)), None)


def assessment_id(body: str, year: int | None, title: str) -> str:
    """``"{body}/{year}/{slug}"``, e.g. "ipbes/2023/invasive-alien-species" (module doc)."""
    rules = _rules()
    known = known_assessment(title)
    if known is not None:
        slug = known.slug
    else:
        m = rules.title.search(" ".join(title.split()))
        slug = _slug(m["subject"] if m else title, rules.stop_words, rules.slug_words)
    body_slug = _slug(body, frozenset(), 8) or "unknown"
    return f"{body_slug}/{year if year is not None else 'undated'}/{slug or 'untitled'}"


# --- key-messages text ---------------------------------------------------------------------
def _parse_text(source: Source, rules: _Rules) -> Assessment:
    text, name = source.text, source.name
    labels = list(rules.label.finditer(text))
    if not labels:
        raise ParseError("holds no labelled findings (lines opening with a label such as "
                         "'A1' or 'B.3' followed by the finding)", source=name)
    first = labels[0].start()
    end = rules.end.search(text, first)
    stop = end.start() if end else len(text)
    sections = list(rules.section.finditer(text, 0, stop))
    start = min([first] + [m.start() for m in sections if m.start() < first])
    sections = [m for m in sections if m.start() >= start]
    events = sorted([("label", m) for m in labels if m.start() < stop]
                    + [("section", m) for m in sections], key=lambda e: e[1].start())
    bounds = [m.start() for _, m in events[1:]] + [stop]
    headings: dict[str, str] = {}
    findings: list[Finding] = []
    offsets: dict[str, int] = {}
    for (kind, m), bound in zip(events, bounds, strict=True):
        if kind == "section":
            blank = _BLANK_LINE.search(text, m.start("title"), bound)
            headings[m["letter"]] = _collapse(text[m.start("title"):
                                                   blank.start() if blank else bound])
            continue
        label = _format_label(m, rules)
        if label in offsets:
            raise ParseError(f"finding {label} appears twice (lines {_line(text, offsets[label])} "
                             f"and {_line(text, m.start())}); give each finding once",
                             source=name)
        offsets[label] = m.start()
        # Never empty: the label pattern needs a letter or quote after the label.
        body, confidence = _clean(text[m.end():bound], rules)
        last = bound
        while last > m.end() and text[last - 1].isspace():
            last -= 1
        findings.append(Finding(label, body, Span(m.start("written"), last),
                                m["letter"], headings.get(m["letter"]), m["written"],
                                confidence))
    header = text[:start]
    known, title = _title(header, name, rules)
    body_id = next((b for b, names in rules.bodies if any(n in header for n in names)),
                   rules.bodies[0][0])
    year = known.year if known and known.year else _first_year(header, rules)
    symbol = rules.symbol.search(header)
    return _assessment(source, title, body_id, year, symbol[0] if symbol else None, findings)


def _title(header: str, name: str, rules: _Rules) -> tuple[KnownAssessment | None, str]:
    """The assessment named in the header paragraphs, and its title (file name at worst)."""
    for block in _BLANK_LINE.split(header):
        m = rules.title.search(_collapse(block))
        if m:
            title = m["title"][0].upper() + m["title"][1:]
            return known_assessment(title), title
    known = known_assessment(header)
    if known is not None:
        return known, known.title
    return None, _title_from_name(name)


def _first_year(text: str, rules: _Rules) -> int | None:
    m = rules.year.search(text)
    return int(m[0]) if m else None


# --- JSON list -----------------------------------------------------------------------------
def _parse_json(source: Source, obj: Any, rules: _Rules) -> Assessment:
    name, keys = source.name, rules.keys
    meta: Any = {}
    if isinstance(obj, dict):
        items = _get(obj, keys["findings"])
        if items is None:
            raise ParseError("is JSON but has no 'findings' list; give {\"assessment\": {...}, "
                             "\"findings\": [{\"label\": ..., \"text\": ...}]}", source=name)
        meta = _get(obj, keys["assessment"])
        if meta is not None and not isinstance(meta, dict):
            raise ParseError("'assessment' is not an object with title, body, year and symbol",
                             source=name)
    elif isinstance(obj, list):
        items = obj
    else:
        raise ParseError("is JSON but not a list of findings", source=name)
    if not isinstance(items, list) or not items:
        raise ParseError("has no findings: 'findings' must be a non-empty list", source=name)
    tokens = _json_strings(source.text)
    found: list[_Entry] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ParseError(f"finding {i} is not an object with 'label' and 'text'",
                             source=name)
        label, text = _get(item, keys["label"]), _get(item, keys["text"])
        span = _json_span(tokens, keys["text"], text)
        found.append(_Entry(i, label, text, span, _get(item, keys["confidence"]),
                            _get(item, keys["heading"])))
    meta = meta or {}
    title = meta.get("title")
    if meta and not (isinstance(title, str) and title.strip()):
        raise ParseError("'assessment' has no 'title'", source=name)
    body, symbol = meta.get("body"), meta.get("symbol")
    for key, value in (("body", body), ("symbol", symbol)):
        if value is not None and not isinstance(value, str):
            raise ParseError(f"assessment {key} {value!r} is not a string", source=name)
    return _from_list(source, found, title, body, _json_year(meta.get("year"), name),
                      symbol, rules)


def _json_year(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
        return value
    if isinstance(value, str) and re.fullmatch(r"(?:19|20)\d\d", value.strip(), re.ASCII):
        return int(value)
    raise ParseError(f"assessment year {value!r} is not a year such as 2023", source=name)


def _json_strings(text: str) -> list[tuple[str | None, Span]]:
    """Every string token of a valid JSON text: its value and the span of its content."""
    tokens: list[tuple[str | None, Span]] = []
    for m in _JSON_STRING.finditer(text):
        try:
            value: str | None = json.loads(m[0])
        except ValueError:
            value = None
        tokens.append((value, Span(m.start(1), m.end(1))))
    return tokens


def _json_span(tokens: list[tuple[str | None, Span]], text_keys: Sequence[str],
               value: Any) -> Span:
    """The span of the first string ``value`` given as a text key's value (consumed)."""
    if isinstance(value, str):
        for n in range(1, len(tokens)):
            if tokens[n][0] == value and tokens[n - 1][0] in text_keys:
                span = tokens[n][1]
                del tokens[:n + 1]
                return span
    return Span(0, 0)


# --- CSV list ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _CsvHeader:
    start: int  # offset of the header line
    delimiter: str
    columns: dict[str, int]  # field -> column index


def _csv_header(text: str, rules: _Rules) -> _CsvHeader | None:
    """The header row of a CSV list of findings (first non-blank line), if it is one."""
    first = _NON_SPACE.search(text)
    start = text.rfind("\n", 0, first.start() if first else len(text)) + 1
    newline = text.find("\n", start)
    line = text[start:newline if newline >= 0 else len(text)]
    for delimiter in rules.delimiters:
        if delimiter not in line:
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        names = [" ".join(c.split()).lower() for c in cells]
        columns: dict[str, int] = {}
        for field in ("label", "text", "confidence", "heading"):
            key = next((k for k in rules.keys[field] if k in names), None)
            if key is not None:
                columns[field] = names.index(key)
        if "label" in columns and "text" in columns:
            return _CsvHeader(start, delimiter, columns)
    return None


def _parse_csv(source: Source, header: _CsvHeader, rules: _Rules) -> Assessment:
    text, name = source.text, source.name
    line_starts = [header.start] + [m.end() for m in _NEWLINE.finditer(text, header.start)]

    def line_start(k: int) -> int:
        return line_starts[k] if k < len(line_starts) else len(text)

    reader = csv.reader(io.StringIO(text[header.start:], newline=""),
                        delimiter=header.delimiter, strict=True)
    found: list[_Entry] = []
    try:
        next(reader)
        before = reader.line_num
        for row in reader:
            first, after = before, reader.line_num
            before = after
            if not any(cell.strip() for cell in row):
                continue
            cells = {f: row[i] if i < len(row) else None for f, i in header.columns.items()}
            record = Span(line_start(first), line_start(after))
            found.append(_Entry(len(found) + 1, cells["label"] or None, cells["text"] or None,
                                _field_span(text, record, cells["text"]),
                                cells.get("confidence"), cells.get("heading")))
    except csv.Error as exc:
        raise ParseError(f"line {_line(text, header.start) + reader.line_num - 1} is not "
                         f"readable CSV ({_one_line(exc)})", source=name) from None
    if not found:
        raise ParseError("has a header row but no findings", source=name)
    return _from_list(source, found, None, None, None, None, rules)


def _field_span(text: str, record: Span, value: str | None) -> Span:
    """Where a CSV field's value is written inside its record (the record if not found)."""
    chunk = text[record.start:record.end]
    for written in (value, value.replace('"', '""')) if value else ():
        at = chunk.find(written)
        if at >= 0:
            return Span(record.start + at, record.start + at + len(written))
    return Span(record.start, record.start + len(chunk.rstrip()))


# --- shared --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Entry:
    """One finding of a JSON or CSV list as given, before it is checked."""

    number: int  # 1-based position in the list
    label: Any
    text: Any
    span: Span
    confidence: Any
    heading: Any


def _from_list(source: Source, found: list[_Entry], title: str | None, body: str | None,
               year: int | None, symbol: str | None, rules: _Rules) -> Assessment:
    """An assessment from the entries of a list, checked one by one."""
    name = source.name
    findings: list[Finding] = []
    numbers: dict[str, int] = {}
    for entry in found:
        i, label, raw, heading = entry.number, entry.label, entry.text, entry.heading
        if isinstance(label, int) and not isinstance(label, bool):
            label = str(label)
        if not isinstance(label, str) or not label.strip():
            raise ParseError(f"finding {i} has no label", source=name)
        written = _collapse(label)
        normal = normalise_label(written)
        key = normal or written
        if key in numbers:
            raise ParseError(f"finding {i} repeats label {key} (finding {numbers[key]}); give "
                             "each finding once", source=name)
        numbers[key] = i
        if not isinstance(raw, str):
            raise ParseError(f"finding {i} ({key}) has no text", source=name)
        text, confidence = _clean(raw, rules)
        if not text:
            raise ParseError(f"finding {i} ({key}) has no text", source=name)
        if isinstance(entry.confidence, str) and entry.confidence.strip():
            confidence = _collapse(entry.confidence)
        section = normal.split(".", 1)[0] if normal else None
        findings.append(Finding(key, text, entry.span, section,
                                _collapse(heading) if isinstance(heading, str) and
                                heading.strip() else None, written, confidence))
    title = _collapse(title) if title else _title_from_name(name)
    known = known_assessment(title)
    if year is None and known is not None:
        year = known.year
    body = _collapse(body) if body and body.strip() else rules.bodies[0][0]
    return _assessment(source, title, body, year, symbol.strip() if symbol else None, findings)


def _assessment(source: Source, title: str, body: str, year: int | None, symbol: str | None,
                findings: list[Finding]) -> Assessment:
    known = known_assessment(title)
    return Assessment(assessment_id(body, year, title), title, body, year, symbol or None,
                      source.name, source.text, tuple(findings),
                      known.topics if known else ())


def _list_kind(text: str, rules: _Rules) -> str | None:
    """"json" or "csv" when ``text`` is the raw text of a list of findings, else None."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):
            return None
        return "json" if _is_findings_json(obj, rules) else None
    return "csv" if _csv_header(text, rules) is not None else None


def _is_findings_json(obj: Any, rules: _Rules) -> bool:
    """An object with a "findings" list, or a non-empty list of objects with a label."""
    if isinstance(obj, dict):
        return isinstance(_get(obj, rules.keys["findings"]), list)
    return isinstance(obj, list) and bool(obj) and all(
        isinstance(item, dict) and _get(item, rules.keys["label"]) is not None for item in obj)


def _get(obj: dict[str, Any], keys: Sequence[str]) -> Any:
    """The value of the first of ``keys`` present in ``obj`` (None if none is)."""
    return next((obj[k] for k in keys if k in obj), None)


def _clean(raw: str, rules: _Rules) -> tuple[str, str | None]:
    """A finding's text without confidence brackets and chapter references, and the first
    confidence term found."""
    m = rules.confidence.search(raw)
    confidence = rules.terms[" ".join(m["term"].lower().split())] if m else None
    raw = rules.reference.sub(" ", rules.confidence.sub(" ", raw))
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _collapse(raw)), confidence


def _format_label(m: re.Match[str], rules: _Rules) -> str:
    return rules.label_format.format(letter=m["letter"], number=int(m["number"]))


def _slug(text: str, stop_words: frozenset[str], limit: int) -> str:
    words = (w for w in _WORD.findall(fold_accents(text).lower()) if w not in stop_words)
    return "-".join(list(words)[:limit])


def _title_from_name(name: str) -> str:
    stem = PurePath(name).stem.replace("_", " ").replace("-", " ")
    return _collapse(stem) or "Untitled assessment"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__

