"""Where each mandate of an earlier version of a work went in the next stored version
(carried to the mandate of the aligned paragraph, or superseded by the revising text), so
that a mandate's progress history follows its paragraph across revisions.

Downgrading drops the table; progress entries stay on the mandates they were written on.

Revision ID: 0010
Revises: the revision named by ``down_revision``
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mandate_carries",
        sa.Column("mandate_id", sa.String(400), primary_key=True),
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("later_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("to_mandate_id", sa.String(400), index=True),
        sa.Column("how", sa.String(20), nullable=False),
        sa.Column("by_label", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mandate_carries")
