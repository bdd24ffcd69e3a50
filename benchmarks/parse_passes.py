"""Where parse + annotate spends its time, pass by pass, in context (run by hand).

A flat profile is read badly by cProfile, which charges every Python call; this script
instead times parse alone, then annotate alone on the parsed documents, and inside annotate
each pass as ``annotate`` calls it (one clock read before and after each outermost call; a
pass called from inside another counts once, for the outer one). Each document is parsed,
annotated and dropped before the next, as in ``bench_parse.py``: documents held in memory
would make the garbage collector's passes longer and land in whichever pass allocates. It
runs over the typical resolutions of ``bench_parse.py`` (seed 20261121), pinned to one CPU,
best of ``--repeat`` loops.

    .venv/bin/python benchmarks/parse_passes.py            # 150 typical resolutions
    .venv/bin/python benchmarks/parse_passes.py --n 300 --json /tmp/passes.json

The passes' shares say where work is, not what removing a pass would save: the caches stay
warm for a pass run between others only as much as in ``annotate`` itself.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import DEFAULT_CORPUS  # noqa: E402
from harness.provenance import cpu_machine  # noqa: E402
from harness.resolutions import build_pools, iter_typical, nbytes  # noqa: E402
from harness.timing import pin_one_core  # noqa: E402

from mealink.models import Document  # noqa: E402
from mealink.parse import parse  # noqa: E402

#: the passes ``annotate`` calls, by the name it imports them under
PASSES = ("find_topics", "phrase_actors", "find_references", "find_timing", "find_conditions",
          "find_instruments", "_secondary_verbs", "find_repeals", "embedded_actors",
          "footnote_references", "dedupe", "inherit", "_item_ask", "_item_verb",
          "_subject_first", "_that_subject")

# ``mealink.annotate`` the package, not the function of that name it exports
annotating = importlib.import_module("mealink.annotate")


def _timed(seconds: dict[str, float], depth: list[int], name: str,
           fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` adding its wall time to ``seconds[name]`` when no other timed pass is running."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if depth[0]:
            return fn(*args, **kwargs)
        depth[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
            depth[0] -= 1
    return run


def measure(texts: list[str], repeat: int) -> dict[str, Any]:
    """Parse time, annotate time and each pass's share of annotate, best of ``repeat``
    loops; each document is parsed, annotated and dropped before the next (as
    ``bench_parse.py`` and ``mealink parse`` do), so that the collector's work stays that of
    one document."""
    seconds: dict[str, float] = {}
    depth = [0]

    def loop() -> tuple[float, float]:
        seconds.clear()
        parse_s = annotate_s = 0.0
        for text in texts:
            start = time.perf_counter()
            doc: Document = parse(text)
            middle = time.perf_counter()
            annotating.annotate(doc)
            parse_s += middle - start
            annotate_s += time.perf_counter() - middle
        return parse_s, annotate_s

    loop()  # patterns compiled on first use are not counted
    best_plain = min((loop() for _ in range(repeat)), key=sum)
    originals = {name: getattr(annotating, name) for name in PASSES}
    best_timed, best_passes = (float("inf"), float("inf")), {}
    try:
        for name, fn in originals.items():
            setattr(annotating, name, _timed(seconds, depth, name, fn))
        for _ in range(repeat):
            timed = loop()
            if sum(timed) < sum(best_timed):
                best_timed, best_passes = timed, dict(seconds)
    finally:
        for name, fn in originals.items():
            setattr(annotating, name, fn)
    size = sum(nbytes(text) for text in texts)
    return {
        "documents": len(texts), "bytes": size,
        "parse_s": best_plain[0], "annotate_s": best_plain[1],
        "mb_per_s": size / sum(best_plain) / 1e6,
        "timed_annotate_s": best_timed[1],
        "passes_s": dict(sorted(best_passes.items(), key=lambda kv: -kv[1])),
        "machine": cpu_machine(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=150, help="typical resolutions (default 150)")
    ap.add_argument("--repeat", type=int, default=5, help="loops, the best kept (default 5)")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()
    pin_one_core(args.cpu)
    texts = list(iter_typical(build_pools(args.corpus), args.n))
    result = measure(texts, args.repeat)
    total = result["parse_s"] + result["annotate_s"]
    print(f"{result['documents']} typical resolutions, {result['bytes'] / 1e6:.2f} MB: "
          f"{result['mb_per_s']:.2f} MB/s on one core")
    print(f"  parse     {result['parse_s']:.3f} s ({result['parse_s'] / total:.0%})")
    print(f"  annotate  {result['annotate_s']:.3f} s ({result['annotate_s'] / total:.0%}); "
          f"with its passes timed {result['timed_annotate_s']:.3f} s, of which:")
    timed = result["timed_annotate_s"]
    for name, spent in result["passes_s"].items():
        print(f"    {name:20s} {spent:.3f} s  {spent / timed:5.1%}")
    rest = timed - sum(result["passes_s"].values())
    print(f"    {'(annotate itself)':20s} {rest:.3f} s  {rest / timed:5.1%}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
