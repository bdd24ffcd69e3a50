"""Mandates and their append-only progress entries.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER progress_no_update BEFORE UPDATE ON progress BEGIN "
    "SELECT RAISE(ABORT, 'progress entries are append-only'); END",
    "CREATE TRIGGER progress_no_delete BEFORE DELETE ON progress BEGIN "
    "SELECT RAISE(ABORT, 'progress entries are append-only'); END",
]
_PG_APPEND_ONLY = [
    "CREATE FUNCTION progress_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'progress entries are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER progress_no_change BEFORE UPDATE OR DELETE ON progress "
    "FOR EACH ROW EXECUTE FUNCTION progress_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "mandates",
        sa.Column("id", sa.String(400), primary_key=True),
        sa.Column("document_id", sa.String(200),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("paragraph_id", sa.String(260), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("convention", sa.String(60)),
        sa.Column("document_label", sa.String(300), nullable=False),
        sa.Column("document_title", sa.Text),
        sa.Column("paragraph_number", sa.String(40)),
        sa.Column("paragraph_seq", sa.Integer, nullable=False),
        sa.Column("in_force", sa.Boolean, nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("written", sa.Text, nullable=False),
        sa.Column("role", sa.String(60)),
        sa.Column("verb", sa.String(60), nullable=False),
        sa.Column("strength", sa.String(10), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("deadline", sa.Text),
        sa.Column("deadline_kind", sa.String(10)),
        sa.Column("deadline_convention", sa.String(60)),
        sa.Column("deadline_body", sa.String(20)),
        sa.Column("deadline_number", sa.Integer),
        sa.Column("deadline_after", sa.Integer),
        sa.Column("deadline_on", sa.Date),
        sa.Column("deadline_implied", sa.Boolean, nullable=False),
        sa.Column("condition", sa.Text),
        sa.Column("reporting_to", sa.JSON, nullable=False),
        sa.Column("time_bound", sa.Boolean, nullable=False),
        sa.Column("derived_status", sa.String(20), nullable=False),
        sa.Column("derived_reason", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_mandates_actor_status", "mandates", ["actor", "status"])
    op.create_table(
        "progress",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mandate_id", sa.String(400), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("note", sa.Text),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.UniqueConstraint("mandate_id", "seq", name="uq_progress_mandate_seq"),
    )
    statements = _SQLITE_APPEND_ONLY if op.get_bind().dialect.name == "sqlite" \
        else _PG_APPEND_ONLY
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS progress_no_change ON progress")
        op.execute("DROP FUNCTION IF EXISTS progress_append_only()")
    op.drop_table("progress")
    op.drop_index("ix_mandates_actor_status", "mandates")
    op.drop_table("mandates")
