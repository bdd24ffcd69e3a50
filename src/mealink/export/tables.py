"""Tables of the stored corpus (documents, paragraphs, mandates, references) as CSV or XLSX:
one row per item under its stable id, read as a stream in batches so memory does not grow
with the corpus, and no cell a spreadsheet would run as a formula.

CSV is text; its encoding is the caller's file (the CLI opens it with ``encoding="utf-8"``
and ``newline=""``). Booleans are written true/false, dates ISO, None as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Connection, func, select

from mealink.choices import EXPORT_TABLES as TABLES
from mealink.errors import MealinkError
from mealink.reports.tables import safe_cell
from mealink.reports.tables import write_xlsx as write_sheets
from mealink.store.engine.database import Store
from mealink.store.engine.schema import (
    ActorRow,
    CitationRow,
    DocumentRow,
    MandateRow,
    ParagraphRow,
    ParagraphTopicRow,
)

__all__ = ["TABLES", "csv_chunks", "iter_rows", "table_columns", "write_csv", "write_xlsx"]

#: Rows fetched per round trip, and paragraphs whose actors and topics are read at once.
BATCH = 2000

_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("id", "label", "symbol", "convention", "type", "number", "revision", "title",
                  "adopted_at", "adopted_on", "meeting", "language", "expression_of", "status",
                  "status_by", "in_force", "paragraphs"),
    "paragraphs": ("id", "document_id", "seq", "kind", "number", "parent_id", "depth", "lead",
                   "verb", "actors", "deadline", "condition", "topics", "in_force", "aligned_to",
                   "text"),
    "mandates": ("id", "document_id", "paragraph_id", "convention", "document_label",
                 "paragraph_number", "actor", "written", "role", "verb", "strength", "action",
                 "deadline", "deadline_on", "condition", "reporting_to", "time_bound",
                 "derived_status", "status", "in_force"),
    "references": ("id", "document_id", "paragraph_id", "written", "type", "identifier",
                   "relation", "target_key", "target_id", "target_label", "paragraphs",
                   "in_footnote"),
}

_WIDTHS = {"id": 40, "paragraph_id": 40, "title": 50, "text": 80, "action": 60,
           "written": 40, "document_label": 30, "target_label": 30}

Reader = Callable[[Connection, list[str] | None], Iterator[dict[str, Any]]]


def table_columns(table: str) -> tuple[str, ...]:
    """The columns of ``table``, in order; a MealinkError naming the tables if it is unknown."""
    try:
        return _COLUMNS[table]
    except (KeyError, TypeError):
        raise MealinkError(f"unknown table {table!r}; the tables are: "
                            f"{', '.join(TABLES)}") from None


def _joined(values: Sequence[Any]) -> str:
    """A list as one cell: its items joined by "; "."""
    return "; ".join(str(v) for v in values)


def _documents(conn: Connection, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """Stored documents (not stubs) by id, each with its number of paragraphs."""
    counts = select(ParagraphRow.document_id, func.count().label("n")).group_by(
        ParagraphRow.document_id)
    query = select(*(getattr(DocumentRow, c) for c in _COLUMNS["documents"][:-1]))
    if ids is not None:
        counts = counts.where(ParagraphRow.document_id.in_(ids))
        query = query.where(DocumentRow.id.in_(ids))
    sub = counts.subquery()
    query = (query.add_columns(func.coalesce(sub.c.n, 0).label("paragraphs"))
             .outerjoin(sub, sub.c.document_id == DocumentRow.id)
             .where(~DocumentRow.is_stub).order_by(DocumentRow.id))
    for row in conn.execute(query):
        yield dict(row._mapping)


def _paragraphs(conn: Connection, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """Paragraphs by document and place; actors and topics read once per batch."""
    plain = [c for c in _COLUMNS["paragraphs"] if c not in ("actors", "topics")]
    query = select(ParagraphRow.pk, *(getattr(ParagraphRow, c) for c in plain)).order_by(
        ParagraphRow.document_id, ParagraphRow.seq, ParagraphRow.pk)
    if ids is not None:
        query = query.where(ParagraphRow.document_id.in_(ids))
    for batch in conn.execute(query).partitions():
        pks = [r.pk for r in batch]
        actors: dict[int, list[str]] = defaultdict(list)
        for a in conn.execute(select(ActorRow.paragraph_pk, func.coalesce(
                ActorRow.canonical, ActorRow.name).label("actor"))
                .where(ActorRow.paragraph_pk.in_(pks)).order_by(ActorRow.pk)):
            if a.actor not in actors[a.paragraph_pk]:
                actors[a.paragraph_pk].append(a.actor)
        topics: dict[int, list[str]] = defaultdict(list)
        for t in conn.execute(select(ParagraphTopicRow.paragraph_pk, ParagraphTopicRow.topic_id)
                              .where(ParagraphTopicRow.paragraph_pk.in_(pks))
                              .order_by(ParagraphTopicRow.paragraph_pk,
                                        ParagraphTopicRow.score.desc(),
                                        ParagraphTopicRow.topic_id)):
            topics[t.paragraph_pk].append(t.topic_id)
        for r in batch:
            values = r._mapping
            yield {c: (_joined(actors.get(r.pk, ())) if c == "actors" else
                       _joined(topics.get(r.pk, ())) if c == "topics" else values[c])
                   for c in _COLUMNS["paragraphs"]}


def _mandates(conn: Connection, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """Mandates by document and place, with the bodies they report to as one cell."""
    query = select(*(getattr(MandateRow, c) for c in _COLUMNS["mandates"])).order_by(
        MandateRow.document_id, MandateRow.seq, MandateRow.id)
    if ids is not None:
        query = query.where(MandateRow.document_id.in_(ids))
    for row in conn.execute(query):
        values = dict(row._mapping)
        values["reporting_to"] = _joined(values["reporting_to"] or ())
        yield values


def _references(conn: Connection, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """References by document, paragraph and place, numbered 1.. within their paragraph."""
    fields = [getattr(CitationRow, c) for c in _COLUMNS["references"]
              if c not in ("id", "paragraph_id")]
    query = (select(ParagraphRow.id.label("paragraph_id"), *fields)
             .join(ParagraphRow, ParagraphRow.pk == CitationRow.paragraph_pk)
             .order_by(CitationRow.document_id, ParagraphRow.seq, ParagraphRow.pk,
                       CitationRow.start, CitationRow.pk))
    if ids is not None:
        query = query.where(CitationRow.document_id.in_(ids))
    paragraph, n = None, 0
    for row in conn.execute(query):
        values = dict(row._mapping)
        n = n + 1 if values["paragraph_id"] == paragraph else 1
        paragraph = values["paragraph_id"]
        scope = values["paragraphs"]
        values["paragraphs"] = _joined(json.loads(scope)) if scope else None
        values["id"] = f"{paragraph}#ref_{n}"
        yield {c: values[c] for c in _COLUMNS["references"]}


_READERS: dict[str, Reader] = {"documents": _documents, "paragraphs": _paragraphs,
                               "mandates": _mandates, "references": _references}


def _stream(store: Store, table: str, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """The rows of ``table`` from one connection reading in batches (server-side on
    PostgreSQL)."""
    with store.engine.connect() as conn:
        conn = conn.execution_options(stream_results=True, yield_per=BATCH)
        yield from _READERS[table](conn, ids)


def iter_rows(store: Store, table: str, document_ids: Sequence[str] | None = None
              ) -> Iterator[dict[str, Any]]:
    """The rows of ``table`` (of ``document_ids`` only, if given) as dicts in column order."""
    table_columns(table)  # an unknown table fails here, not at the first row
    ids = None if document_ids is None else list(document_ids)
    return _stream(store, table, ids)


def _csv_cell(value: Any) -> Any:
    """A value as CSV text: true/false, ISO dates, empty for None, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def csv_chunks(store: Store, table: str, document_ids: Sequence[str] | None = None,
               size: int = 65536, counter: list[int] | None = None) -> Iterator[str]:
    """``table`` as CSV text (header first), in pieces of about ``size`` characters, for a
    file or a streamed HTTP response; ``counter[0]`` counts the rows when given."""
    columns = table_columns(table)
    rows = iter_rows(store, table, document_ids)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
        if counter is not None:
            counter[0] += 1
        if buf.tell() >= size:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def write_csv(store: Store, table: str, out: TextIO,
              document_ids: Sequence[str] | None = None) -> int:
    """Write ``table`` as CSV to ``out`` (header first); the number of rows written."""
    counter = [0]
    for chunk in csv_chunks(store, table, document_ids, counter=counter):
        out.write(chunk)
    return counter[0]


def write_xlsx(store: Store, path: str | Path, tables: Sequence[str] = TABLES,
               document_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Write ``tables`` to ``path`` as one XLSX sheet each; the number of rows per sheet."""
    names = list(dict.fromkeys(tables))
    for name in names:
        table_columns(name)  # every name checked before the file is written
    counts = dict.fromkeys(names, 0)

    def counted(table: str) -> Iterator[dict[str, Any]]:
        """The table's rows, counted, without characters XML cannot hold."""
        for row in iter_rows(store, table, document_ids):
            counts[table] += 1
            yield {k: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                   for k, v in row.items()}

    write_sheets(path, [(name, table_columns(name), counted(name)) for name in names],
                 widths=_WIDTHS)
    return counts
