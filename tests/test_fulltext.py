"""SQLite's full-text index when a batch defers it (``store.engine.fulltext``, migration
0013): whatever a batch inserts, changes, deletes or rolls back, the index matches the
paragraphs when it commits, and a writer outside a batch is indexed at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from mealink.store.corpus.batch import Batch
from mealink.store.engine import driver
from mealink.store.engine.database import Store, open_store, writing
from mealink.store.engine.schema import DocumentRow, ParagraphRow
from tests.test_driver import _document


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path / "fts.db"))
    yield s
    s.dispose()


def _paragraphs(doc_id: str, texts: list[str]) -> list[dict[str, Any]]:
    return [{"id": f"{doc_id}/op_{i}", "document_id": doc_id, "seq": i, "anchor": f"op_{i}",
             "kind": "operative", "number": str(i), "depth": 0, "text": t, "start": 0,
             "end": len(t), "in_force": True} for i, t in enumerate(texts, start=1)]


def _add(conn: Connection, doc_id: str, texts: list[str]) -> None:
    driver.insert_rows(conn, DocumentRow, [_document(doc_id)])
    driver.insert_rows(conn, ParagraphRow, _paragraphs(doc_id, texts))


def _found(store: Store, word: str) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT p.id FROM paragraphs_fts JOIN paragraphs p ON p.pk = paragraphs_fts.rowid "
            "WHERE paragraphs_fts MATCH :w ORDER BY p.id"), {"w": word})]


def _consistent(store: Store) -> None:
    """FTS5's own check that the index holds exactly the paragraphs' text, and nothing
    left noted or deferred."""
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO paragraphs_fts(paragraphs_fts, rank) "
                          "VALUES ('integrity-check', 1)"))
        assert conn.execute(text("SELECT count(*) FROM paragraphs_fts_pending")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM paragraphs_fts_deferred")).scalar() == 0


def test_a_batch_is_indexed_when_it_commits(store: Store) -> None:
    batch = Batch(store)
    with batch.document() as conn:
        _add(conn, "a", ["Urges Parties to protect wetlands", "Requests the Secretariat"])
        # before the commit, nothing of the batch is in the index
        assert conn.execute(text("SELECT count(*) FROM paragraphs_fts "
                                 "WHERE paragraphs_fts MATCH 'wetlands'")).scalar() == 0
    batch.commit()
    assert _found(store, "wetlands") == ["a/op_1"]
    _consistent(store)


def test_what_a_batch_deletes_changes_or_rolls_back_is_not_indexed(store: Store) -> None:
    with writing(store) as conn:  # indexed at once: not a batch
        _add(conn, "old", ["Recalling the bushmeat crisis", "Invites range States"])
    assert _found(store, "bushmeat") == ["old/op_1"]
    batch = Batch(store)
    with batch.document() as conn:
        _add(conn, "a", ["Urges Parties to protect wetlands", "Notes the flyway report"])
    with batch.document() as conn:
        # noted in this batch, then deleted, then changed: only the final text is indexed
        conn.execute(text("DELETE FROM paragraphs WHERE id = 'a/op_2'"))
        conn.execute(text("UPDATE paragraphs SET text = 'Urges Parties to restore "
                          "peatlands' WHERE id = 'a/op_1'"))
        # indexed before the batch: deleted and changed through the index as before
        conn.execute(text("DELETE FROM documents WHERE id = 'old'"))
    with pytest.raises(RuntimeError), batch.document() as conn:
        _add(conn, "b", ["Decides that invasive alien species"])
        raise RuntimeError("this document is refused")
    with batch.document() as conn:  # a document reusing the rowids of those deleted
        _add(conn, "c", ["Welcomes the climate change assessment", "Bushmeat again"])
    batch.commit()
    assert _found(store, "wetlands") == []
    assert _found(store, "peatlands") == ["a/op_1"]
    assert _found(store, "flyway") == []
    assert _found(store, "invasive") == []
    assert _found(store, "bushmeat") == ["c/op_2"]
    assert _found(store, "climate") == ["c/op_1"]
    _consistent(store)


def test_a_batch_rolled_back_leaves_nothing_deferred(store: Store) -> None:
    batch = Batch(store)
    with batch.document() as conn:
        _add(conn, "a", ["Urges Parties to protect wetlands"])
    batch.rollback()
    with writing(store) as conn:  # the next writer outside a batch indexes at once
        _add(conn, "b", ["Requests the Scientific Council on wetlands"])
    assert _found(store, "wetlands") == ["b/op_1"]
    _consistent(store)


def test_ingest_leaves_the_index_whole(store: Store, tmp_path: Path,
                                       realdocs_dir: Path) -> None:
    """Real texts, ingested twice with one changed in between (its rows deleted and
    written again in a batch): the index matches the paragraphs each time."""
    from mealink.store.corpus.ingest import ingest

    folder = tmp_path / "texts"
    folder.mkdir()
    names = sorted(p.name for p in realdocs_dir.glob("*.txt"))[:6]
    for name in names:
        (folder / name).write_bytes((realdocs_dir / name).read_bytes())
    ingest(store, [folder], workers=1)
    _consistent(store)
    changed = folder / names[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    summary = ingest(store, [folder], workers=1)
    assert summary.counts()["updated"] == 1
    _consistent(store)
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM paragraphs")).scalar()
        indexed = conn.execute(text("SELECT count(*) FROM paragraphs_fts_docsize")).scalar()
    assert stored == indexed > 0
