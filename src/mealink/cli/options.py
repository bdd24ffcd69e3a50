"""What the commands share: the --db, --format and --as-of options, the consoles for results
(stdout) and errors (stderr, one line each), and CSV output."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape


class Format(StrEnum):
    """Output formats shared by the list commands."""

    table = "table"
    json = "json"
    csv = "csv"


DbOption = Annotated[str | None, typer.Option(
    "--db", help="Database: a file path (SQLite) or postgresql://user@host/dbname. "
                 "Default: $MEALINK_DB, else mealink.db in the current folder.")]


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="A meeting of the text's convention (COP14, CoP19) or a date "
                    "(2020-03-01, 2020).")]


MeetingsOption = Annotated[Path | None, typer.Option(
    "--meetings", help="A TOML file of meetings and their dates, added to the bundled "
                       "calendar (to tell whether a meeting a text lasts until has been held).")]


out = Console(soft_wrap=False)


err = Console(stderr=True, highlight=False)


def fail(message: str) -> None:
    """One error line on stderr; [brackets] in a file name are the name, not markup."""
    err.print(f"[bold red]mealink: error:[/] {escape(message)}", soft_wrap=True)


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout, lists joined with "; "."""
    w = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v
                    for k, v in r.items()})
