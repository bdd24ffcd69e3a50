"""SQLite: a writer may index its paragraphs for full-text search once, before it commits,
instead of one by one (issue 18). FTS5 writes its pending terms out at every statement, so a
trigger indexing each paragraph as it is inserted cost ingest about 30 microseconds a
paragraph, seven times what one ``INSERT ... SELECT`` over the batch costs.

A writer that defers puts the one row of ``paragraphs_fts_deferred`` in its transaction (it
holds the write lock, so no other writer sees it); while it is there, an inserted paragraph
is noted in ``paragraphs_fts_pending`` instead of being indexed, and a noted paragraph that
is deleted or changed again is only forgotten or left to the final indexing (telling FTS5
to delete a row it never indexed would corrupt the index). The writer indexes what is noted
and empties both tables before it commits (``store.engine.fulltext``). Every other writer
(and a rolled-back one) leaves both empty, and the triggers then work as before.

PostgreSQL computes its search column as each row is written: nothing changes there.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BEFORE = """
CREATE TRIGGER paragraphs_ai AFTER INSERT ON paragraphs BEGIN
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
END;
CREATE TRIGGER paragraphs_ad AFTER DELETE ON paragraphs BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) VALUES ('delete', old.pk, old.text);
END;
CREATE TRIGGER paragraphs_au AFTER UPDATE OF text ON paragraphs BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) VALUES ('delete', old.pk, old.text);
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
END;
"""

_AFTER = """
CREATE TRIGGER paragraphs_ai AFTER INSERT ON paragraphs
WHEN NOT EXISTS (SELECT 1 FROM paragraphs_fts_deferred) BEGIN
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
END;
CREATE TRIGGER paragraphs_ai_deferred AFTER INSERT ON paragraphs
WHEN EXISTS (SELECT 1 FROM paragraphs_fts_deferred) BEGIN
  INSERT INTO paragraphs_fts_pending(pk) VALUES (new.pk);
END;
CREATE TRIGGER paragraphs_ad AFTER DELETE ON paragraphs BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) SELECT 'delete', old.pk, old.text
    WHERE NOT EXISTS (SELECT 1 FROM paragraphs_fts_pending WHERE pk = old.pk);
  DELETE FROM paragraphs_fts_pending WHERE pk = old.pk;
END;
CREATE TRIGGER paragraphs_au AFTER UPDATE OF text ON paragraphs
WHEN NOT EXISTS (SELECT 1 FROM paragraphs_fts_pending WHERE pk = old.pk) BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) VALUES ('delete', old.pk, old.text);
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
END;
"""

_TRIGGERS = ("paragraphs_ai", "paragraphs_ai_deferred", "paragraphs_ad", "paragraphs_au")


def _create(triggers: str) -> None:
    for stmt in triggers.split("END;"):
        if stmt.strip():
            op.execute(stmt + "END;")


def _drop() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE paragraphs_fts_deferred "
               "(one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1))")
    op.execute("CREATE TABLE paragraphs_fts_pending (pk INTEGER PRIMARY KEY NOT NULL)")
    _drop()
    _create(_AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # nothing is pending at rest; index it all the same rather than lose it
    op.execute("INSERT INTO paragraphs_fts(rowid, text) SELECT p.pk, p.text "
               "FROM paragraphs_fts_pending n JOIN paragraphs p ON p.pk = n.pk")
    _drop()
    op.execute("DROP TABLE paragraphs_fts_pending")
    op.execute("DROP TABLE paragraphs_fts_deferred")
    _create(_BEFORE)
