"""The store's engine: opening the database (``database``), its tables (``schema``) and the
Alembic migrations that create and change them (``migrations``). Every feature's queries
sit above it, in the sibling packages named after the feature."""
