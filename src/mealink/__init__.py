"""mealink: resolutions and decisions of environmental treaties as linked, trackable data.

The pipeline is ``load -> parse -> annotate`` (then link, store, search ... in later
stages); each stage is one module or package with one entry point, re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mealink.annotate import annotate
from mealink.errors import LoadError, MealinkError, NotAResolutionError
from mealink.load import iter_sources, load, load_bytes
from mealink.load.clean import clean_text
from mealink.models import Document, Mention, Paragraph, Reference, Source, Span
from mealink.parse import looks_like_resolution, parse
from mealink.pipeline import parse_file, parse_source, parse_text
from mealink.version import __version__

__all__ = [
    "Document", "LoadError", "MealinkError", "Mention", "NotAResolutionError", "Paragraph",
    "Reference", "Source", "Span", "__version__", "annotate", "clean_text", "iter_sources",
    "load", "load_bytes", "looks_like_resolution", "parse", "parse_file", "parse_source",
    "parse_text", "search",
]


if TYPE_CHECKING:
    from mealink.store.search.hits import Hit


def search(query: str, db: str | None = None, *, limit: int = 20,
           **filters: Any) -> list[Hit]:
    """Search the stored corpus (``db`` as for ``--db``); ``filters`` are the fields of
    ``SearchFilters``: convention, document, meeting, kind, verb, actor, in_force."""
    from mealink.store import open_store
    from mealink.store.search.hits import SearchFilters
    from mealink.store.search.keyword import search as search_store

    store = open_store(db, create=False)
    try:
        return search_store(store, query, SearchFilters(**filters), limit=limit)
    finally:
        store.dispose()
