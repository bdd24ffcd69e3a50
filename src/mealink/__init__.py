"""mealink: resolutions and decisions of environmental treaties as linked, trackable data.

The pipeline is ``load -> parse -> annotate`` (then link, store, search ... in later
stages); each stage is one module or package with one entry point, re-exported here.
The re-exports are imported on first use (PEP 562), so that ``import mealink.cli`` or
``import mealink.errors`` does not load the pipeline's vocabulary and readers.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from mealink.lazy import lazy_names
from mealink.version import __version__

if TYPE_CHECKING:
    from mealink.annotate import annotate
    from mealink.errors import LoadError, MealinkError, NotAResolutionError
    from mealink.load import iter_sources, load, load_bytes
    from mealink.load.clean import clean_text
    from mealink.models import Document, Mention, Paragraph, Reference, Source, Span
    from mealink.parse import looks_like_resolution, parse
    from mealink.pipeline import parse_file, parse_source, parse_text
    from mealink.store.search.hits import Hit

__all__ = [
    "Document", "LoadError", "MealinkError", "Mention", "NotAResolutionError", "Paragraph",
    "Reference", "Source", "Span", "__version__", "annotate", "clean_text", "iter_sources",
    "load", "load_bytes", "looks_like_resolution", "parse", "parse_file", "parse_source",
    "parse_text", "search",
]

#: each re-exported name and the module it comes from
_FROM = {
    "annotate": "mealink.annotate",
    "LoadError": "mealink.errors", "MealinkError": "mealink.errors",
    "NotAResolutionError": "mealink.errors",
    "iter_sources": "mealink.load", "load": "mealink.load", "load_bytes": "mealink.load",
    "clean_text": "mealink.load.clean",
    "Document": "mealink.models", "Mention": "mealink.models", "Paragraph": "mealink.models",
    "Reference": "mealink.models", "Source": "mealink.models", "Span": "mealink.models",
    "looks_like_resolution": "mealink.parse", "parse": "mealink.parse",
    "parse_file": "mealink.pipeline", "parse_source": "mealink.pipeline",
    "parse_text": "mealink.pipeline",
}


__getattr__ = lazy_names(__name__, _FROM)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Root(ModuleType):
    """The package module: ``mealink.load``, ``mealink.parse`` and ``mealink.annotate`` stay
    the functions even when their subpackages are imported later (the import system would
    otherwise bind each subpackage over the function of its name)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and _FROM.get(name) == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Root


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
