"""Sentence vectors (content-addressed, so re-ingesting embeds only new text) and assessment
findings (IPBES) to match with mandates.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from mealink.store.engine.migrations import batch_keeping_triggers

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("paragraphs", sa.Column("text_hash", sa.String(64)))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT pk, text FROM paragraphs")).all()
    if rows:
        bind.execute(sa.text("UPDATE paragraphs SET text_hash = :h WHERE pk = :pk"),
                     [{"pk": r.pk, "h": hashlib.sha256(r.text.encode("utf-8")).hexdigest()}
                      for r in rows])
    op.create_table(
        "embeddings",
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.String(60), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("symbol", sa.String(200)),
        sa.Column("source", sa.Text, nullable=False, index=True),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.String(200),
                  sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("section", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("confidence", sa.String(60)),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.UniqueConstraint("assessment_id", "label", name="uq_findings_label"),
    )
    # bumped whenever paragraphs, their in-force status or their vectors change, so that a
    # process holding the vectors in memory knows to read them again; it only ever grows,
    # so a downgrade keeps it and upgrading again does not start it over
    op.execute("INSERT INTO app_settings (key, value) SELECT 'corpus_generation', '0' "
               "WHERE NOT EXISTS (SELECT 1 FROM app_settings WHERE key = 'corpus_generation')")


def downgrade() -> None:
    # the corpus generation stays in app_settings: a counter that went back to 0 could
    # meet a process that still holds the vectors of generation 0
    op.drop_table("findings")
    op.drop_table("assessments")
    op.drop_table("embeddings")
    with batch_keeping_triggers("paragraphs") as batch:
        batch.drop_column("text_hash")
