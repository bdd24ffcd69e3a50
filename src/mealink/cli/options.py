"""What the commands share: the --db, --format and --as-of options, the consoles for results
(stdout) and errors (stderr, one line each), and CSV output."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from mealink.choices import mandate_statuses

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table


class Format(StrEnum):
    """Output formats shared by the list commands."""

    table = "table"
    json = "json"
    csv = "csv"


DbOption = Annotated[str | None, typer.Option(
    "--db", help="Database: a file path (SQLite) or postgresql://user@host/dbname. "
                 "Default: $MEALINK_DB, else mealink.db in the current folder.")]

# What a progress entry takes, on a mandate or on a work plan's activity.
ByOption = Annotated[str, typer.Option("--by", help="Who records this entry.")]
StatusOption = Annotated[str | None, typer.Option(help="New status: " + ", ".join(
    mandate_statuses()) + ".")]
NoteOption = Annotated[str | None, typer.Option(help="What was done.")]
EvidenceOption = Annotated[list[str] | None, typer.Option(
    help="A document symbol or URL showing it (repeat for several).")]
ExpectOption = Annotated[int | None, typer.Option(
    help="The number of the latest entry you read; refused if another was written since.")]


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="A meeting of the text's convention (COP14, CoP19) or a date "
                    "(2020-03-01, 2020).")]


MeetingsOption = Annotated[Path | None, typer.Option(
    "--meetings", help="A TOML file of meetings and their dates, added to the bundled "
                       "calendar (to tell whether a meeting a text lasts until has been held).")]


out = Console(soft_wrap=False)


err = Console(stderr=True, highlight=False)


#: the room a table leaves beside its id column when printed to a file or a pipe
_BESIDE_IDS = 80


def print_with_ids(table: Table, ids: Iterable[str]) -> None:
    """Print a table whose id column never wraps: to a terminal at its width (the other
    columns wrap), to a file or pipe wide enough that every id is printed whole."""
    longest = max((len(i) for i in ids), default=0)
    if out.is_terminal or out.width >= longest + _BESIDE_IDS:
        out.print(table)
        return
    was = out.width
    out.width = longest + _BESIDE_IDS
    try:
        out.print(table)
    finally:
        out.width = was


def id_column(table: Table, header: str, ids: Iterable[str], **style: Any) -> None:
    """Add a column of stable ids that is never cut or folded (an id cut in two cannot
    be copied)."""
    longest = max((len(i) for i in ids), default=len(header))
    table.add_column(header, no_wrap=True, overflow="ignore",
                     min_width=max(longest, len(header)), **style)


def progress_bar(label: str, *, describe: bool = False) -> Progress:
    """A progress bar on stderr that leaves no trace: the label, the bar, done of total, the
    time, then (``describe``) what is being done. Rich's progress module is imported here,
    by the commands that show one."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    more = [TextColumn("{task.description}")] if describe else []
    return Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), *more, console=Console(stderr=True), transient=True)


def fail(message: str) -> None:
    """One error line on stderr; [brackets] in a file name are the name, not markup."""
    err.print(f"[bold red]mealink: error:[/] {escape(message)}", soft_wrap=True)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell, as every CSV of mealink writes it: lists joined with "; ",
    true/false (not Python's True/False), empty for None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else value


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout, cells as ``csv_cell`` writes them."""
    w = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: csv_cell(v) for k, v in r.items()})
