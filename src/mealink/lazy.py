"""Names a package re-exports, each imported the first time it is asked for (PEP 562), so
that importing the package (or a light module inside it) does not load what they need."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, sources: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``sources`` is imported from the
    module given for it on first use, then kept in the package as if imported there."""

    def get(name: str) -> Any:
        where = sources.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where), name)
        vars(sys.modules[package])[name] = value
        return value

    return get
