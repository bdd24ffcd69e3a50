"""Many documents in one write transaction, a savepoint each: ingest commits once per batch
instead of once per document (issue 18: a commit and a lock per document were a fifth of
ingest), and a document the database refuses still rolls back alone.

A batch that a database fault stops (disk full, a lock held too long, a lost connection) is
rolled back whole by its caller and its documents stored again one transaction each, so
that what was before the fault is stored, each document whole, as when every document had
its own transaction (``ingest._run``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, RootTransaction
from sqlalchemy.exc import SQLAlchemyError

from mealink.errors import StoreError
from mealink.store.engine.database import Store, take_write_lock
from mealink.store.engine.fulltext import defer_indexing, index_deferred

__all__ = ["BATCH_DOCUMENTS", "BATCH_SECONDS", "Batch"]

#: A batch is committed after this many documents ...
BATCH_DOCUMENTS = 200
#: ... or this many seconds after it began, whichever comes first: another process waiting
#: for the write lock waits about this long (it waited one document before).
BATCH_SECONDS = 1.0


class Batch:
    """One write transaction under the database's write lock, begun at the first document
    written and committed when ``due``; each document's writes in a savepoint of their own.
    ``documents=1`` is a transaction per document."""

    def __init__(self, store: Store, *, documents: int = BATCH_DOCUMENTS,
                 seconds: float = BATCH_SECONDS) -> None:
        self.store = store
        self.documents = documents
        self.seconds = seconds
        self._conn: Connection | None = None
        self._trans: RootTransaction | None = None
        self._began = 0.0
        self._written = 0
        #: what the open transaction has made true for the documents after (``"topics"``:
        #: the vocabulary's topics are stored), and what the document being written has
        self.done: set[str] = set()
        self.doing: set[str] = set()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection that sees what this batch wrote: the batch's own while its
        transaction is open, else a new one (reading takes no lock)."""
        if self._conn is not None:
            yield self._conn
            return
        with self.store.engine.connect() as conn:
            yield conn

    @contextmanager
    def document(self) -> Iterator[Connection]:
        """One document's writes, in a savepoint: an error rolls back its rows alone and
        goes on to the caller; the rest of the batch stays."""
        conn = self._begin()
        self.doing = set()
        with conn.begin_nested():
            yield conn
        self._written += 1
        self.done |= self.doing  # kept only when the savepoint was

    def _begin(self) -> Connection:
        if self._conn is None:
            conn = self.store.engine.connect()
            try:
                self._trans = conn.begin()
                take_write_lock(conn)
                defer_indexing(conn)
            except BaseException:
                conn.close()
                raise
            self._conn, self._began = conn, time.monotonic()
        return self._conn

    @property
    def open(self) -> bool:
        """Whether a transaction is open (something was written and not yet committed)."""
        return self._conn is not None

    def due(self) -> bool:
        """Whether the open transaction holds enough documents, or time, to commit."""
        return self._conn is not None and (
            self._written >= self.documents or time.monotonic() - self._began >= self.seconds)

    def commit(self) -> None:
        """Index the batch's paragraphs for full-text search and commit what it wrote
        (nothing to do when it wrote nothing)."""
        conn = self._conn

        def finish(trans: RootTransaction) -> None:
            if conn is not None:
                index_deferred(conn)
            trans.commit()
        self._end(finish)

    def rollback(self) -> None:
        """Forget what the open transaction wrote (after a fault, or when the caller stops
        early); a connection already lost has nothing left to roll back."""
        def forget(trans: RootTransaction) -> None:
            with contextlib.suppress(StoreError, SQLAlchemyError):
                trans.rollback()
        self._end(forget)

    def _end(self, finish: Callable[[RootTransaction], None]) -> None:
        """End the open transaction with ``finish`` and close its connection; the batch is
        empty again either way."""
        conn, trans = self._conn, self._trans
        if conn is None or trans is None:
            return
        self._conn, self._trans, self._written = None, None, 0
        self.done = set()
        try:
            finish(trans)
        finally:
            conn.close()
