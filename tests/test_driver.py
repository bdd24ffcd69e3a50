"""Statements handed to the driver (``store.engine.driver``): a row inserted by
``insert_rows`` is the row an ORM insert stores, on both engines, and ``run`` fills
``IN :names`` and keeps a literal ``%`` as it is."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text

from mealink.store.engine import driver
from mealink.store.engine.database import open_store
from mealink.store.engine.schema import Base, DocumentRow, MandateRow

_AT = datetime(2024, 2, 17, 9, 30, 5, 120000)


def _document(doc_id: str, **given: Any) -> dict[str, Any]:
    row = {"id": doc_id, "work_id": doc_id, "convention": "CMS", "type": "resolution",
           "number": "14.1", "revision": None, "label": f"CMS Resolution {doc_id}",
           "symbol": None, "title": "Migratory species and climate change",
           "adopted_at": "COP14, Samarkand, 2024", "meeting": 14,
           "adopted_on": date(2024, 2, 17), "language": "en", "is_stub": False,
           "source": f"/texts/{doc_id}.txt", "content_hash": "ab" * 32,
           "fingerprint": "cd" * 32, "parser_version": "1", "status": "in force",
           "status_by": None, "in_force": True, "updated_at": _AT, "adoption": "adopted",
           "adopted_by": "COP", "adoption_evidence": None, "identified_by": "its header",
           "status_evidence": None, "page_status": None}
    return {**row, **given}


def _mandate(doc_id: str, seq: int, **given: Any) -> dict[str, Any]:
    row = {"id": f"{doc_id}/op_1#{seq}", "document_id": doc_id,
           "paragraph_id": f"{doc_id}/op_1", "seq": seq, "convention": "CMS",
           "document_label": f"CMS Resolution {doc_id}", "document_title": None,
           "paragraph_number": "1", "paragraph_seq": 0, "in_force": True,
           "actor": "Secretariat", "written": "the Secretariat", "role": None,
           "verb": "requests", "strength": "request", "action": "to report",
           "deadline": "by 31 March 2026", "deadline_kind": "date", "deadline_convention": None,
           "deadline_body": None, "deadline_number": None, "deadline_after": None,
           "deadline_on": date(2026, 3, 31), "deadline_implied": False, "condition": None,
           "reporting_to": ["Standing Committee", "COP15"], "time_bound": True,
           "derived_status": "active", "derived_reason": None, "status": "active"}
    return {**row, **given}


def _stored(conn: Any, table: type[Base]) -> list[tuple[Any, ...]]:
    cols = table.__table__.columns
    return [tuple(r) for r in conn.execute(select(*cols).order_by(*table.__table__.primary_key))]


# each case: the table, rows with every column, and rows that leave defaulted columns out
CASES = [
    pytest.param(DocumentRow, [_document("a"), _document("b", adopted_on=None, is_stub=True,
                                                         in_force=False)],
                 id="documents: a date, a date-time, booleans"),
    pytest.param(DocumentRow, [{k: v for k, v in _document("c").items()
                                if k not in ("language", "is_stub", "status", "in_force")}],
                 id="documents: defaults filled in"),
    pytest.param(MandateRow, [_mandate("a", 0), _mandate("a", 1, deadline_on=None,
                                                         reporting_to=[])],
                 id="mandates: JSON and a date"),
    pytest.param(MandateRow, [{k: v for k, v in _mandate("a", 2).items()
                               if k not in ("reporting_to", "deadline_implied", "status")}],
                 id="mandates: a callable default (reporting_to=list)"),
]


@pytest.mark.parametrize(("table", "rows"), CASES)
def test_insert_rows_stores_what_an_orm_insert_stores(db_url: str, table: type[Base],
                                                      rows: list[dict[str, Any]]) -> None:
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            if table is MandateRow:
                conn.execute(insert(DocumentRow), [_document("a")])
            conn.execute(insert(table), rows)
            by_orm = _stored(conn, table)
            conn.execute(delete(table))
            driver.insert_rows(conn, table, rows)
            by_driver = _stored(conn, table)
        assert by_driver == by_orm
        assert len(by_driver) == len(rows)
    finally:
        store.dispose()


def test_insert_rows_refuses_a_column_the_table_lacks(db_url: str) -> None:
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn, pytest.raises(KeyError, match="no column 'colour'"):
            driver.insert_rows(conn, DocumentRow, [{**_document("a"), "colour": "red"}])
    finally:
        store.dispose()


@pytest.mark.parametrize(("keys", "expected"), [
    pytest.param(("a", "c"), ["a", "c"], id="a tuple"),
    pytest.param({"c", "b"}, ["b", "c"], id="a set"),
    pytest.param([], [], id="an empty list matches nothing"),
])
def test_run_fills_in_lists(db_url: str, keys: Any, expected: list[str]) -> None:
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            driver.insert_rows(conn, DocumentRow, [_document(k) for k in "abc"])
            got = [r.id for r in driver.run(
                conn, "SELECT id FROM documents WHERE id IN :keys AND label LIKE 'CMS%' "
                "AND convention = :c ORDER BY id", {"keys": keys, "c": "CMS"})]
        assert got == expected
    finally:
        store.dispose()


def test_run_gives_the_driver_values(db_url: str) -> None:
    """A date comes back as the driver gives it: ISO text from SQLite, a date from
    PostgreSQL (``reader.as_date`` reads both)."""
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            driver.insert_rows(conn, DocumentRow, [_document("a")])
            day = driver.run(conn, "SELECT adopted_on FROM documents").scalar()
            orm = conn.execute(text("SELECT adopted_on FROM documents")).scalar()
        assert day == orm
        assert str(day) == "2024-02-17"
    finally:
        store.dispose()
