"""The command-line options the benchmarks share (``--quick``, ``--paragraphs``, ``--corpus``,
``--examples``, ``--out``, ``--quiet-wait`` ...), their defaults, and the progress log."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from harness import BENCHMARKS, DEFAULT_CORPUS, DEFAULT_EXAMPLES
from harness.timing import Log


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph of a benchmark's docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_paragraphs(ap: argparse.ArgumentParser, full: int, quick: int,
                   help: str = "corpus size") -> None:
    """``--paragraphs N``: the generated corpus's size (``full``; ``quick`` with --quick)."""
    ap.add_argument("--paragraphs", type=int, default=None,
                    help=f"{help} (default {full:,}; {quick:,} with --quick)")


def add_real_texts(ap: argparse.ArgumentParser, examples: bool = True) -> None:
    """``--corpus DIR`` (the real ``*.txt`` texts) and ``--examples DIR`` (more real texts)."""
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"folder of real *.txt texts (default: {DEFAULT_CORPUS})")
    if examples:
        ap.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES,
                        help=f"more real texts, txt/md/html (default: {DEFAULT_EXAMPLES})")


def add_out(ap: argparse.ArgumentParser, full: str, quick: str) -> None:
    """``--out FILE``: the JSON results (``full``; ``quick`` with --quick, so a smoke test
    never overwrites full results)."""
    ap.add_argument("--out", type=Path, default=None,
                    help=f"JSON results file (default: benchmarks/{full}, "
                         f"benchmarks/{quick} with --quick)")


def add_quiet_wait(ap: argparse.ArgumentParser, default: float, what: str) -> None:
    """``--quiet-wait S``: how long to wait, before ``what``, for a quiet machine."""
    ap.add_argument("--quiet-wait", type=float, default=default, metavar="S",
                    help=f"before {what}, wait at most S seconds (default {default:.0f}) for "
                         "the other processes to leave the CPUs alone")


def out_path(args: argparse.Namespace, full: str, quick: str) -> Path:
    """Where the results go: ``--out``, else ``full`` or (with --quick) ``quick`` here."""
    given: Path | None = args.out
    return given or BENCHMARKS / (quick if args.quick else full)


def paragraphs(args: argparse.Namespace, full: int, quick: int) -> int:
    """The corpus size asked for: ``--paragraphs``, else the full or quick default."""
    given: int | None = args.paragraphs
    return given or (quick if args.quick else full)


def progress_log(width: int = 6) -> Log:
    """A log for progress on stderr, each line stamped with the seconds since it was made."""
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:{width}.1f}s] {msg}", file=sys.stderr,
              flush=True)
    return log
