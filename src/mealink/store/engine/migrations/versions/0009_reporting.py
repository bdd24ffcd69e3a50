"""Harmonised national reporting: questionnaire templates (each a hash of its questions),
their questions, the mandates each question answers, and the Parties' answers per cycle.

Downgrading drops the four tables: the answers go with them, while the progress entries
they made on mandates stay (progress is append-only and outlives its source).

Revision ID: 0009
Revises: the revision named by ``down_revision`` (the only line that changes when this
migration is chained after another)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_templates",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("conventions", sa.JSON, nullable=False),
        sa.Column("as_of", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "report_questions",
        sa.Column("template_id", sa.String(40),
                  sa.ForeignKey("report_templates.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("wording", sa.JSON, nullable=False),
        sa.Column("answer_type", sa.String(20), nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("addressees", sa.JSON, nullable=False),
    )
    op.create_table(
        "report_question_mandates",
        sa.Column("template_id", sa.String(40),
                  sa.ForeignKey("report_templates.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("question_id", sa.String(40), primary_key=True),
        sa.Column("mandate_id", sa.String(400), primary_key=True, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("convention", sa.String(60), nullable=False),
        sa.Column("document", sa.String(300), nullable=False),
        sa.Column("paragraph", sa.String(40)),
    )
    op.create_table(
        "report_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("template_id", sa.String(40),
                  sa.ForeignKey("report_templates.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("question_id", sa.String(40), nullable=False),
        sa.Column("party", sa.String(200), nullable=False, index=True),
        sa.Column("cycle", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("details", sa.Text),
        sa.Column("answer_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("party", "cycle", "question_id", "answer_hash",
                            name="uq_report_answers"),
    )


def downgrade() -> None:
    op.drop_table("report_answers")
    op.drop_table("report_question_mandates")
    op.drop_table("report_questions")
    op.drop_table("report_templates")
