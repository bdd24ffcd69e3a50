"""Why a question of a national-report template answers several mandates: one paragraph
asking several addressees, an overlap found (with its cosine), or a merge asked for by whoever
built the template (``basis``, a JSON list of lines; empty for a question of one mandate).

Downgrading drops the column; the questions then no longer say why they were merged.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mealink.store.engine.migrations import batch_keeping_triggers

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report_questions", sa.Column("basis", sa.JSON))


def downgrade() -> None:
    with batch_keeping_triggers("report_questions") as batch:
        batch.drop_column("basis")
