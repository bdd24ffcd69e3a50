"""The fixed choices and limits people meet at the front ends: the largest input read, the
export formats and tables, the roles of users, the statuses of a mandate. They live apart
from the code behind them, with no import beyond the standard library and the reader of
the package's data files, so that ``mealink --help`` can list them without loading an XML
reader, a database driver, a password hasher or the compiled vocabulary."""

from __future__ import annotations

from functools import cache

from mealink.datafiles import load_data

__all__ = ["DEFAULT_MAX_BYTES", "EMBED_MODELS", "EXPORT_FORMATS", "EXPORT_TABLES", "ROLES",
           "mandate_statuses"]

#: The largest input read by default, in bytes (``--max-size`` changes it).
DEFAULT_MAX_BYTES: int = 25_000_000

#: The formats of ``mealink export --format``.
EXPORT_FORMATS: tuple[str, ...] = ("akn", "informea", "csv", "xlsx")
#: the sentence-vector models of ``mealink embed --model`` (``semantic/models.py``)
EMBED_MODELS: tuple[str, ...] = ("full", "static")

#: The tables ``mealink export`` writes as CSV or XLSX sheets.
EXPORT_TABLES: tuple[str, ...] = ("documents", "paragraphs", "mandates", "references")

#: The roles of users, weakest first; each can do what the ones before it can.
ROLES: tuple[str, ...] = ("reader", "editor", "admin")


@cache
def mandate_statuses() -> dict[str, str]:
    """The statuses of a mandate and what each means, as ``mandates.toml`` lists them."""
    return {s["name"]: s["means"] for s in load_data("mandates.toml")["status"]}
