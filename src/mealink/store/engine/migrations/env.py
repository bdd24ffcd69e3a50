"""Alembic environment: migrations run on the connection mealink hands over (see
``mealink.store.engine.database.migrate``), never on a URL from an ini file.

The connection comes outside any transaction: this file makes the one transaction every
migration of a run shares, so that a failure or a killed process leaves the schema at the
revision it started from. On SQLite two things need care (SQLite's own recipe for changing a
table): the transaction is begun explicitly, since the driver would otherwise run DDL
outside any transaction until the first INSERT or UPDATE; and foreign keys are off while it
runs, since a batch migration drops and recreates a table, and with them on, dropping
``documents`` or ``paragraphs`` deletes every row that refers to them. The pragma cannot
change inside a transaction, hence the order; ``PRAGMA foreign_key_check`` proves nothing
was left dangling before the transaction commits.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from mealink.store.engine.schema import Base

connection: Connection = context.config.attributes["connection"]
if connection.in_transaction():
    raise RuntimeError("the migrations make their own transaction: hand them a connection "
                       "outside any transaction (engine.connect(), not engine.begin())")
sqlite = connection.dialect.name == "sqlite"
if sqlite:
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # ends the transaction SQLAlchemy began; no SQLite one was open
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=sqlite, transactional_ddl=True)
try:
    with context.begin_transaction():
        if sqlite and connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("SQLite kept foreign keys on; the migrations would "
                               "delete rows when they rebuild a table")
        # the database's write lock (on SQLite, BEGIN IMMEDIATE): a second process migrating
        # at the same time waits here, then reads the revision this one left
        take_write_lock = context.config.attributes.get("write_lock")
        if take_write_lock is not None:
            take_write_lock(connection)
        elif sqlite:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        context.run_migrations()
        if sqlite:
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if dangling:
                raise RuntimeError(f"the migrations left {len(dangling)} rows that refer to "
                                   f"rows that do not exist (first: {tuple(dangling[0])}); "
                                   "nothing was changed")
finally:
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
