"""The overlap search at 100,000 paragraphs, before and after, paired: issue 18's row
"all-pairs overlaps at 100k" (target <= 15 s), on the corpus's paragraph vectors (84,485 in
the benchmark store) and topped up to exactly 100,000 with mandate actions' vectors.

Run from the repository root with the project's virtualenv, on the store that
``bench_synergies.py`` builds and embeds (``/work/benchwork/synergies-100000.db``)::

    .venv/bin/python benchmarks/bench_allpairs.py --before main --rounds 2

Each child process runs ``synergies_allpairs.child_allpairs`` (load the vectors,
``close_pairs`` at a cosine of 0.8, ``neighbours_of`` with k = 10) once for each size, with
the mealink of one side first on its path; the sides alternate, ``--rounds`` times each.
It reports the wall times, its peak RSS, and a digest of the pairs (rows and similarities)
so that a run shows whether both sides found the same pairs with the same values.
Results go to ``benchmarks/results-allpairs.json`` and a Markdown table to stdout.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import paired
from harness.timing import Meter

DEFAULT_STORE = Path("/work/benchwork/synergies-100000.db")
WHAT = ("close_pairs + neighbours_of at 0.8 on the paragraph vectors and on 100,000 "
        "vectors; paired before/after child processes")
SIZES = (0, 100_000)  # 0: the paragraph vectors as stored
TARGET_S = 15.0


def child(store_path: str, passes: int) -> dict[str, Any]:
    """Each size's all-pairs run in the mealink on this process's path, with digests of
    the pairs it found."""
    import numpy as np
    from synergies_allpairs import child_allpairs

    from mealink.semantic import neighbours

    found: dict[str, Any] = {}
    original = neighbours.close_pairs

    def keeping(*args: Any, **kwargs: Any) -> Any:  # the pairs, for their digest
        pairs = original(*args, **kwargs)
        found["pairs"] = pairs
        return pairs

    neighbours.close_pairs = keeping  # child_allpairs imports it from the module
    out: dict[str, Any] = {}
    with Meter() as meter:
        for rows in SIZES:
            for _ in range(passes):
                run = child_allpairs({"db": store_path, "threshold": 0.8, "k": 10,
                                      "rows": rows, "breakdown": False})
                p = found.pop("pairs")
                run["digest_rows"] = hashlib.sha256(
                    np.ascontiguousarray(np.c_[p.left, p.right]).tobytes()).hexdigest()[:16]
                run["digest_similarities"] = hashlib.sha256(
                    np.ascontiguousarray(p.similarity).tobytes()).hexdigest()[:16]
                out.setdefault(str(rows or "stored"), []).append(run)
    out["meter"] = meter.as_dict()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    started = paired.start(__file__, __doc__, argv, store=DEFAULT_STORE, rounds=2,
                           passes=1, out="results-allpairs.json", child=child, what=WHAT)
    if started is None:
        return 0
    args, results, sides = started
    results["target_s"] = TARGET_S
    results["sides"] = sides
    print("| vectors | side | total s (each run) | close_pairs s | neighbours s | load s | "
          "pairs | peak RSS GB | digests |\n|---|---|---|---|---|---|---|---|---|")
    for size in ("stored", "100000"):
        for side, runs in sides.items():
            r = [x for c in runs for x in c[size]]
            med = {k: statistics.median(x[k] for x in r)
                   for k in ("total_s", "close_pairs_s", "neighbours_s", "load_s")}
            digests = sorted({f"{x['digest_rows']}/{x['digest_similarities']}" for x in r})
            each = ", ".join(f"{x['total_s']:.1f}" for x in r)
            print(f"| {r[0]['n']:,} | {side} | {med['total_s']:.1f} "
                  f"({each}) | "
                  f"{med['close_pairs_s']:.1f} | {med['neighbours_s']:.1f} | "
                  f"{med['load_s']:.1f} | {r[0]['pairs']:,} | "
                  f"{max(x['peak_rss_kb'] for x in r) * 1024 / 1e9:.2f} | "
                  f"{', '.join(digests)} |")
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    paired.print_run(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
