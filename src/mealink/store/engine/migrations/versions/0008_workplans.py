"""Joint work plans: plans, their activities, the paragraphs each activity cites as its
mandate, and the append-only progress recorded on activities (triggers refuse UPDATE and
DELETE, as on mandates' progress).

Downgrading drops the four tables: the plans and their progress are lost.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER workplan_progress_no_update BEFORE UPDATE ON workplan_progress BEGIN "
    "SELECT RAISE(ABORT, 'progress entries are append-only'); END",
    "CREATE TRIGGER workplan_progress_no_delete BEFORE DELETE ON workplan_progress BEGIN "
    "SELECT RAISE(ABORT, 'progress entries are append-only'); END",
]
_PG_APPEND_ONLY = [
    "CREATE FUNCTION workplan_progress_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'progress entries are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER workplan_progress_no_change BEFORE UPDATE OR DELETE ON workplan_progress "
    "FOR EACH ROW EXECUTE FUNCTION workplan_progress_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "workplans",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "workplan_activities",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workplan_id", sa.String(120),
                  sa.ForeignKey("workplans.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("activity_id", sa.String(120), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lead", sa.String(200)),
        sa.Column("partners", sa.JSON, nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("timetable", sa.Text),
        sa.Column("due_on", sa.Date),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.UniqueConstraint("workplan_id", "activity_id", name="uq_workplan_activities_id"),
    )
    op.create_table(
        "workplan_mandates",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("activity_pk", sa.Integer,
                  sa.ForeignKey("workplan_activities.pk", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("written", sa.Text, nullable=False),
        sa.Column("document_id", sa.String(200)),
        sa.Column("paragraph_id", sa.String(260), index=True),
        sa.Column("problem", sa.Text),
    )
    op.create_table(
        "workplan_progress",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workplan_id", sa.String(120), nullable=False, index=True),
        sa.Column("activity_id", sa.String(120), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("note", sa.Text),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.UniqueConstraint("workplan_id", "activity_id", "seq",
                            name="uq_workplan_progress_seq"),
    )
    statements = _SQLITE_APPEND_ONLY if op.get_bind().dialect.name == "sqlite" \
        else _PG_APPEND_ONLY
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS workplan_progress_no_change ON workplan_progress")
        op.execute("DROP FUNCTION IF EXISTS workplan_progress_append_only()")
    op.drop_table("workplan_progress")
    op.drop_table("workplan_mandates")
    op.drop_table("workplan_activities")
    op.drop_table("workplans")
