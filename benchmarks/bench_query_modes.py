"""Semantic and hybrid queries at 100,000 paragraphs, before and after, paired: issue 18's
rows "semantic query p95 at 100k, query embedding included" (target <= 15 ms) and "hybrid
query p95 at 100k" (target <= 30 ms), with each leg of a hybrid query alone beside them.

Run from the repository root with the project's virtualenv, on the store that
``bench_synergies.py`` builds and embeds (``/work/benchwork/synergies-100000.db``)::

    .venv/bin/python benchmarks/bench_query_modes.py --before main
    .venv/bin/python benchmarks/bench_query_modes.py --before e957994 --rounds 4

What a child process times, for each of the synergies benchmark's 200 plain-language
queries (``synergies_search.build_queries``), each pass: ``find(mode="semantic",
limit=10)`` and ``find(mode="hybrid", limit=10)``, end to end with the query's embedding;
then, the limit of an overlapped hybrid query, its two legs alone: the words
(``keyword_ranking`` to ``RANKED_DEPTH``) and the meaning (``meaning_of`` with its
``RANKED_DEPTH`` closest rows ranked). A hybrid query cannot take less than the slower of
its legs, nor less than their sum when they run in turn. Wall time and the process's CPU
time (all its threads) are kept for every call.

**Paired.** ``--before REF`` names the mealink to compare with (a git ref whose ``src/`` is
exported to a temporary folder; or ``--before-src DIR``). Child processes alternate, one
with the mealink of before on the path and one with this one, ``--rounds`` times each. Each
child first asks 20 queries in each mode untimed (the encoder, the vectors, the SQLite page
cache), then ``--passes`` timed passes. The machine is shared: every child records how many
CPUs other processes kept busy. A mealink that can hold SQLite's full-text index in memory
holds it first, as ``mealink serve`` does (``harness/paired.py``'s ``hold_as_server``).

Results go to ``benchmarks/results-query-modes.json`` and a Markdown table to stdout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import paired
from harness.timing import Meter

DEFAULT_STORE = Path("/work/benchwork/synergies-100000.db")
WHAT = ("find() in semantic and hybrid modes at 100k, limit 10, 200 queries, and a hybrid "
        "query's two legs alone; paired before/after child processes")
STEPS = ("semantic", "hybrid", "words_leg", "meaning_leg")
TARGETS_MS = {"semantic": 15.0, "hybrid": 30.0}


def child(store_path: str, passes: int) -> dict[str, Any]:
    """Times of every step for every query, in the mealink on this process's path."""
    from synergies_search import build_queries

    import mealink
    from mealink.store import open_store
    from mealink.store.search.find import RANKED_DEPTH, find, keyword_ranking
    from mealink.store.search.meaning import meaning_of

    store = open_store(store_path)
    held_s = paired.hold_as_server(store)
    queries = build_queries()

    def meaning_leg(q: str) -> None:
        meaning_of(store, q, None, None).top(RANKED_DEPTH)

    steps: dict[str, Callable[[str], Any]] = {
        "semantic": lambda q: find(store, q, mode="semantic", limit=10),
        "hybrid": lambda q: find(store, q, mode="hybrid", limit=10),
        "words_leg": lambda q: keyword_ranking(store, q, None, RANKED_DEPTH),
        "meaning_leg": meaning_leg}
    for q in queries[:20]:  # warm-up
        for fn in steps.values():
            fn(q)
    times: dict[str, list[float]] = {k: [] for k in steps}
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    with Meter() as meter:
        for _ in range(passes):
            for q in queries:
                for k, fn in steps.items():
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn(q)
                    times[k].append((time.perf_counter() - t0) * 1000)
                    cpu[k].append((time.process_time() - c0) * 1000)
    store.dispose()
    return {"mealink": str(Path(mealink.__file__).resolve().parent), "queries": len(queries),
            "index_in_memory_read_s": held_s, "times_ms": times, "cpu_ms": cpu,
            "meter": meter.as_dict()}


def main(argv: Sequence[str] | None = None) -> int:
    started = paired.start(__file__, __doc__, argv, store=DEFAULT_STORE, rounds=3,
                           passes=1, out="results-query-modes.json", child=child,
                           what=WHAT)
    if started is None:
        return 0
    args, results, sides = started
    results["targets_p95_ms"] = TARGETS_MS
    for side, runs in sides.items():
        results[side] = paired.side_summary(runs, STEPS, per_pass=False)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    paired.print_table(results, STEPS)
    paired.print_run(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
