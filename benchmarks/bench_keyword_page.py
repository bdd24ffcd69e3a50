"""A keyword search page at 100,000 paragraphs, before and after, paired: issue 18's row
"keyword query p95 at 100k, unfiltered, with facets" (target <= 10 ms).

Run from the repository root with the project's virtualenv, on the store that
``bench_synergies.py`` builds (and embeds) and keeps in its work folder::

    .venv/bin/python benchmarks/bench_keyword_page.py --before main
    .venv/bin/python benchmarks/bench_keyword_page.py --before main \\
        --store /work/benchwork/synergies-100000.db --rounds 6

What one page does is what the search page and the API do in keyword mode, unfiltered:
``find(mode="keyword", limit=20)`` then ``facets`` (given the count ``find`` made, where
this mealink's ``find`` has one to give). A mealink whose server holds SQLite's full-text
index in memory (``store.search.postings``) holds it here too, read before the warm-up (the
time it took is recorded); FTS5 alone is still timed beside it, as the limit it replaces.
Each of the store benchmark's 40 queries (``harness/queries.py``) is asked, with beside it
``find`` alone, ``facets`` alone and FTS5 alone (the top 20 by bm25, and counting the
matches: the limit, in the same process).

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

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import paired
from harness.timing import Meter

DEFAULT_STORE = Path("/work/benchwork/synergies-100000.db")
WHAT = ("keyword search page at 100k, unfiltered, with facets: find(keyword, 20) + facets, "
        "40 queries, paired before/after child processes")
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
    held_s = paired.hold_as_server(store)

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
            "index_in_memory_read_s": held_s,
            "queries": list(QUERIES), "times_ms": times, "cpu_ms": cpu,
            "meter": meter.as_dict()}


def main(argv: Sequence[str] | None = None) -> int:
    started = paired.start(__file__, __doc__, argv, store=DEFAULT_STORE, rounds=4,
                           passes=2, out="results-keyword-page.json", child=child,
                           what=WHAT)
    if started is None:
        return 0
    args, results, sides = started
    results["target_p95_ms"] = 10.0
    for side, runs in sides.items():
        results[side] = paired.side_summary(runs, STEPS, per_pass=True)
        results[side]["shares_count"] = runs[0]["shares_count"]
        per_query: dict[str, list[float]] = {}
        for c in runs:
            for p in c["times_ms"]["page"]:
                for q, t in zip(c["queries"], p, strict=True):
                    per_query.setdefault(q, []).append(t)
        results[side]["page_median_by_query"] = {
            q: sorted(ts)[len(ts) // 2] for q, ts in per_query.items()}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    paired.print_table(results, STEPS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
