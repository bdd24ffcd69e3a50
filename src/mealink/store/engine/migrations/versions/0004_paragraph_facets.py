"""Each paragraph carries its document's convention and meeting, so that search filters and
facet counts read the paragraphs alone instead of joining every hit to its document.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mealink.store.engine.migrations import batch_keeping_triggers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("paragraphs", sa.Column("convention", sa.String(60)))
    op.add_column("paragraphs", sa.Column("meeting", sa.Integer))
    op.execute("UPDATE paragraphs SET convention = (SELECT d.convention FROM documents d "
               "WHERE d.id = paragraphs.document_id), meeting = (SELECT d.meeting FROM "
               "documents d WHERE d.id = paragraphs.document_id)")


def downgrade() -> None:
    with batch_keeping_triggers("paragraphs") as batch:
        batch.drop_column("meeting")
        batch.drop_column("convention")
