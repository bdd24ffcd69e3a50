"""The quick reader (``store/engine/reader.py``): ``mealink status``, ``lineage``,
``in-force`` and ``refs`` read a current SQLite file through the standard library's
``sqlite3``, without SQLAlchemy. What they answer must not depend on the way in: every
answer on the real texts is the same through ``sqlite3`` as through SQLAlchemy, a bad file
is refused in the same one line, and ``IN :names`` and stored dates read back the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mealink.errors import NotFoundError, StoreError
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.status import cited, in_force, lineage, status
from mealink.store.engine.reader import (
    SqliteReader,
    SqlReader,
    as_date,
    expand,
    open_reader,
    reading,
)


@pytest.mark.parametrize(("sql", "params", "want_sql", "want"), [
    ("SELECT 1 WHERE a = :a", {"a": 1}, "SELECT 1 WHERE a = :a", {"a": 1}),
    ("x IN :r", {"r": ("b", "a")}, "x IN (:r_0, :r_1)", {"r_0": "b", "r_1": "a"}),
    ("x IN :r", {"r": ["a"]}, "x IN (:r_0)", {"r_0": "a"}),
    ("x IN :r", {"r": {"keeps", "cites"}}, "x IN (:r_0, :r_1)", {"r_0": "cites", "r_1": "keeps"}),
    ("x IN :r", {"r": ()}, "x IN (NULL)", {}),  # matches nothing, as an empty IN should
    ("a = :a AND b = :b", {"a": None, "b": "x", "unused": 3}, "a = :a AND b = :b",
     {"a": None, "b": "x"}),
    ("CAST(a AS text)::text = :a", {"a": "v"}, "CAST(a AS text)::text = :a", {"a": "v"}),
    ("a = :id AND b = :id_2", {"id": 1, "id_2": 2}, "a = :id AND b = :id_2",
     {"id": 1, "id_2": 2}),
])
def test_named_parameters_and_in_lists(sql: str, params: dict[str, Any], want_sql: str,
                                       want: dict[str, Any]) -> None:
    assert expand(sql, params) == (want_sql, want)


@pytest.mark.parametrize(("stored", "want"), [
    ("2014-11-09", date(2014, 11, 9)),  # SQLite keeps the ISO text
    (date(2014, 11, 9), date(2014, 11, 9)),  # PostgreSQL gives a date
    (None, None),
])
def test_a_stored_date_reads_back_as_a_date(stored: Any, want: date | None) -> None:
    assert as_date(stored) == want


@pytest.fixture(scope="module")
def realdocs_file(tmp_path_factory: pytest.TempPathFactory, realdocs_dir: Path
                  ) -> Iterator[Path]:
    """The real texts in a SQLite file (no sentence vectors: nothing here reads one)."""
    path = tmp_path_factory.mktemp("reader") / "real.db"
    store = open_store(str(path))
    ingest(store, [realdocs_dir])
    store.dispose()
    yield path


def _every_answer(source: Store | Any) -> dict[str, Any]:
    """Everything the quick commands say of the stored texts, as the JSON they print."""
    out: dict[str, Any] = {}
    with reading(source) as reader:
        ids = [r[0] for r in reader.rows("SELECT id FROM documents ORDER BY id")]
        labels = [r[0] for r in reader.rows("SELECT label FROM documents ORDER BY id")]
        paragraph = reader.rows("SELECT id FROM paragraphs ORDER BY pk LIMIT 1")[0][0]
        for name in [*ids, *labels, paragraph, "CMS Resolution 99.99", "Decision 19.30"]:
            try:
                out[f"status {name}"] = status(reader, name).to_dict()
                up, down = lineage(reader, name, citations=True)
                out[f"lineage {name}"] = [up.to_dict(), down.to_dict()]
            except NotFoundError as exc:
                out[f"status {name}"] = str(exc)
        out["in force"] = [s.to_dict() for s in in_force(reader, include_cited=True)]
        out["cited"] = [c.to_dict() for c in cited(reader)]
    return out


def test_every_answer_is_the_same_through_sqlite3_and_sqlalchemy(realdocs_file: Path) -> None:
    with open_reader(str(realdocs_file)) as quick:
        assert isinstance(quick, SqliteReader)
        through_sqlite3 = _every_answer(quick)
    store = open_store(str(realdocs_file), create=False)
    with store.engine.connect() as conn:
        through_sqlalchemy = _every_answer(SqlReader(conn))
    store.dispose()
    assert len(through_sqlite3) > 150  # 39 texts and the ones they cite, twice, and more
    assert any(isinstance(v, dict) and v.get("adopted") for v in through_sqlite3.values())
    assert through_sqlite3 == through_sqlalchemy


@pytest.mark.parametrize(("given", "quick"), [
    ("{path}", True),
    ("sqlite:///{path}", True),
    ("sqlite:///{path}?timeout=5", False),  # options: SQLAlchemy reads them
])
def test_which_files_take_the_quick_way(realdocs_file: Path, given: str, quick: bool) -> None:
    with open_reader(given.format(path=realdocs_file)) as reader:
        assert isinstance(reader, SqliteReader) is quick
        assert reader.rows("SELECT COUNT(*) FROM documents")[0][0] > 36


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database, a spreadsheet someone renamed\n" * 200)


@pytest.mark.parametrize(("setup", "message"), [
    (None, "no database at"),
    (lambda p: p.mkdir(), "is a folder"),
    (_garbage, "is not a mealink database"),
])
def test_a_bad_file_is_refused_in_the_same_line(tmp_path: Path, setup: Any,
                                                message: str) -> None:
    path = tmp_path / "x.db"
    if setup is not None:
        setup(path)
    with pytest.raises(StoreError, match=message) as by_sqlalchemy:
        open_store(str(path), create=False)
    with pytest.raises(StoreError, match=message) as by_sqlite3, open_reader(str(path)):
        pass
    assert str(by_sqlite3.value) == str(by_sqlalchemy.value)
    assert "\n" not in str(by_sqlite3.value)
    assert not (tmp_path / "x.db-wal").exists()


def test_a_fault_while_reading_is_one_line(realdocs_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    data = bytearray(realdocs_file.read_bytes())
    copy.write_bytes(data)
    with open_reader(str(copy)) as reader:  # opened whole; then a disk goes bad under it
        data[len(data) // 3:] = b"\xff" * (len(data) - len(data) // 3)
        copy.write_bytes(data)
        with pytest.raises(StoreError, match="is damaged") as err:
            reader.rows("SELECT SUM(LENGTH(text)) FROM paragraphs")
    assert "\n" not in str(err.value) and str(copy) in str(err.value)
