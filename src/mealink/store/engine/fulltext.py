"""Indexing a writer's paragraphs for full-text search once, before it commits (SQLite).

FTS5 writes its pending terms out at every statement, so indexing each paragraph as it is
inserted (the trigger's way) cost ingest about 30 microseconds a paragraph, seven times
what one ``INSERT ... SELECT`` over a whole batch costs (issue 18). A writer that holds the
write lock for a batch defers: the triggers then note each new paragraph instead
(migration 0013), and ``index_deferred`` indexes the noted ones just before the commit.
Nothing changes for any other writer, nor on PostgreSQL, whose search column is computed
as each row is written. Every change of the index is counted (migration 0014; the batch as
one), so that a copy of the index held in memory knows when it is stale.
"""

from __future__ import annotations

from sqlalchemy import Connection

__all__ = ["changes", "defer_indexing", "index_deferred"]


def defer_indexing(conn: Connection) -> None:
    """From now on in this transaction, note new paragraphs instead of indexing each (the
    caller holds the write lock, so no other writer sees the note)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO paragraphs_fts_deferred (one) VALUES (1)")


def index_deferred(conn: Connection) -> None:
    """Index every paragraph noted since ``defer_indexing`` in one statement, and stop
    deferring: to be called last, before the commit."""
    if conn.dialect.name != "sqlite":
        return
    # the batch is one change of the index (migration 0014), when it noted any paragraph
    conn.exec_driver_sql("UPDATE paragraphs_fts_changes SET n = n + 1 "
                         "WHERE EXISTS (SELECT 1 FROM paragraphs_fts_pending)")
    conn.exec_driver_sql("INSERT INTO paragraphs_fts (rowid, text) SELECT p.pk, p.text "
                         "FROM paragraphs_fts_pending n JOIN paragraphs p ON p.pk = n.pk "
                         "ORDER BY n.pk")
    conn.exec_driver_sql("DELETE FROM paragraphs_fts_pending")
    conn.exec_driver_sql("DELETE FROM paragraphs_fts_deferred")


def changes(conn: Connection) -> int:
    """The count of the full-text index's changes (SQLite, migration 0014; it starts from a
    random number): equal counts, read in two transactions, mean the same index."""
    return int(conn.exec_driver_sql("SELECT n FROM paragraphs_fts_changes").scalar() or 0)
