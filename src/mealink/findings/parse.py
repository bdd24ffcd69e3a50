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

import json
import re

from mealink.errors import ParseError
from mealink.findings.lists import csv_header, list_kind, parse_csv, parse_json
from mealink.findings.rules import (
    Assessment,
    Finding,
    KnownAssessment,
    Rules,
    clean_finding,
    collapse,
    format_label,
    known_assessment,
    line_of,
    load_rules,
    make_assessment,
    one_line,
    title_from_name,
)
from mealink.load import DEFAULT_MAX_BYTES, load_bytes
from mealink.models import Source, Span

__all__ = ["findings_source", "looks_like_findings", "parse_findings"]

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def looks_like_findings(source: Source) -> bool:
    """Whether ``source`` is a findings text or list (cheap; used to route ingest).

    True for a JSON or CSV list of findings (raw text) and for a text with at least
    ``min_labels`` distinct labelled lines that names a marker ("Key messages", "IPBES" ...)
    or carries a bracketed confidence term. Resolutions and decisions have no such labels.
    """
    rules = load_rules()
    if list_kind(source.text, rules) is not None:
        return True
    text = source.text
    lower = text.lower()
    if not (any(m in lower for m in rules.markers) or rules.confidence.search(text)):
        return False
    seen: set[str] = set()
    for m in rules.label.finditer(text):
        seen.add(format_label(m, rules))
        if len(seen) >= rules.min_labels:
            return True
    return False


def parse_findings(source: Source) -> Assessment:
    """The assessment and findings of a key-messages text or a JSON/CSV list (raw text);
    raise ``ParseError`` naming the input and the place when it is malformed."""
    rules = load_rules()
    text = source.text
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError) as exc:
            if source.format == "json" and rules.label.search(text) is None:
                raise ParseError(f"is not valid JSON ({one_line(exc)}); fix it or give the "
                                 "findings as a text", source=source.name) from None
        else:
            return parse_json(source, obj, rules)
    header = csv_header(text, rules)
    if header is not None:
        return parse_csv(source, header, rules)
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
        kind = list_kind(text, load_rules()) if text.strip() else None
        if kind is not None:
            return Source(name=name, format=kind, text=text)
    return load_bytes(data, name, max_bytes=max_bytes)




# --- key-messages text ---------------------------------------------------------------------
def _parse_text(source: Source, rules: Rules) -> Assessment:
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
            headings[m["letter"]] = collapse(text[m.start("title"):
                                                   blank.start() if blank else bound])
            continue
        label = format_label(m, rules)
        if label in offsets:
            first_line, line = line_of(text, offsets[label]), line_of(text, m.start())
            raise ParseError(f"finding {label} appears twice (lines {first_line} and {line}); "
                             "give each finding once",
                             source=name)
        offsets[label] = m.start()
        # Never empty: the label pattern needs a letter or quote after the label.
        body, confidence = clean_finding(text[m.end():bound], rules)
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
    return make_assessment(source, title, body_id, year, symbol[0] if symbol else None, findings)


def _title(header: str, name: str, rules: Rules) -> tuple[KnownAssessment | None, str]:
    """The assessment named in the header paragraphs, and its title (file name at worst)."""
    for block in _BLANK_LINE.split(header):
        m = rules.title.search(collapse(block))
        if m:
            title = m["title"][0].upper() + m["title"][1:]
            return known_assessment(title), title
    known = known_assessment(header)
    if known is not None:
        return known, known.title
    return None, title_from_name(name)


def _first_year(text: str, rules: Rules) -> int | None:
    m = rules.year.search(text)
    return int(m[0]) if m else None


