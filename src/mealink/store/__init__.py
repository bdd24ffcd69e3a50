"""Store: the corpus in a database (SQLite by default, PostgreSQL for a shared server).

``open_store`` opens or creates it, ``ingest`` / ``reparse`` fill it, ``link`` resolves
citations and in-force status, ``search`` and the queries in ``corpus`` read it.
"""

from mealink.store.corpus.ingest import FileOutcome, IngestSummary, ingest, ingest_file, reparse
from mealink.store.corpus.linking import LinkSummary, link
from mealink.store.engine.database import DEFAULT_DB, Store, database_url, open_store

__all__ = ["DEFAULT_DB", "FileOutcome", "IngestSummary", "LinkSummary", "Store", "database_url",
           "ingest", "ingest_file", "link", "open_store", "reparse"]
