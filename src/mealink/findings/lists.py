"""Findings given as a list, as raw text: JSON (``{"assessment": {...}, "findings": [...]}``
or a bare list) and CSV (a header row naming a label and a text column); spans point at each
text value as written in the JSON string or CSV field."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mealink.errors import ParseError
from mealink.findings.rules import (
    Assessment,
    Finding,
    Rules,
    clean_finding,
    collapse,
    known_assessment,
    line_of,
    make_assessment,
    normalise_label,
    one_line,
    title_from_name,
)
from mealink.models import Source, Span

_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_NEWLINE = re.compile("\n")
_NON_SPACE = re.compile(r"\S")


# --- JSON list -----------------------------------------------------------------------------
def parse_json(source: Source, obj: Any, rules: Rules) -> Assessment:
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


def csv_header(text: str, rules: Rules) -> _CsvHeader | None:
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


def parse_csv(source: Source, header: _CsvHeader, rules: Rules) -> Assessment:
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
        raise ParseError(f"line {line_of(text, header.start) + reader.line_num - 1} is not "
                         f"readable CSV ({one_line(exc)})", source=name) from None
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
               year: int | None, symbol: str | None, rules: Rules) -> Assessment:
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
        written = collapse(label)
        normal = normalise_label(written)
        key = normal or written
        if key in numbers:
            raise ParseError(f"finding {i} repeats label {key} (finding {numbers[key]}); give "
                             "each finding once", source=name)
        numbers[key] = i
        if not isinstance(raw, str):
            raise ParseError(f"finding {i} ({key}) has no text", source=name)
        text, confidence = clean_finding(raw, rules)
        if not text:
            raise ParseError(f"finding {i} ({key}) has no text", source=name)
        if isinstance(entry.confidence, str) and entry.confidence.strip():
            confidence = collapse(entry.confidence)
        section = normal.split(".", 1)[0] if normal else None
        findings.append(Finding(key, text, entry.span, section,
                                collapse(heading) if isinstance(heading, str) and
                                heading.strip() else None, written, confidence))
    title = collapse(title) if title else title_from_name(name)
    known = known_assessment(title)
    if year is None and known is not None:
        year = known.year
    body = collapse(body) if body and body.strip() else rules.bodies[0][0]
    return make_assessment(source, title, body, year, symbol.strip() if symbol else None, findings)




def list_kind(text: str, rules: Rules) -> str | None:
    """"json" or "csv" when ``text`` is the raw text of a list of findings, else None."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):
            return None
        return "json" if _is_findings_json(obj, rules) else None
    return "csv" if csv_header(text, rules) is not None else None


def _is_findings_json(obj: Any, rules: Rules) -> bool:
    """An object with a "findings" list, or a non-empty list of objects with a label."""
    if isinstance(obj, dict):
        return isinstance(_get(obj, rules.keys["findings"]), list)
    return isinstance(obj, list) and bool(obj) and all(
        isinstance(item, dict) and _get(item, rules.keys["label"]) is not None for item in obj)


def _get(obj: dict[str, Any], keys: Sequence[str]) -> Any:
    """The value of the first of ``keys`` present in ``obj`` (None if none is)."""
    return next((obj[k] for k in keys if k in obj), None)


