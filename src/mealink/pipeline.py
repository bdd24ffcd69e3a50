"""The pipeline as one call: ``load -> parse -> annotate`` for a string, a loaded source or a
file, with a text that is not a decision refused. The package root re-exports these; modules
inside the package import them from here, so nothing below the root imports the root."""

from __future__ import annotations

from pathlib import Path

from mealink.annotate import annotate
from mealink.errors import NotAResolutionError
from mealink.load import load
from mealink.load.clean import clean_text
from mealink.models import Document, Source
from mealink.parse import looks_like_resolution, parse

__all__ = ["parse_file", "parse_source", "parse_text"]


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
