"""Table exports (CSV and XLSX) of the stored corpus, on SQLite and on PostgreSQL: one row
per item, stable ids, UTF-8, counts that match the database, and no cell a spreadsheet
would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from mealink.errors import MealinkError
from mealink.export import tables
from mealink.export.tables import TABLES, iter_rows, table_columns, write_csv, write_xlsx
from mealink.reports.tables import safe_cell
from mealink.store import Store, ingest, open_store
from mealink.store.engine.schema import (
    ActorRow,
    CitationRow,
    DocumentRow,
    MandateRow,
    ParagraphRow,
    ParagraphTopicRow,
)
from tests.conftest import INVENTED, make_db

#: A paragraph of the invented fixtures that addresses several actors and has several topics.
KNOWN = "cbd/decision/15-908/para_2(a)"
#: Two stored documents of the invented fixtures, for the document filter.
SOME = ["cbd/decision/15-908", "cms/resolution/13.905"]
#: What each table counts, and the column naming an item's document.
COUNTED: dict[str, tuple[type, Any, str]] = {
    "documents": (DocumentRow, DocumentRow.id, "id"),
    "paragraphs": (ParagraphRow, ParagraphRow.document_id, "document_id"),
    "mandates": (MandateRow, MandateRow.document_id, "document_id"),
    "references": (CitationRow, CitationRow.document_id, "document_id"),
}
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1", "-2", "@SUM(A1:A2)"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Store]:
    """The invented fixtures, ingested once per engine."""
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    url = next(gen)
    s = open_store(url)
    summary = ingest(s, [INVENTED])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    yield s
    s.dispose()
    for _ in gen:
        pass


def db_count(store: Store, table: str, ids: list[str] | None = None) -> int:
    """How many items of ``table`` the database holds (stored texts only for documents)."""
    row, doc_col, _ = COUNTED[table]
    query = select(func.count()).select_from(row)
    if table == "documents":
        query = query.where(~DocumentRow.is_stub)
    if ids is not None:
        query = query.where(doc_col.in_(ids))
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def export(store: Store, table: str, ids: list[str] | None = None) -> list[dict[str, str]]:
    """``table`` written as CSV and parsed back, checking the header and the count."""
    buf = io.StringIO(newline="")
    n = write_csv(store, table, buf, ids)
    reader = csv.DictReader(io.StringIO(buf.getvalue(), newline=""))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == table_columns(table)
    assert n == len(rows)
    return rows


# --- CSV --------------------------------------------------------------------------------

@pytest.mark.parametrize("table", TABLES)
def test_csv_has_one_row_per_item_with_unique_ids(store: Store, table: str) -> None:
    rows = export(store, table)
    assert len(rows) == db_count(store, table) > 0
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(set(r) == set(table_columns(table)) for r in rows)


@pytest.mark.parametrize("table", TABLES)
def test_csv_file_is_utf8_and_values_are_plain_text(store: Store, table: str,
                                                   tmp_path: Path) -> None:
    path = tmp_path / f"{table}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        n = write_csv(store, table, out)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n
    for col in ("in_force", "in_footnote", "time_bound"):
        if col in table_columns(table):
            assert {r[col] for r in rows} <= {"true", "false"}
    for col in ("adopted_on", "deadline_on"):
        if col in table_columns(table):
            assert all(re.fullmatch(r"(\d{4}-\d\d-\d\d)?", r[col]) for r in rows)
    assert "None" not in {v for r in rows for v in r.values()}


def test_paragraph_texts_round_trip_including_non_ascii(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "paragraphs.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(store, "paragraphs", out)
    with path.open(encoding="utf-8", newline="") as f:
        exported = {r["id"]: r["text"] for r in csv.DictReader(f)}
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(ParagraphRow.id, ParagraphRow.text)).all())
    assert exported == {i: safe_cell(t) for i, t in stored.items()}
    assert any(ch in t for t in exported.values() for ch in "“”’–")


@pytest.mark.parametrize("table", TABLES)
def test_ids_and_rows_are_stable(store: Store, table: str) -> None:
    first = export(store, table)
    assert export(store, table) == first


def test_rows_are_unchanged_by_ingesting_again(store: Store) -> None:
    before = {t: export(store, t) for t in TABLES}
    with store.engine.connect() as conn:
        pks = set(conn.execute(select(ParagraphRow.pk)).scalars())
    ingest(store, [INVENTED], force=True)  # every row is written again, under new keys
    with store.engine.connect() as conn:
        assert not pks & set(conn.execute(select(ParagraphRow.pk)).scalars())
    assert {t: export(store, t) for t in TABLES} == before


@pytest.mark.parametrize("table", TABLES)
def test_small_batches_give_the_same_rows(store: Store, table: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    whole = export(store, table)
    monkeypatch.setattr(tables, "BATCH", 7)
    assert export(store, table) == whole


def test_documents_are_stored_texts_with_their_paragraph_counts(store: Store) -> None:
    rows = export(store, "documents")
    with store.engine.connect() as conn:
        counts = dict(conn.execute(select(ParagraphRow.document_id, func.count())
                                   .group_by(ParagraphRow.document_id)).all())
        stubs = set(conn.execute(select(DocumentRow.id).where(DocumentRow.is_stub)).scalars())
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert not {r["id"] for r in rows} & stubs
    assert {r["id"]: int(r["paragraphs"]) for r in rows} == counts


def test_paragraph_actors_and_topics_agree_with_the_database(store: Store) -> None:
    row = next(r for r in export(store, "paragraphs") if r["id"] == KNOWN)
    with store.engine.connect() as conn:
        pk = conn.execute(select(ParagraphRow.pk).where(ParagraphRow.id == KNOWN)).scalar_one()
        actors = conn.execute(select(ActorRow.name, ActorRow.canonical)
                              .where(ActorRow.paragraph_pk == pk).order_by(ActorRow.pk)).all()
        topics = conn.execute(select(ParagraphTopicRow.topic_id, ParagraphTopicRow.score)
                              .where(ParagraphTopicRow.paragraph_pk == pk)).all()
    assert len(actors) > 1 and len(topics) > 1
    assert row["actors"] == "; ".join(a.canonical or a.name for a in actors)
    assert row["actors"] == ("Parties; non-Parties; Organizations; "
                             "Indigenous peoples and local communities")
    assert row["topics"] == "; ".join(t.topic_id for t in sorted(
        topics, key=lambda t: (-t.score, t.topic_id)))
    assert row["document_id"] == "cbd/decision/15-908" and row["kind"] == "operative"


def test_references_are_numbered_within_their_paragraph(store: Store) -> None:
    rows = export(store, "references")
    seen: dict[str, int] = {}
    for r in rows:
        seen[r["paragraph_id"]] = seen.get(r["paragraph_id"], 0) + 1
        assert r["id"] == f"{r['paragraph_id']}#ref_{seen[r['paragraph_id']]}"
    assert rows[0]["id"].endswith("#ref_1") and max(seen.values()) > 1
    assert any(r["paragraphs"] and "; " in r["paragraphs"] for r in rows)


@pytest.mark.parametrize("table", TABLES)
def test_document_filter(store: Store, table: str) -> None:
    rows = export(store, table, SOME)
    column = COUNTED[table][2]
    assert rows and {r[column] for r in rows} <= set(SOME)
    assert len(rows) == db_count(store, table, SOME)
    assert export(store, table, []) == []


def test_iter_rows_yields_typed_values_in_column_order(store: Store) -> None:
    rows = iter_rows(store, "mandates")
    first = next(rows)
    rows.close()  # a stream may be left early; its connection is returned
    assert tuple(first) == table_columns("mandates")
    assert isinstance(first["in_force"], bool) and isinstance(first["reporting_to"], str)


# --- XLSX -------------------------------------------------------------------------------

def test_xlsx_has_one_sheet_per_table_matching_the_csv(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "corpus.xlsx"
    counts = write_xlsx(store, path)
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == list(TABLES)
    for table in TABLES:
        sheet = list(wb[table].iter_rows(values_only=True))
        assert sheet[0] == table_columns(table)
        csv_rows = export(store, table)
        assert counts[table] == len(sheet) - 1 == len(csv_rows)
        assert [r[0] for r in sheet[1:]] == [r["id"] for r in csv_rows]
    wb.close()


def test_xlsx_of_some_tables_and_documents(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "some.xlsx"
    counts = write_xlsx(store, path, ["mandates", "documents"], SOME)
    assert counts == {"mandates": db_count(store, "mandates", SOME), "documents": 2}
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["mandates", "documents"]
    wb.close()


# --- formulas ---------------------------------------------------------------------------

def test_formulas_are_never_injected(db_url: str, tmp_path: Path) -> None:
    s = open_store(db_url)
    try:
        ingest(s, [INVENTED / "cites-dec-19.930.txt"])
        with s.engine.begin() as conn:
            ids = list(conn.execute(select(ParagraphRow.id).order_by(ParagraphRow.seq)
                                    .limit(len(FORMULAS))).scalars())
            for pid, value in zip(ids, FORMULAS, strict=True):
                conn.execute(update(ParagraphRow).where(ParagraphRow.id == pid)
                             .values(text=value))
        texts = {r["id"]: r["text"] for r in export(s, "paragraphs")}
        for pid, value in zip(ids, FORMULAS, strict=True):
            assert texts[pid] == "'" + value
        path = tmp_path / "formulas.xlsx"
        write_xlsx(s, path, ["paragraphs"])
        wb = load_workbook(path, read_only=True)
        sheet = wb["paragraphs"].iter_rows()
        header = [c.value for c in next(sheet)]
        cells = {row[0].value: row[header.index("text")] for row in sheet}
        for pid, value in zip(ids, FORMULAS, strict=True):
            assert cells[pid].value == "'" + value
            assert cells[pid].data_type == "s"
        wb.close()
    finally:
        s.dispose()


def test_references_are_numbered_by_place_not_by_key(db_url: str) -> None:
    s = open_store(db_url)
    try:
        ingest(s, [INVENTED / "cbd-dec-15-908.html"])
        pid = "cbd/decision/15-908/pre_1"
        with s.engine.begin() as conn:
            cites = conn.execute(select(CitationRow.pk, CitationRow.start, CitationRow.written)
                                 .join(ParagraphRow, ParagraphRow.pk == CitationRow.paragraph_pk)
                                 .where(ParagraphRow.id == pid).order_by(CitationRow.pk)).all()
            assert len(cites) == 2 and cites[0].start < cites[1].start
            for c, other in zip(cites, reversed(cites), strict=True):  # swap their places
                conn.execute(update(CitationRow).where(CitationRow.pk == c.pk)
                             .values(start=other.start))
        rows = {r["id"]: r["written"] for r in export(s, "references")}
        assert rows[f"{pid}#ref_1"] == cites[1].written
        assert rows[f"{pid}#ref_2"] == cites[0].written
    finally:
        s.dispose()


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda s, p: table_columns("sheets"),
    lambda s, p: iter_rows(s, "sheets"),
    lambda s, p: write_csv(s, "sheets", io.StringIO()),
    lambda s, p: write_xlsx(s, p, ["documents", "sheets"]),
])
def test_unknown_table_is_refused_naming_the_tables(store: Store, tmp_path: Path,
                                                    call: Any) -> None:
    path = tmp_path / "never.xlsx"
    with pytest.raises(MealinkError) as info:
        call(store, path)
    assert isinstance(info.value, MealinkError)
    message = str(info.value)
    assert "'sheets'" in message and "\n" not in message
    assert all(t in message for t in TABLES)
    assert not path.exists()
