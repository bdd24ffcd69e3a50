"""Fuzz run: mutated real decisions through load -> parse -> annotate -> JSON.

    .venv/bin/python benchmarks/fuzz_parse.py                 # 100,000 inputs (~15 min)
    .venv/bin/python benchmarks/fuzz_parse.py --n 5000        # a short run

Each input is one of the real texts (``examples/``, and ``../shared/realdocs/`` when it is
there) with one to three edits (``tests/fuzzing.py``: spans deleted, duplicated or moved,
long runs of one character, lines joined or broken, words glued, case flipped, odd
characters, the text cut). Each must be parsed or refused with a ``MealinkError`` within
``--limit`` seconds; anything else is a failure, written with its seed and number so it can
be replayed. Prints a Markdown table and writes ``benchmarks/results-fuzz.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fuzzing import mutants, run_one, seed_texts  # noqa: E402

REALDOCS = REPO.parent / "shared" / "realdocs"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of inputs")
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--limit", type=float, default=10.0, help="seconds allowed per input")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results-fuzz.json")
    args = ap.parse_args(argv)
    texts = seed_texts()
    if REALDOCS.is_dir():
        texts += seed_texts(REALDOCS)
    tally: Counter[str] = Counter()
    by_edit: Counter[str] = Counter()
    failures: list[dict[str, object]] = []
    times: list[float] = []
    slowest: tuple[float, int, str, int] = (0.0, -1, "", 0)
    chars = 0
    start = time.perf_counter()
    for m in mutants(texts, args.n, args.seed):
        outcome = run_one(m, args.limit)
        tally[outcome.result] += 1
        times.append(outcome.seconds)
        chars += len(m.text)
        if outcome.seconds > slowest[0]:
            slowest = (outcome.seconds, m.number, m.source, len(m.text))
        if outcome.result == "failed":
            by_edit.update(m.edits)
            failures.append({"number": m.number, "source": m.source, "edits": list(m.edits),
                             "reason": outcome.reason})
        if (m.number + 1) % 10_000 == 0:
            print(f"[{time.perf_counter() - start:7.1f}s] {m.number + 1} inputs: {dict(tally)}",
                  file=sys.stderr, flush=True)
    wall = time.perf_counter() - start
    times.sort()
    result = {
        "inputs": args.n, "seed": args.seed, "limit_s": args.limit, "texts": len(texts),
        "outcomes": dict(tally), "failures": failures[:200], "failed_edits": dict(by_edit),
        "wall_s": round(wall, 1), "inputs_per_s": round(args.n / wall, 1),
        "mean_chars": round(chars / args.n), "median_ms": round(1000 * statistics.median(times), 2),
        "p99_ms": round(1000 * times[int(0.99 * (len(times) - 1))], 1),
        "max_ms": round(1000 * times[-1], 1),
        "slowest": {"number": slowest[1], "source": slowest[2], "chars": slowest[3]},
        "machine": f"{platform.processor() or platform.machine()}, Python "
                   f"{platform.python_version()}, {platform.platform()}",
        "date": time.strftime("%Y-%m-%d %H:%M %z"),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| measure | result |\n|---|---|")
    print(f"| inputs (seed {args.seed}, {len(texts)} real texts) | {args.n:,} |")
    print(f"| parsed / refused / failed | {tally['parsed']:,} / {tally['refused']:,} / "
          f"{tally['failed']:,} |")
    print(f"| per input: median / p99 / max (limit {args.limit:g} s) | "
          f"{result['median_ms']} ms / {result['p99_ms']} ms / {result['max_ms']} ms |")
    print(f"| throughput | {result['inputs_per_s']} inputs/s, {wall:.0f} s in all |")
    return 1 if tally["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
