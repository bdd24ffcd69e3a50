"""The schema's Alembic migrations (``versions/``), run by ``mealink.store.engine.database.migrate``
through ``env.py``, and what the migrations share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

__all__ = ["batch_keeping_triggers"]


@contextmanager
def batch_keeping_triggers(table: str) -> Iterator[BatchOperations]:
    """``op.batch_alter_table`` that keeps the table's triggers. On SQLite a batch change
    copies the table into a new one and drops the old, and its triggers (the full-text
    index's on ``paragraphs``) go with it: they are read first and made again after."""
    bind = op.get_bind()
    triggers: list[str] = []
    if bind.dialect.name == "sqlite":
        triggers = [str(sql) for sql in bind.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
            "ORDER BY name"), {"t": table}).scalars()]
    with op.batch_alter_table(table) as batch:
        yield batch
    have = set()
    if triggers:
        have = {str(sql) for sql in bind.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": table}).scalars()}
    for sql in triggers:
        if sql not in have:  # a change Alembic made in place keeps them
            op.execute(sql)
