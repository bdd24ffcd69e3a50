"""``mealink diff A B``: what changed between two versions of a text, paragraph by
paragraph, with the words inserted and deleted. A and B are stored texts (named as the other
commands take them) or files (parsed, no database needed). The library is imported inside
the command so that ``mealink --help`` does not load it."""

from __future__ import annotations

import os
import re
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mealink.cli.options import DbOption, out

if TYPE_CHECKING:
    from mealink.models import Document
    from mealink.store.engine.database import Store
    from mealink.versions import DocumentDiff

__all__ = ["register"]

#: what looks like a file name rather than a symbol: a letters-only suffix ('.txt', '.pdf')
_FILE_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}$")


class DiffFormat(StrEnum):
    """Output formats of ``mealink diff``."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class _Versions:
    """Opens the database only when a name is not a file."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self.store: Store | None = None

    def get(self, name: str) -> tuple[str, Document]:
        from mealink.errors import LoadError, MealinkError
        from mealink.interop import file_documents
        from mealink.store import open_store
        from mealink.store.corpus.versions import stored_version
        from mealink.versions.align import document_name

        path = Path(name)
        if path.is_dir():
            raise LoadError("is a folder: give one file (or stored text) of each version",
                            source=name)
        if path.exists():  # read as `mealink parse` and `ingest` read it (sidecar, AKN ...)
            found = file_documents(path)
            if len(found) != 1:
                raise LoadError(f"holds {len(found)} documents: give a file of one text",
                                source=name)
            doc = found[0][1]
            if isinstance(doc, MealinkError):
                raise doc
            return document_name(doc), doc
        if _FILE_SUFFIX.search(name):
            raise LoadError("no such file (nor a symbol the corpus knows)", source=name)
        if self.store is None:
            self.store = open_store(self.db, create=False)
        return stored_version(self.store, name)


def _table(diff: DocumentDiff, console: Console) -> None:
    from rich.text import Text

    from mealink.versions.render import PARTS, pieces

    console.print(Text(f"{diff.a_label} → {diff.b_label}", style="bold"))
    console.print(diff.summary())
    part = None
    for c in diff.changes:
        if c.part != "heading" and c.part != part:
            part = c.part
            console.print(Text(f"\n{PARTS[part]}", style="underline"))
        if c.status == "unchanged":
            console.print(Text(f"{c.title} unchanged", style="dim"))
            continue
        console.print(Text(f"{c.title} {c.status}", style="bold"))
        line = Text()
        for op, text in pieces(c):
            line.append(text, style={"insert": "underline green",
                                     "delete": "strike red"}.get(op, ""))
        console.print(line)


def _write(path: Path, text: str) -> None:
    """``text`` to ``path``, renamed into place only once completely written; a place that
    cannot be written is one error naming it."""
    from mealink.errors import MealinkError

    if path.is_dir():
        raise MealinkError("is a folder: give the name of the file to write", source=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise MealinkError(f"cannot write there ({exc.strerror})", source=str(path)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def diff_cmd(
    earlier: Annotated[str, typer.Argument(help="The earlier version: a symbol, citation or "
                                                "stable id of a stored text, or a file.")],
    later: Annotated[str, typer.Argument(help="The later version, named the same ways.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")]
        = DiffFormat.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: standard output).")] = None,
    db: DbOption = None,
) -> None:
    """Show what changed between two versions of a text: paragraphs unchanged, changed,
    added, deleted and moved, with inserted words underlined and deleted ones struck out."""
    import io
    import json

    from mealink.versions import compare, html_document, markdown

    versions = _Versions(db)
    (la, da), (lb, db_) = versions.get(earlier), versions.get(later)
    diff = compare(da, db_, la, lb)
    if fmt is DiffFormat.table:
        if output is None:
            _table(diff, out)
            return
        plain = Console(file=io.StringIO(), width=100, no_color=True, highlight=False)
        _table(diff, plain)
        text = plain.file.getvalue()  # type: ignore[attr-defined]
    else:
        text = {DiffFormat.json: lambda: json.dumps(diff.to_dict(), ensure_ascii=False,
                                                    indent=2) + "\n",
                DiffFormat.markdown: lambda: markdown(diff),
                DiffFormat.html: lambda: html_document(diff)}[fmt]()
    if output is None:
        print(text, end="")
    else:
        _write(output, text)


def register(app: typer.Typer) -> None:
    """Add ``diff`` to the ``mealink`` app."""
    app.command("diff")(diff_cmd)
