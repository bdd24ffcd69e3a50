"""Alembic environment: migrations run on the connection mealink hands over (see
``mealink.store.database.migrate``), never on a URL from an ini file."""

from __future__ import annotations

from alembic import context

from mealink.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
