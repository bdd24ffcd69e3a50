"""Store: the corpus in a database (SQLite by default, PostgreSQL for a shared server).

``open_store`` opens or creates it, ``ingest`` / ``reparse`` fill it, ``link`` resolves
citations and in-force status, ``search`` and the queries in ``corpus`` read it.
"""

from mealink.store.database import DEFAULT_DB, Store, database_url, open_store
from mealink.store.ingest import FileOutcome, IngestSummary, ingest, ingest_file, reparse
from mealink.store.linking import LinkSummary, link

__all__ = ["DEFAULT_DB", "FileOutcome", "IngestSummary", "LinkSummary", "Store", "database_url",
           "ingest", "ingest_file", "link", "open_store", "reparse"]
