"""A keyword search page at 100,000 paragraphs, before and after, paired: issue 18's row
"keyword query p95 at 100k, unfiltered, with facets" (target <= 10 ms).

Run from the repository root with the project's virtualenv, on the store that
``bench_synergies.py`` builds (and embeds) and keeps in its work folder::

    .venv/bin/python benchmarks/bench_keyword_page.py --before main
    .venv/bin/python benchmarks/bench_keyword_page.py --before main \\
        --store /work/benchwork/synergies-100000.db --rounds 6

What one page does is what the search page and the API do in keyword mode, unfiltered:
``find(mode="keyword", limit=20)`` then ``facets`` (given the count ``find`` made, where
this mealink's ``find`` has one to give). Each of the store benchmark's 40 queries
(``harness/queries.py``) is asked, with beside it ``find`` alone, ``facets`` alone and FTS5
alone (the top 20 by bm25, and counting the matches: the limit, in the same process).

**Paired.** ``--before REF`` names the mealink to compare with (a git ref whose ``src/`` is
exported to a temporary folder; or ``--before-src DIR``). Child processes alternate, one
with the mealink of before on the path and one with this one, ``--rounds`` times each (A B
A B ...), so that a drift of the shared machine's speed falls on both alike. Each child
first asks every query once untimed (code paths, the SQLite page cache, what a server
holds once a corpus generation: the facet values, the vectors and the encoder), then
``--passes`` timed passes. The percentiles are over every timed call of all the rounds,
of the wall time and of the process's CPU time (all its threads: what other processes'
load does not lengthen, beyond the caches they share).
The machine is shared: every round records how many CPUs other processes kept busy.

Results go to ``benchmarks/results-keyword-page.json`` and a Markdown table to stdout.
``check_keyword_page.py`` checks that both answer the same.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import BENCHMARKS
from harness.paired import MARK, run_child
from harness.provenance import git, machine
from harness.timing import Meter, summary_ms
from harness.tree import export_src

DEFAULT_STORE = Path("/work/benchwork/synergies-100000.db")
STEPS = ("page", "find", "facets", "fts5_top20", "fts5_count")


def child(store_path: str, passes: int) -> dict[str, Any]:
    """Times of every step for every query, in the mealink on this process's path."""
    import inspect

    from harness.queries import FTS5_COUNT, FTS5_TOP20, QUERIES, fts5_alone

    import mealink
    from mealink.store import open_store
    from mealink.store.search.facets import facets
    from mealink.store.search.find import find

    store = open_store(store_path)
    shares = "total" in inspect.signature(facets).parameters

    def page(q: str) -> None:
        res = find(store, q, mode="keyword", limit=20)
        if shares:
            facets(store, q, total=getattr(res, "matched", None))
        else:
            facets(store, q)

    steps = {"page": page,
             "find": lambda q: find(store, q, mode="keyword", limit=20),
             "facets": lambda q: facets(store, q),
             "fts5_top20": lambda q: fts5_alone(store, q, FTS5_TOP20),
             "fts5_count": lambda q: fts5_alone(store, q, FTS5_COUNT)}
    for q in QUERIES:  # warm-up
        for fn in steps.values():
            fn(q)
    times: dict[str, list[list[float]]] = {k: [] for k in steps}
    cpu: dict[str, list[list[float]]] = {k: [] for k in steps}
    with Meter() as meter:
        for _ in range(passes):
            for k in steps:
                times[k].append([])
                cpu[k].append([])
            for q in QUERIES:
                for k, fn in steps.items():
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn(q)
                    times[k][-1].append((time.perf_counter() - t0) * 1000)
                    cpu[k][-1].append((time.process_time() - c0) * 1000)
    store.dispose()
    return {"mealink": str(Path(mealink.__file__).resolve().parent), "shares_count": shares,
            "queries": list(QUERIES), "times_ms": times, "cpu_ms": cpu,
            "meter": meter.as_dict()}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=DEFAULT_STORE,
                    help=f"the 100,000-paragraph store (default {DEFAULT_STORE})")
    before = ap.add_mutually_exclusive_group()
    before.add_argument("--before", default="main", help="git ref of before (default main)")
    before.add_argument("--before-src", type=Path, help="the src/ folder of before")
    ap.add_argument("--rounds", type=int, default=4, help="child pairs (default 4)")
    ap.add_argument("--passes", type=int, default=2,
                    help="timed passes over the queries in each child (default 2)")
    ap.add_argument("--out", type=Path, default=BENCHMARKS / "results-keyword-page.json")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(MARK + json.dumps(child(str(args.store), args.passes)), flush=True)
        return 0
    if not args.store.exists():
        raise SystemExit(f"no store at {args.store}; build it with bench_synergies.py")
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    with tempfile.TemporaryDirectory() as tmp:
        src = args.before_src or export_src(args.before, Path(tmp))
        sides: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        load = [os.getloadavg()[0]]
        for r in range(args.rounds):
            for side, path in (("before", src), ("after", None)):
                sides[side].append(run_child(__file__, path, [
                    "--store", str(args.store), "--passes", str(args.passes)]))
                load.append(os.getloadavg()[0])
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    results: dict[str, Any] = {
        "what": "keyword search page at 100k, unfiltered, with facets: find(keyword, 20) + "
                "facets, 40 queries, paired before/after child processes",
        "started": started, "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine(),
        "store": str(args.store), "before_ref": str(args.before_src) if args.before_src
        else args.before, "after_commit": git("rev-parse", "HEAD"),
        "rounds": args.rounds, "passes": args.passes, "load_average_1min": load,
        "others_busy_cpus": {s: [c["meter"]["others_busy_cpus"] for c in runs]
                             for s, runs in sides.items()},
        "target_p95_ms": 10.0}
    for side, runs in sides.items():
        results[side] = {k: summary_ms([t for c in runs for p in c["times_ms"][k] for t in p],
                                       with_min=True) for k in STEPS}
        results[side]["cpu"] = {
            k: summary_ms([t for c in runs for p in c["cpu_ms"][k] for t in p], with_min=True)
            for k in STEPS}
        results[side]["shares_count"] = runs[0]["shares_count"]
        per_query: dict[str, list[float]] = {}
        for c in runs:
            for p in c["times_ms"]["page"]:
                for q, t in zip(c["queries"], p, strict=True):
                    per_query.setdefault(q, []).append(t)
        results[side]["page_median_by_query"] = {
            q: sorted(ts)[len(ts) // 2] for q, ts in per_query.items()}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("| step | before p50 / p95 | after p50 / p95 | CPU before p50 / p95 | CPU after "
          "p50 / p95 |\n|---|---|---|---|---|")
    for k in STEPS:
        b, a = results["before"][k], results["after"][k]
        bc, ac = results["before"]["cpu"][k], results["after"]["cpu"][k]
        print(f"| {k} | {b['p50']:.1f} / {b['p95']:.1f} ms | {a['p50']:.1f} / "
              f"{a['p95']:.1f} ms | {bc['p50']:.1f} / {bc['p95']:.1f} ms | "
              f"{ac['p50']:.1f} / {ac['p95']:.1f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
