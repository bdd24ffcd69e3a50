"""SQLite: count every change to the full-text index, so that a copy of it held in memory
(``store.search.postings``) knows exactly when it no longer matches (issue 18).

``paragraphs_fts_changes`` holds one row whose ``n`` goes up whenever the index changes: a
paragraph indexed, changed or deleted by the triggers, or a deferring writer's batch indexed
at once (``store.engine.fulltext.index_deferred``, one step for the batch); it starts
from a random number, so that two databases made one after the other at one path do not
count alike. The corpus
generation is not enough: it goes up when an ingest links the corpus at its end, so an
ingest stopped after its first batch leaves paragraphs it never counted.

PostgreSQL keeps its search column in the row: nothing changes there.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: migration 0013's triggers, restored by the downgrade
_BEFORE = """
CREATE TRIGGER paragraphs_ai AFTER INSERT ON paragraphs
WHEN NOT EXISTS (SELECT 1 FROM paragraphs_fts_deferred) BEGIN
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
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

_AFTER = """
CREATE TRIGGER paragraphs_ai AFTER INSERT ON paragraphs
WHEN NOT EXISTS (SELECT 1 FROM paragraphs_fts_deferred) BEGIN
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
  UPDATE paragraphs_fts_changes SET n = n + 1;
END;
CREATE TRIGGER paragraphs_ad AFTER DELETE ON paragraphs BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) SELECT 'delete', old.pk, old.text
    WHERE NOT EXISTS (SELECT 1 FROM paragraphs_fts_pending WHERE pk = old.pk);
  DELETE FROM paragraphs_fts_pending WHERE pk = old.pk;
  UPDATE paragraphs_fts_changes SET n = n + 1;
END;
CREATE TRIGGER paragraphs_au AFTER UPDATE OF text ON paragraphs
WHEN NOT EXISTS (SELECT 1 FROM paragraphs_fts_pending WHERE pk = old.pk) BEGIN
  INSERT INTO paragraphs_fts(paragraphs_fts, rowid, text) VALUES ('delete', old.pk, old.text);
  INSERT INTO paragraphs_fts(rowid, text) VALUES (new.pk, new.text);
  UPDATE paragraphs_fts_changes SET n = n + 1;
END;
"""

_TRIGGERS = ("paragraphs_ai", "paragraphs_ad", "paragraphs_au")


def _replace(triggers: str) -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for stmt in triggers.split("END;"):
        if stmt.strip():
            op.execute(stmt + "END;")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE paragraphs_fts_changes "
               "(one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1), n INTEGER NOT NULL)")
    # from a random number, so that another database later made at the same path does not
    # count as this one
    op.execute("INSERT INTO paragraphs_fts_changes (one, n) "
               "VALUES (1, abs(random() % 1099511627776))")
    _replace(_AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace(_BEFORE)
    op.execute("DROP TABLE paragraphs_fts_changes")
