"""``mealink export``: one command, one ``--format``, for Akoma Ntoso, InforMEA records and
tables (CSV, XLSX). A thin shell over ``mealink.export.export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mealink.choices import EXPORT_FORMATS as FORMATS
from mealink.choices import EXPORT_TABLES as TABLES
from mealink.cli.options import err
from mealink.errors import MealinkError


def export_cmd(
    documents: Annotated[list[str] | None, typer.Argument(
        help="The documents to export (ids, symbols or citations such as 'CMS Resolution "
             "11.10'). The format may come first: `mealink export akn 'Resolution 11.10'`.",
        show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help=f"One of {', '.join(FORMATS)}.", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Export every stored text.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write: a folder for several Akoma Ntoso files, a "
                               "file otherwise (default: standard output).")] = None,
    table: Annotated[str | None, typer.Option(
        help=f"For csv (required) and xlsx (default: all): {', '.join(TABLES)}.")] = None,
    base_url: Annotated[str | None, typer.Option(
        help="For informea: the address of this mealink, to fill each record's link.")]
        = None,
    extension: Annotated[bool, typer.Option(
        help="For informea: add mealink's extension (paragraphs, actors, lineage).")] = True,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database: a file path (SQLite) or postgresql://user@host/dbname. "
                     "Default: $MEALINK_DB, else mealink.db in the current folder.")] = None,
) -> None:
    """Export stored texts as Akoma Ntoso, InforMEA records, CSV or XLSX."""
    from mealink.export import export
    from mealink.store import open_store

    names = list(documents or [])
    if names and names[0] in FORMATS:
        if fmt is not None and fmt != names[0]:
            raise MealinkError(f"two formats given ({names[0]} and --format {fmt}); give one")
        fmt = names.pop(0)
    if fmt is None:
        first = f"; {names[0]!r} is not one" if names and every else ""
        raise MealinkError(f"give the format first or with --format: "
                           f"{'|'.join(FORMATS)}{first}")
    if every and names:
        raise MealinkError("give document names or --all, not both")
    store = open_store(db, create=False)
    result = export(store, fmt, names, every=every, output=output, table=table,
                    base_url=base_url, extension=extension)
    if output is not None:
        where = output if len(result.files) != 1 else result.files[0]
        unit = "row" if fmt in ("csv", "xlsx") else "document"
        err.print(f"exported {result.items} {unit}{'' if result.items == 1 else 's'} as "
                   f"{fmt} to {where}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``export`` to the ``mealink`` app."""
    app.command("export")(export_cmd)
