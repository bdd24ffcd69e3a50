"""The first schema: documents, keys, sources, paragraphs, actors, citations, lineage edges,
topics; full-text search (FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_FTS_TRIGGERS = """
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


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("work_id", sa.String(200), nullable=False, index=True),
        sa.Column("convention", sa.String(60), index=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("number", sa.String(80)),
        sa.Column("revision", sa.String(20)),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("symbol", sa.String(300)),
        sa.Column("title", sa.Text),
        sa.Column("adopted_at", sa.Text),
        sa.Column("meeting", sa.Integer),
        sa.Column("adopted_on", sa.Date),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("is_stub", sa.Boolean, nullable=False, index=True),
        sa.Column("source", sa.Text, index=True),
        sa.Column("content_hash", sa.String(64), index=True),
        sa.Column("fingerprint", sa.String(64), index=True),
        sa.Column("parser_version", sa.String(40)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("status_by", sa.String(200)),
        sa.Column("in_force", sa.Boolean, nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "document_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
    )
    op.create_table(
        "sources",
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "paragraphs",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(260), nullable=False, unique=True),
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("anchor", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False, index=True),
        sa.Column("number", sa.String(40)),
        sa.Column("parent_id", sa.String(260)),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("lead", sa.String(120)),
        sa.Column("verb", sa.String(60), index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Text),
        sa.Column("condition", sa.Text),
        sa.Column("in_force", sa.Boolean, nullable=False),
    )
    op.create_index("ix_paragraphs_document_seq", "paragraphs", ["document_id", "seq"])
    op.create_table(
        "paragraph_actors",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("paragraph_pk", sa.Integer,
                  sa.ForeignKey("paragraphs.pk", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("canonical", sa.String(200)),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
    )
    op.create_index("ix_paragraph_actors_canonical", "paragraph_actors", ["canonical"])
    op.create_table(
        "citations",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("paragraph_pk", sa.Integer,
                  sa.ForeignKey("paragraphs.pk", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("written", sa.Text, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("identifier", sa.Text, nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("target_key", sa.String(200), index=True),
        sa.Column("target_label", sa.String(300)),
        sa.Column("target_id", sa.String(200), index=True),
        sa.Column("paragraphs", sa.Text),
        sa.Column("in_footnote", sa.Boolean, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
    )
    op.create_table(
        "edges",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("paragraph_id", sa.String(260)),
        sa.Column("relation", sa.String(20), nullable=False, index=True),
        sa.Column("target_key", sa.String(200), index=True),
        sa.Column("target_label", sa.String(300)),
        sa.Column("target_id", sa.String(200), index=True),
        sa.Column("paragraphs", sa.Text),
        sa.Column("written", sa.Text, nullable=False),
        sa.Column("derived", sa.Boolean, nullable=False),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("broader", sa.String(120)),
    )
    op.create_table(
        "paragraph_topics",
        sa.Column("paragraph_pk", sa.Integer,
                  sa.ForeignKey("paragraphs.pk", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic_id", sa.String(120),
                  sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE paragraphs_fts USING fts5(text, content='paragraphs', "
                   "content_rowid='pk', tokenize='porter unicode61 remove_diacritics 2')")
        for stmt in _FTS_TRIGGERS.split("END;"):
            if stmt.strip():
                op.execute(stmt + "END;")
    else:
        op.execute("ALTER TABLE paragraphs ADD COLUMN search tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('english', text)) STORED")
        op.execute("CREATE INDEX ix_paragraphs_search ON paragraphs USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS paragraphs_fts")
    for table in ("paragraph_topics", "topics", "edges", "citations", "paragraph_actors",
                  "paragraphs", "sources", "document_keys", "documents"):
        op.drop_table(table)
