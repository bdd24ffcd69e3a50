"""Deterministic work counts for parse + annotate and for clean_text (run under callgrind).

Wall time on this shared host drifts by up to a factor of two, so speed changes are judged by
instruction counts too: run this script twice under valgrind's callgrind, with ``--loop 1``
and ``--loop 0``; the difference is the work of the measured loop alone (start-up, imports,
building the inputs and a warm-up are in both runs). ``--digest`` prints a hash of the
serialized output so that two versions of the code can be shown to give the same result.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/count_parse.py --what parse --n 8 --loop 1
    (again with --loop 0; subtract the two "Collected" totals)

``--repeat R`` runs the loop R times and prints the best wall time (a quick timing, not the
benchmark: see bench_parse.py for that).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import DEFAULT_CORPUS, resolutions  # noqa: E402  (bench_parse's inputs)

from mealink.annotate import annotate  # noqa: E402
from mealink.load.clean import clean_text  # noqa: E402
from mealink.parse import parse  # noqa: E402


def typical_raw(pools: resolutions.Pools, n: int) -> list[str]:
    """The first ``n`` typical resolutions before clean_text (bench_parse's generator)."""
    rng = random.Random(resolutions.SEED)
    return [resolutions.make_resolution(rng, pools, rng.randint(15_000, 40_000 - 2100))
            for _ in range(n)]


def digest_docs(texts: list[str]) -> str:
    """A hash of everything parse + annotate produce for ``texts`` (its serialized form)."""
    from mealink.serialize import document_to_dict

    h = hashlib.sha256()
    for i, text in enumerate(texts):
        doc = annotate(parse(text, f"doc{i}"))
        h.update(json.dumps(document_to_dict(doc), sort_keys=True, default=str).encode())
    return h.hexdigest()


def main() -> int:
    """Build the inputs, warm up, then run the measured loop (or not, for the baseline)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--what", choices=("parse", "clean"), default="parse")
    ap.add_argument("--n", type=int, default=8, help="typical resolutions (default 8)")
    ap.add_argument("--loop", type=int, choices=(0, 1), default=1,
                    help="1: run the measured loop; 0: everything but the loop")
    ap.add_argument("--repeat", type=int, default=1, help="loops to time (best is printed)")
    ap.add_argument("--digest", action="store_true", help="print a hash of the output")
    ap.add_argument("--warm", choices=("one", "all"), default="one",
                    help="warm up on the start of one text (patterns compiled on first use "
                         "are counted in the loop), or on every input first (the steady "
                         "state, which bench_parse's best of several runs reports)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--save", type=Path, help="write the inputs (raw and cleaned) to this JSON")
    ap.add_argument("--inputs", type=Path,
                    help="read the inputs from a --save file (so that two versions of the "
                         "code parse the very same texts)")
    args = ap.parse_args()

    if args.inputs:
        saved = json.loads(args.inputs.read_text(encoding="utf-8"))
        raw, cleaned = saved["raw"][:args.n], saved["cleaned"][:args.n]
    else:
        raw = typical_raw(resolutions.build_pools(args.corpus), args.n)
        cleaned = [clean_text(t) for t in raw]
    if args.save:
        args.save.write_text(json.dumps({"raw": raw, "cleaned": cleaned}), encoding="utf-8")
    # warm-up outside the loop: lazily built vocabularies and compiled patterns
    warm = clean_text(raw[0][:4000])
    annotate(parse(warm, "<warm>"))
    if args.warm == "all":
        for i, text in enumerate(cleaned if args.what == "parse" else raw):
            if args.what == "parse":
                annotate(parse(text, f"doc{i}"))
            else:
                clean_text(text)
    # what is alive now (vocabularies, inputs) is left out of the cyclic collector's passes:
    # otherwise a few objects more or less before the loop move its collections and change
    # the count by +-2 % with no change in the loop's own work
    gc.collect()
    gc.freeze()

    if args.digest:
        if args.what == "parse":
            print("digest", digest_docs(cleaned))
        else:
            print("digest", hashlib.sha256("\0".join(cleaned).encode()).hexdigest())
        return 0
    size = sum(len(t.encode()) for t in (cleaned if args.what == "parse" else raw))
    best = float("inf")
    if args.loop:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            if args.what == "parse":
                for i, text in enumerate(cleaned):
                    annotate(parse(text, f"doc{i}"))
            else:
                for text in raw:
                    clean_text(text)
            best = min(best, time.perf_counter() - t0)
        print(f"{args.what}: {args.n} texts, {size / 1e6:.2f} MB, best {best:.3f} s, "
              f"{size / 1e6 / best:.2f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
