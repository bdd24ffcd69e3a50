"""The ``mealink`` command: a thin shell over the library.

Every command parses its options, calls one library function per input and formats the
result. A ``MealinkError`` becomes one line on stderr naming the input and a non-zero exit;
in a batch the other inputs are still processed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mealink.cli_corpus import register
from mealink.cli_export import register as register_export
from mealink.cli_mandates import register as register_mandates
from mealink.cli_synergies import register as register_synergies
from mealink.cli_web import register as register_web
from mealink.errors import MealinkError
from mealink.evaluate import score_folder
from mealink.interop import file_documents
from mealink.load import DEFAULT_MAX_BYTES, Skipped, iter_paths
from mealink.render import document_view, scores_table, summary_table
from mealink.serialize import document_to_dict

app = typer.Typer(
    help="mealink: resolutions and decisions of environmental treaties as structured data.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)

#: The scores the corpus must reach (issue 2); ``eval --check`` exits 1 below them.
TARGETS = {
    "segmentation_f1": 0.97, "kind_accuracy": 0.97, "number_accuracy": 0.95,
    "verb_accuracy": 0.95, "actor_f1": 0.92, "reference_f1": 0.92, "repeal_f1": 1.0,
}


def _fail(message: str) -> None:
    """One error line on stderr; [brackets] in a file name are the name, not markup."""
    err.print(f"[bold red]mealink: error:[/] {escape(message)}", soft_wrap=True)


@app.command("parse")
def parse_cmd(
    files: Annotated[list[Path], typer.Argument(help="Files or folders (txt, md, html, pdf, "
                                                     "docx, json, Akoma Ntoso xml, InforMEA "
                                                     "records); folders are read recursively.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per document "
                                                        "(JSON Lines), in input order.")] = False,
    max_size: Annotated[float, typer.Option(help="Largest input accepted, in MB.")] =
        DEFAULT_MAX_BYTES / 1e6,
) -> None:
    """Parse and annotate resolutions and decisions; show them or print JSON Lines."""
    out = Console(soft_wrap=False)
    failed = 0

    def skipped(s: Skipped) -> None:  # met in a folder: a link, a FIFO, an unreadable folder
        nonlocal failed
        failed += s.failed
        err.print(f"mealink: {'error' if s.failed else 'skipped'}: {s}", style="yellow",
                  markup=False, soft_wrap=True)

    for path in iter_paths(files, on_skip=skipped):
        try:
            found = file_documents(path, max_bytes=int(max_size * 1e6))
        except Exception as exc:  # a bug: say so in one line, go on with the batch
            if os.environ.get("MEALINK_DEBUG") == "1":
                raise
            found = [(str(path), MealinkError(
                f"internal error ({type(exc).__name__}: {exc}); please report it with this "
                "file (MEALINK_DEBUG=1 shows the traceback)", source=str(path)))]
        for _, doc in found:
            if isinstance(doc, MealinkError):
                failed += 1
                _fail(str(doc))
            elif as_json:
                sys.stdout.write(json.dumps(document_to_dict(doc), ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                out.print(document_view(doc))
    if failed:
        raise typer.Exit(1)


@app.command("eval")
def eval_cmd(
    gold_dir: Annotated[Path, typer.Argument(help="Folder of NAME.txt + NAME.gold.json pairs.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show per-document scores "
                                                                 "and list every miss.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    check: Annotated[bool, typer.Option(help="Exit 1 if the corpus scores are below the "
                                             "targets.")] = False,
) -> None:
    """Score the parser against gold annotations (matching rules: see the README)."""
    if not gold_dir.is_dir():
        _fail(f"{gold_dir}: is not a folder of NAME.txt + NAME.gold.json files")
        raise typer.Exit(2)
    golds = sorted(gold_dir.glob("*.gold.json"))
    if not golds:
        _fail(f"{gold_dir}: holds no *.gold.json files")
        raise typer.Exit(2)
    try:
        total, tallies = score_folder(gold_dir)
    except MealinkError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from None
    rows = [(name, tally.scores()) for name, tally in tallies]
    scores = total.scores()
    if as_json:
        print(json.dumps({"documents": dict(rows), "total": scores,
                          "counts": {"gold": total.gold, "predicted": total.pred,
                                     "matched": total.matched}}, indent=2))
    else:
        console = Console()
        if verbose:
            console.print(scores_table(rows, scores, TARGETS))
        console.print(summary_table(scores, TARGETS))
        console.print(f"{len(golds)} documents: {total.gold} gold paragraphs, {total.pred} "
                      f"predicted, {total.matched} matched")
        if verbose:
            for miss in total.misses:
                console.print(miss, markup=False, highlight=False)
    if check and any(scores[k] < v for k, v in TARGETS.items()):
        raise typer.Exit(1)


register(app)
register_mandates(app)
register_synergies(app)
register_export(app)
register_web(app)


#: Writes that fail for want of room or a writable disk, not for a bug: what each is called.
_NO_ROOM = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
            errno.EFBIG: "file too large", errno.EROFS: "read-only file system"}


def _quiet_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so that flushing it at exit (on a full
    disk or a closed pipe) prints no second error."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:
    """Console entry point: run the app and turn stray errors into one line."""
    try:
        app()
    except MealinkError as exc:
        _fail(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("MEALINK_DEBUG") == "1":
            raise
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:  # no bug: no room to write
            where = exc.filename or "the output"
            _fail(f"{_NO_ROOM[exc.errno]} ({exc.strerror}) writing {where}: it is incomplete")
            _quiet_stdout()
            sys.exit(1)
        _fail(f"internal error ({type(exc).__name__}: {exc}); please report it "
              "(MEALINK_DEBUG=1 shows the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    main()
