"""The one base error of mealink and its specific kinds.

Every message names the input and says what is wrong and, where it can, how to fix it;
the CLI prints it as one line and exits non-zero.
"""

from __future__ import annotations


class MealinkError(Exception):
    """Base class of every error mealink raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}" if source else message)


class LoadError(MealinkError):
    """A file could not be read as text (missing, empty, binary, too large, corrupt)."""


class UnsupportedFormatError(LoadError):
    """The file's format is not one mealink reads."""


class NotAResolutionError(MealinkError):
    """The text was read but holds nothing that looks like a resolution or decision."""


class ParseError(MealinkError):
    """A text or list meant to be parsed is malformed (e.g. a list of findings without text)."""


class VocabularyError(MealinkError):
    """A data file of the package is malformed (a bug in the shipped vocabularies)."""


class GoldError(MealinkError):
    """A gold annotation file is malformed or does not match its text."""


class StoreError(MealinkError):
    """The database cannot be opened, written or understood (path, server, schema version)."""


class NotFoundError(MealinkError):
    """What was asked for (a document, a paragraph) is not in the corpus."""


class ConflictError(MealinkError):
    """A write was based on a state someone else has changed since (reload and retry)."""


class DiskFullError(StoreError):
    """The disk (or a file-size limit) left no room to write the database; what was written
    before stays whole."""


class ReadOnlyStoreError(StoreError):
    """The database can be read but not written (file, folder or file system read-only, a
    read-only server)."""


class StoreBusyError(StoreError):
    """Another process held the database's write lock for longer than mealink waits, or a
    statement ran past its time limit."""
