"""mealink: resolutions and decisions of environmental treaties as linked, trackable data.

The pipeline is ``load -> parse -> annotate`` (then link, store, search ... in later
stages); each stage is one module or package with one entry point, re-exported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mealink.annotate import annotate
from mealink.errors import LoadError, MealinkError, NotAResolutionError
from mealink.load import iter_sources, load, load_bytes
from mealink.load.clean import clean_text
from mealink.models import Document, Mention, Paragraph, Reference, Source, Span
from mealink.parse import looks_like_resolution, parse

__all__ = [
    "Document", "LoadError", "MealinkError", "Mention", "NotAResolutionError", "Paragraph",
    "Reference", "Source", "Span", "annotate", "clean_text", "iter_sources", "load",
    "load_bytes", "looks_like_resolution", "parse", "parse_file", "parse_text", "search",
]

__version__ = "0.3.0"

if TYPE_CHECKING:
    from mealink.store.search import Hit


def parse_text(text: str, source: str = "<text>") -> Document:
    """Repair, parse and annotate a text given as a string."""
    return annotate(parse(clean_text(text), source))


def parse_source(src: Source) -> Document:
    """Parse and annotate a loaded source; refuse text that is not a decision."""
    doc = annotate(parse(src.text, src.name, src.meta))
    if not looks_like_resolution(doc):
        raise NotAResolutionError(
            "no preamble or operative paragraphs found: this does not look like a resolution "
            "or decision", source=src.name)
    return doc


def parse_file(path: str | Path) -> Document:
    """Load, parse and annotate one file."""
    return parse_source(load(path))


def search(query: str, db: str | None = None, *, limit: int = 20,
           **filters: Any) -> list[Hit]:
    """Search the stored corpus (``db`` as for ``--db``); ``filters`` are the fields of
    ``SearchFilters``: convention, document, meeting, kind, verb, actor, in_force."""
    from mealink.store import open_store
    from mealink.store.search import SearchFilters
    from mealink.store.search import search as search_store

    store = open_store(db, create=False)
    try:
        return search_store(store, query, SearchFilters(**filters), limit=limit)
    finally:
        store.dispose()
