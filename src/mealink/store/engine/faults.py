"""Database faults that are no bug of mealink's (disk full, read-only, a lock or statement
past its time, a server gone), told as one line from the driver's own exception, so the
SQLAlchemy engine's error hook and the plain ``sqlite3`` reader say the same thing."""

from __future__ import annotations

from pathlib import Path

from mealink.errors import DiskFullError, ReadOnlyStoreError, StoreBusyError, StoreError
from mealink.store.engine.place import (
    CONNECT_TIMEOUT,
    LOCK_TIMEOUT,
    STATEMENT_TIMEOUT,
    seconds,
    why_read_only,
)

__all__ = ["describe_fault", "first_line"]


def first_line(exc: BaseException) -> str:
    """The first line of what the driver said, to quote in a one-line error."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe_fault(exc: BaseException, name: str, *, path: Path | None = None,
                   connecting: bool = False, disconnected: bool = False
                   ) -> StoreError | None:
    """The one line for a database error that is no bug of mealink's and no refusal of
    one document (disk full, read-only, a lock or statement past its time, a server gone),
    or None. ``exc`` is the driver's exception; ``path`` the SQLite file."""
    reason = first_line(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        if primary == 13:  # SQLITE_FULL
            return DiskFullError(f"disk full ({reason}): could not write to the database "
                                 f"{name}; what was stored before stays whole; free some "
                                 "space and run the command again")
        if code in (778, 1034, 1546, 4874):  # SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE, _SHMSIZE
            return DiskFullError(f"disk full or write error ({reason}): could not write to "
                                 f"the database {name} (a full disk, a file-size limit or a "
                                 "failing disk); what was stored before stays whole")
        if primary == 8:  # SQLITE_READONLY and its kinds
            why = why_read_only(path) if path is not None else reason
            return ReadOnlyStoreError(f"the database {name} is read-only ({why}); nothing "
                                      "was written")
        if primary in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            return StoreBusyError(f"the database {name} is busy: another process kept it "
                                  f"locked ({reason}); try again when it is done "
                                  f"({LOCK_TIMEOUT[0]} sets how long mealink waits)")
        if primary == 26:  # SQLITE_NOTADB
            return StoreError(f"{name} is not a mealink database ({reason}); point --db at "
                              "a database made by `mealink ingest`")
        if primary == 11:  # SQLITE_CORRUPT
            return StoreError(f"the database {name} is damaged ({reason}); restore it from "
                              "a copy, or ingest the texts again into a new one")
        if primary == 14:  # SQLITE_CANTOPEN
            return StoreError(f"cannot open the database {name} ({reason})")
        return None
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate == "53100":  # disk_full
        return DiskFullError(f"disk full ({reason}): the server of {name} has no room left; "
                             "what was stored before stays whole")
    if sqlstate == "25006":  # read_only_sql_transaction: a standby, a read-only default
        return ReadOnlyStoreError(f"the database {name} is read-only ({reason}); nothing was "
                                  "written")
    if sqlstate == "42501":  # insufficient_privilege
        return StoreError(f"the database {name} does not allow this user to do this "
                          f"({reason}); ask its administrator for the rights mealink needs")
    if sqlstate == "55P03":  # lock_not_available: lock_timeout
        return StoreBusyError(f"the database {name} is busy: another process kept it locked "
                              f"for longer than {seconds(LOCK_TIMEOUT):g} s; try again when "
                              f"it is done ({LOCK_TIMEOUT[0]} sets how long mealink waits)")
    if sqlstate == "57014" and "statement timeout" in reason:
        return StoreBusyError(f"the database {name} did not finish a statement within "
                              f"{seconds(STATEMENT_TIMEOUT):g} s ({STATEMENT_TIMEOUT[0]}); "
                              "it was cancelled and its transaction undone")
    if connecting:
        if "timeout" in reason:
            reason += (f" (no answer within {seconds(CONNECT_TIMEOUT):g} s; "
                       f"{CONNECT_TIMEOUT[0]} sets how long mealink waits)")
        return StoreError(f"cannot connect to the database {name}: {reason}")
    if disconnected or (sqlstate or "").startswith("08"):
        return StoreError(f"lost the connection to the database {name} ({reason}); what "
                          "was committed before stays, run the command again")
    return None


