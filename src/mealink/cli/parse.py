"""``mealink parse`` (files to structured JSON or a readable view) and ``mealink eval`` (the
parser scored against gold annotations, with the targets ``--check`` holds it to)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mealink.choices import DEFAULT_MAX_BYTES
from mealink.cli.options import err, fail
from mealink.cli.views import document_view, scores_table, summary_table
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from mealink.load import Skipped

__all__ = ['TARGETS', 'register']


#: The scores the corpus must reach (issue 2); ``eval --check`` exits 1 below them.
TARGETS = {
    "segmentation_f1": 0.97, "kind_accuracy": 0.97, "number_accuracy": 0.95,
    "verb_accuracy": 0.95, "actor_f1": 0.92, "reference_f1": 0.92, "repeal_f1": 1.0,
}


def parse_cmd(
    files: Annotated[list[Path], typer.Argument(help="Files or folders (txt, md, html, pdf, "
                                                     "docx, json, Akoma Ntoso xml, InforMEA "
                                                     "records); folders are read recursively.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per document "
                                                        "(JSON Lines), in input order.")] = False,
    max_size: Annotated[float, typer.Option(help="Largest input accepted, in MB.")] =
        DEFAULT_MAX_BYTES / 1e6,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="Processes that read the files (default: one a CPU, up to 4, "
                              "for 64 files or more; 1 reads here). The output is the same, "
                              "in the order the files are named.")] = None,
) -> None:
    """Parse and annotate resolutions and decisions; show them or print JSON Lines."""
    from mealink.interop import files_read
    from mealink.load import iter_paths
    from mealink.workers import workers_for

    out = Console(soft_wrap=False)
    failed = 0

    def skipped(s: Skipped) -> None:  # met in a folder: a link, a FIFO, an unreadable folder
        nonlocal failed
        failed += s.failed
        err.print(f"mealink: {'error' if s.failed else 'skipped'}: {s}", style="yellow",
                  markup=False, soft_wrap=True)

    paths = list(iter_paths(files, on_skip=skipped))
    try:
        for _, found in files_read(paths, max_bytes=int(max_size * 1e6), as_json=as_json,
                                   workers=workers_for(jobs, len(paths))):
            for _, doc in found:
                if isinstance(doc, MealinkError):
                    failed += 1
                    fail(str(doc))
                elif isinstance(doc, str):
                    sys.stdout.write(doc + "\n")
                    sys.stdout.flush()
                else:
                    out.print(document_view(doc))
    except MealinkError as exc:  # a worker process stopped: the files after it are not read
        fail(str(exc))
        raise typer.Exit(1) from None
    if failed:
        raise typer.Exit(1)


def eval_cmd(
    gold_dir: Annotated[Path, typer.Argument(help="Folder of NAME.txt + NAME.gold.json pairs.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show per-document scores "
                                                                 "and list every miss.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    check: Annotated[bool, typer.Option(help="Exit 1 if the corpus scores are below the "
                                             "targets.")] = False,
) -> None:
    """Score the parser against gold annotations (matching rules: see the README)."""
    from mealink.evaluate import score_folder

    if not gold_dir.is_dir():
        fail(f"{gold_dir}: is not a folder of NAME.txt + NAME.gold.json files")
        raise typer.Exit(2)
    golds = sorted(gold_dir.glob("*.gold.json"))
    if not golds:
        fail(f"{gold_dir}: holds no *.gold.json files")
        raise typer.Exit(2)
    try:
        total, tallies = score_folder(gold_dir)
    except MealinkError as exc:
        fail(str(exc))
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


def register(app: typer.Typer) -> None:
    """Add ``parse`` and ``eval`` to the ``mealink`` app."""
    app.command("parse")(parse_cmd)
    app.command("eval")(eval_cmd)
