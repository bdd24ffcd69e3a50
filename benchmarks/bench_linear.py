"""Parse time and memory against input size on pathological shapes: they must grow
linearly (time x4 when the input grows x4), not with the square of the input.

    .venv/bin/python benchmarks/bench_linear.py            # ~1 min
    .venv/bin/python benchmarks/bench_linear.py --quick

Shapes: a run of one character (spaces, tabs, blank lines, run-in numbers, capitals,
item markers) inside an operative paragraph of a real decision, and real decisions with
every line break taken out (megabytes on one line). Each size runs in a fresh process, so
its peak memory is its own; the vocabularies are built (and the word list loaded) before
the clock starts. Prints a Markdown table, writes
``benchmarks/results-linear.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAD = ("The Conference of the Parties,\n\nRecalling its decision,\n\n"
        "1. Requests the Secretariat to ")
RUNS = {"spaces": " ", "blank lines": "\n", "tabs": "\t", "run-in numbers": "  1.",
        "capitals": "I", "items": "(a) "}

_CHILD = r"""
import resource, sys, time
from pathlib import Path
from mealink import clean_text, parse
from mealink.annotate import annotate
shape, size = sys.argv[1], int(sys.argv[2])
if shape == "one line":
    one = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                   for p in sorted(Path(sys.argv[3]).glob("*.txt")))
    text = ((one + " ") * (size // len(one) + 1))[:size]
else:
    text = sys.argv[3] + sys.argv[4] * (size // len(sys.argv[4])) + " report.\n"
# build the vocabularies and load the word list (a glued lead) before the clock starts
annotate(parse(clean_text("The Conference,\n\n1. Requestsits Parties to act.\n"), "<warm>"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
doc = annotate(parse(clean_text(text), "<bench>"))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def measure(shape: str, size: int) -> tuple[float, float]:
    """Seconds and peak memory growth (MiB) of clean + parse + annotate, in a fresh process."""
    args = [sys.executable, "-c", _CHILD, shape, str(size)]
    args += [str(REPO / "examples")] if shape == "one line" else [HEAD, RUNS[shape]]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=900)
    seconds, kib = out.stdout.split()
    return float(seconds), int(kib) / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    args = ap.parse_args(argv)
    run_sizes = [20_000, 80_000] if args.quick else [20_000, 80_000, 320_000]
    line_sizes = [1_000_000, 4_000_000] if args.quick else [1_000_000, 4_000_000, 16_000_000]
    rows = []
    for shape, sizes in [*((s, run_sizes) for s in RUNS), ("one line", line_sizes)]:
        figures = [(size, *measure(shape, size)) for size in sizes]
        growth = figures[-1][1] / max(figures[-2][1], 1e-6)
        rows.append({"shape": shape, "figures": figures, "last_x4_time_ratio": round(growth, 2)})
        print(f"{shape}: " + ", ".join(f"{s:,} chars {t:.2f} s +{m:.0f} MiB"
                                       for s, t, m in figures), file=sys.stderr, flush=True)
    print("| shape | " + " | ".join(f"size {i + 1}" for i in range(len(run_sizes))) +
          " | time ratio for x4 |\n|---|" + "---|" * (len(run_sizes) + 1))
    for r in rows:
        cells = [f"{s / 1e6:g} M chars: {t:.2f} s, +{m:.0f} MiB" for s, t, m in r["figures"]]
        print(f"| {r['shape']} | " + " | ".join(cells) + f" | {r['last_x4_time_ratio']} |")
    out = REPO / "benchmarks" / ("results-linear-quick.json" if args.quick else
                                 "results-linear.json")
    out.write_text(json.dumps({"rows": rows, "date": time.strftime("%Y-%m-%d %H:%M %z"),
                               "machine": f"{platform.machine()}, Python "
                                          f"{platform.python_version()}"}, indent=2) + "\n",
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
