"""Who adopted each text and how it was identified, what its status rests on, the titles
citations give the texts they cite, and what was known of a source from outside it.

Texts stored by an earlier mealink get these on ``mealink reparse``; until then they read
as "unknown" (who adopted them) and their status as before.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mealink.store.engine.migrations import batch_keeping_triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("adoption", sa.String(20)))
    op.add_column("documents", sa.Column("adopted_by", sa.Text))
    op.add_column("documents", sa.Column("adoption_evidence", sa.Text))
    op.add_column("documents", sa.Column("identified_by", sa.Text))
    op.add_column("documents", sa.Column("status_evidence", sa.Text))
    op.add_column("documents", sa.Column("page_status", sa.Text))
    op.add_column("citations", sa.Column("title", sa.Text))
    op.add_column("citations", sa.Column("title_key", sa.String(300)))
    op.create_index("ix_citations_title_key", "citations", ["title_key"])
    op.add_column("sources", sa.Column("meta", sa.Text))


def downgrade() -> None:
    with batch_keeping_triggers("sources") as batch:
        batch.drop_column("meta")
    op.drop_index("ix_citations_title_key", "citations")
    with batch_keeping_triggers("citations") as batch:
        batch.drop_column("title_key")
        batch.drop_column("title")
    with batch_keeping_triggers("documents") as batch:
        for name in ("page_status", "status_evidence", "identified_by", "adoption_evidence",
                     "adopted_by", "adoption"):
            batch.drop_column(name)
