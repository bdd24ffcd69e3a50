"""Store: the corpus in a database (SQLite by default, PostgreSQL for a shared server).

``open_store`` opens or creates it, ``ingest`` / ``reparse`` fill it, ``link`` resolves
citations and in-force status, ``search`` and the queries in ``corpus`` read it. The names
are imported on first use (PEP 562): a command that only reads the store does not load the
ingest pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mealink.lazy import lazy_names

if TYPE_CHECKING:
    from mealink.store.corpus.ingest import (
        FileOutcome,
        IngestSummary,
        ingest,
        ingest_file,
        reparse,
    )
    from mealink.store.corpus.linking import LinkSummary, link
    from mealink.store.engine.database import DEFAULT_DB, Store, database_url, open_store

__all__ = ["DEFAULT_DB", "FileOutcome", "IngestSummary", "LinkSummary", "Store", "database_url",
           "ingest", "ingest_file", "link", "open_store", "reparse"]

_INGEST, _LINKING, _DATABASE = ("mealink.store.corpus.ingest", "mealink.store.corpus.linking",
                                "mealink.store.engine.database")
#: each name and the module it comes from
_FROM = {"FileOutcome": _INGEST, "IngestSummary": _INGEST, "ingest": _INGEST,
         "ingest_file": _INGEST, "reparse": _INGEST, "LinkSummary": _LINKING, "link": _LINKING,
         "DEFAULT_DB": _DATABASE, "Store": _DATABASE, "database_url": _DATABASE,
         "open_store": _DATABASE}


__getattr__ = lazy_names(__name__, _FROM)
