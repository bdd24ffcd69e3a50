"""The TOML data files shipped in ``mealink/data``, read: where mealink's knowledge (actors,
verbs, conventions, symbol patterns, topics, statuses, meetings) lives. Standard library
only, so a light module (the command line's choices) can read one without compiling the
vocabulary built from them."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from mealink.errors import VocabularyError

__all__ = ["load_data"]


def load_data(name: str) -> dict[str, Any]:
    """A TOML data file shipped in ``mealink/data``, parsed."""
    try:
        text = resources.files("mealink.data").joinpath(name).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"cannot read data file {name}: {exc}") from exc
