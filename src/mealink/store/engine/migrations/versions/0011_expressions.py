"""One work in several languages: a document row may be another language's expression of a
stored text (``expression_of``, with the evidence that they are one work), and each of its
paragraphs names its counterpart in that text (``aligned_to``) and the rule that paired them.

Downgrading drops the columns; the expressions then read as texts of their own.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mealink.store.engine.migrations import batch_keeping_triggers

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("expression_of", sa.String(200)))
    op.add_column("documents", sa.Column("expression_evidence", sa.Text))
    op.create_index("ix_documents_expression_of", "documents", ["expression_of"])
    op.add_column("paragraphs", sa.Column("aligned_to", sa.String(260)))
    op.add_column("paragraphs", sa.Column("aligned_by", sa.String(200)))
    op.create_index("ix_paragraphs_aligned_to", "paragraphs", ["aligned_to"])


def downgrade() -> None:
    op.drop_index("ix_paragraphs_aligned_to", "paragraphs")
    with batch_keeping_triggers("paragraphs") as batch:
        batch.drop_column("aligned_by")
        batch.drop_column("aligned_to")
    op.drop_index("ix_documents_expression_of", "documents")
    with batch_keeping_triggers("documents") as batch:
        batch.drop_column("expression_evidence")
        batch.drop_column("expression_of")
