"""The ``mealink`` command line: ``app`` (the Typer application) and ``main`` (the console
entry point). One module per command group, named after its commands: ``parse`` (parse,
eval), ``corpus`` (ingest, reparse, status, lineage, in-force, refs), ``search`` (search,
embed), ``mandates`` (mandates, progress, report, review), ``synergies`` (topics, overlaps,
findings), ``export``, ``serve`` and ``users``; ``options`` holds what they share,
``views`` the terminal views of documents and scores.

Import lazily: a module here imports at its top only Typer, Rich, other ``cli`` modules and
light modules (``errors``, ``choices``; ``models`` for type hints only); a store, a model,
the web stack, SQLAlchemy, numpy or lxml is imported inside the command that needs it, so
that ``mealink --help`` stays instant (``tests/test_lazy_imports.py`` checks every module
of this package)."""

from mealink.cli.app import app, main
from mealink.cli.parse import TARGETS

__all__ = ["TARGETS", "app", "main"]
