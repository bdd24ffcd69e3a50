"""Before and after in alternating child processes: the child protocol of the paired
benchmarks (``bench_keyword_page.py``, ``bench_query_modes.py``). A child is the same script
run with ``--child`` and the mealink of one side first on its path; it prints its result as
one ``@@JSON`` line. Alternating the sides (A B A B ...) lets a drift of the shared
machine's speed fall on both alike."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import BENCHMARKS
from harness.provenance import git, machine
from harness.timing import summary_ms
from harness.tree import export_src

__all__ = ["MARK", "add_options", "alternate", "print_run", "print_table", "run_child",
           "start"]

#: the line a child's result is printed on
MARK = "@@JSON "


def run_child(script: str | Path, src: Path | None, args: Sequence[str]) -> dict[str, Any]:
    """``script --child ARGS`` in a child process with ``src`` first on its path (None: this
    mealink, as installed); its result."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, str(Path(script).resolve()), "--child", *args],
                         env=env, capture_output=True, text=True, check=False, cwd=BENCHMARKS)
    if out.returncode:
        said = out.stderr.strip().splitlines()
        raise SystemExit(f"a child ({'before' if src else 'after'}) failed with exit status "
                         f"{out.returncode}: {said[-1] if said else 'nothing on stderr'}")
    line = next(x for x in out.stdout.splitlines() if x.startswith(MARK))
    result: dict[str, Any] = json.loads(line[len(MARK):])
    return result


def add_options(ap: argparse.ArgumentParser, store: Path, rounds: int, passes: int,
                out: str) -> None:
    """The options every paired benchmark takes: the store, the side before, how many
    child pairs and timed passes, the results file, and the hidden ``--child``."""
    ap.add_argument("--store", type=Path, default=store,
                    help=f"the 100,000-paragraph store (default {store})")
    before = ap.add_mutually_exclusive_group()
    before.add_argument("--before", default="main", help="git ref of before (default main)")
    before.add_argument("--before-src", type=Path, help="the src/ folder of before")
    ap.add_argument("--before-store", type=Path, default=None,
                    help="the store the side before opens, when this mealink's migrations "
                         "moved on (a copy of --store brought down to its schema; default "
                         "--store)")
    ap.add_argument("--rounds", type=int, default=rounds, help=f"child pairs (default {rounds})")
    ap.add_argument("--passes", type=int, default=passes,
                    help=f"timed passes over the queries in each child (default {passes})")
    ap.add_argument("--out", type=Path, default=BENCHMARKS / out)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)


def alternate(script: str | Path, args: argparse.Namespace, what: str
              ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """``--rounds`` pairs of children, before then after, each given the store and the
    passes; the results' header (what, when, where, which versions, the load) and every
    child's result by side."""
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    sides: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        src = args.before_src or export_src(args.before, Path(tmp))
        for r in range(args.rounds):
            for side, path, store in (("before", src, args.before_store or args.store),
                                      ("after", None, args.store)):
                sides[side].append(run_child(script, path, [
                    "--store", str(store), "--passes", str(args.passes)]))
                load.append(os.getloadavg()[0])
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    header: dict[str, Any] = {
        "what": what, "started": started, "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine(), "store": str(args.store),
        "before_store": str(args.before_store or args.store),
        "before_ref": str(args.before_src) if args.before_src else args.before,
        "after_commit": git("rev-parse", "HEAD"), "rounds": args.rounds,
        "passes": args.passes, "load_average_1min": load,
        "others_busy_cpus": {s: [c["meter"]["others_busy_cpus"] for c in runs]
                             for s, runs in sides.items()}}
    return header, sides


def print_run(results: dict[str, Any]) -> None:
    """The line under a paired table: when, on what, and how busy the rest of the machine
    kept its CPUs."""
    others = [x for runs in results["others_busy_cpus"].values() for x in runs]
    print(f"\nRun {results['started']}; {results['machine']['cpu_model']}; other processes "
          f"kept {min(others):.2f}-{max(others):.2f} CPUs busy.")


def print_table(results: dict[str, Any], steps: Sequence[str]) -> None:
    """The Markdown table of every step's p50 / p95, wall and CPU, before and after."""
    print("| step | before p50 / p95 | after p50 / p95 | CPU before p50 / p95 | CPU after "
          "p50 / p95 |\n|---|---|---|---|---|")
    for k in steps:
        b, a = results["before"][k], results["after"][k]
        bc, ac = results["before"]["cpu"][k], results["after"]["cpu"][k]
        print(f"| {k} | {b['p50']:.1f} / {b['p95']:.1f} ms | {a['p50']:.1f} / "
              f"{a['p95']:.1f} ms | {bc['p50']:.1f} / {bc['p95']:.1f} ms | "
              f"{ac['p50']:.1f} / {ac['p95']:.1f} ms |")


def start(script: str | Path, doc: str | None, argv: Sequence[str] | None, *, store: Path,
          rounds: int, passes: int, out: str, what: str,
          child: Callable[[str, int], dict[str, Any]]
          ) -> tuple[argparse.Namespace, dict[str, Any], dict[str, list[dict[str, Any]]]] | None:
    """A paired benchmark's command line: as a child, run ``child(store, passes)`` and print
    its result (None is returned); else the options, the results' header and every child's
    result by side (``alternate``)."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(ap, store, rounds, passes, out)
    args = ap.parse_args(argv)
    if args.child:
        print(MARK + json.dumps(child(str(args.store), args.passes)), flush=True)
        return None
    if not args.store.exists():
        raise SystemExit(f"no store at {args.store}; build it with bench_synergies.py")
    header, sides = alternate(script, args, what)
    return args, header, sides


def hold_as_server(store: Any) -> float | None:
    """What ``mealink serve`` does at start: hold SQLite's full-text index in memory
    (``store.search.postings``), waited for, and estimate every row in int8 where this
    mealink can (``store.search.meaning.keep_int8``); the seconds the index took, or None
    for a mealink from before it could (FTS5 answers every query there)."""
    try:
        from mealink.store.search.meaning import keep_int8
    except ImportError:  # a mealink from before it could: the float32 product
        pass
    else:
        keep_int8(store)
    try:
        from mealink.store.search.postings import keep_in_memory, wait_until_held
    except ImportError:
        return None
    t0 = time.perf_counter()
    keep_in_memory(store)
    if not wait_until_held(store, timeout=300):
        raise SystemExit("the full-text index was not held in memory within 300 s")
    return time.perf_counter() - t0


def side_summary(runs: Sequence[dict[str, Any]], steps: Sequence[str], *, per_pass: bool
                 ) -> dict[str, Any]:
    """One side's p50/p95 (wall, and CPU under ``cpu``) of every step over all its
    children's calls, and how long each child took to hold the index in memory;
    ``per_pass``: the children keep their times as a list per pass."""
    def calls(c: dict[str, Any], key: str, k: str) -> list[float]:
        return [t for p in c[key][k] for t in p] if per_pass else list(c[key][k])

    out: dict[str, Any] = {k: summary_ms([t for c in runs for t in calls(c, "times_ms", k)],
                                         with_min=True) for k in steps}
    out["cpu"] = {k: summary_ms([t for c in runs for t in calls(c, "cpu_ms", k)],
                                with_min=True) for k in steps}
    out["index_in_memory_read_s"] = [c.get("index_in_memory_read_s") for c in runs]
    return out
