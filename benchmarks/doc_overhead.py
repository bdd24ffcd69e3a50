"""What a document costs beyond its size: issue 18's row "per-document overhead on small
texts, <= 0.5 ms" (run by hand).

Each real text (the gold corpus and ``../shared/realdocs``; nothing generated) is loaded and
repaired once, then parsed and annotated as ``parse_source`` does, best of ``--repeat`` runs
per text, pinned to one CPU. A straight line fitted to time against size (least squares)
splits each text's time into a part that grows with its bytes (the slope, read as MB/s) and
a part every document pays whatever its size (the intercept: the per-document overhead).
The intercept's 95 % interval comes from resampling the texts (fixed seed), so a reader can
see how firmly the line rests on them.

    .venv/bin/python benchmarks/doc_overhead.py
    .venv/bin/python benchmarks/doc_overhead.py --repeat 9 --json /tmp/overhead.json
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import DEFAULT_CORPUS  # noqa: E402
from harness.provenance import cpu_machine  # noqa: E402
from harness.timing import best_of, pin_one_core  # noqa: E402

from mealink.load import load  # noqa: E402
from mealink.models import Source  # noqa: E402
from mealink.pipeline import parse_source  # noqa: E402

SEED = 20261208
RESAMPLES = 2000


def real_sources(folders: list[Path]) -> list[Source]:
    """Every ``*.txt`` text of ``folders``, loaded and repaired (loading is not timed)."""
    return [load(path) for folder in folders for path in sorted(folder.glob("*.txt"))]


def fit(sizes: np.ndarray, seconds: np.ndarray) -> tuple[float, float]:
    """Least-squares line ``seconds = intercept + slope * bytes``: (intercept, slope)."""
    design = np.column_stack([np.ones_like(sizes), sizes])
    (intercept, slope), *_ = np.linalg.lstsq(design, seconds, rcond=None)
    return float(intercept), float(slope)


def measure(sources: list[Source], repeat: int) -> dict[str, Any]:
    """Each text's best time, the fitted line, and the intercept's resampled interval."""
    sizes = np.array([len(src.text.encode("utf-8")) for src in sources], dtype=np.float64)
    # best_of warms each text once first: patterns compiled on first use are not counted
    seconds = np.array([best_of(functools.partial(parse_source, src), repeat)[0]
                        for src in sources])
    intercept, slope = fit(sizes, seconds)
    predicted = intercept + slope * sizes
    r2 = 1 - float(((seconds - predicted) ** 2).sum()) / float(
        ((seconds - seconds.mean()) ** 2).sum())
    rng = random.Random(SEED)
    n = len(sources)
    draws = sorted(fit(sizes[idx], seconds[idx])[0] for idx in (
        [rng.randrange(n) for _ in range(n)] for _ in range(RESAMPLES)))
    smallest = sorted(range(n), key=lambda i: sizes[i])[:5]
    return {
        "texts": n, "bytes": int(sizes.sum()), "repeat": repeat,
        "overhead_ms": intercept * 1e3,
        "overhead_ms_95": [draws[int(0.025 * RESAMPLES)] * 1e3,
                           draws[int(0.975 * RESAMPLES) - 1] * 1e3],
        "mb_per_s_slope": 1e-6 / slope if slope > 0 else None,
        "r2": r2,
        "mean_ms": float(seconds.mean()) * 1e3,
        "smallest": [{"name": Path(sources[i].name).name, "bytes": int(sizes[i]),
                      "ms": float(seconds[i]) * 1e3} for i in smallest],
        "machine": cpu_machine(),
        "run": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--realdocs", type=Path, default=DEFAULT_CORPUS.parent / "realdocs")
    ap.add_argument("--repeat", type=int, default=7, help="runs per text, best kept (default 7)")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()
    pinned = pin_one_core(args.cpu)
    folders = [f for f in (args.corpus, args.realdocs) if f.is_dir()]
    if not folders:
        raise SystemExit(f"no folder of real texts at {args.corpus} or {args.realdocs}")
    result = measure(real_sources(folders), args.repeat)
    low, high = result["overhead_ms_95"]
    print(f"{result['texts']} real texts, {result['bytes'] / 1e3:.0f} KB, {pinned}; "
          f"best of {result['repeat']} runs each")
    print(f"  per-document overhead (intercept): {result['overhead_ms']:.2f} ms "
          f"(95 % of resamples {low:.2f} to {high:.2f} ms)")
    print(f"  size-proportional rate (slope): {result['mb_per_s_slope']:.2f} MB/s; "
          f"R^2 {result['r2']:.3f}; mean {result['mean_ms']:.2f} ms a text")
    for small in result["smallest"]:
        print(f"  {small['name']}: {small['bytes']:,} bytes, {small['ms']:.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
