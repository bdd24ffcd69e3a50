"""Benchmark mandates at 100,000 paragraphs: deriving mandates and statuses, and the
per-actor digest.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_mandates.py                 # SQLite, 100,000 paragraphs
    .venv/bin/python benchmarks/bench_mandates.py --engine postgresql
    .venv/bin/python benchmarks/bench_mandates.py --quick         # smoke test, 10,000

A by-hand benchmark for issue 4's targets, not a test. On the project's 2-core machine:

1. deriving mandates and statuses for a 100,000-paragraph corpus in <= 30 s. Measured as
   two parts that together are the derivation: (a) ``mandates_of`` over every annotated
   document (pure; the documents are parsed beforehand, untimed, since parsing is measured
   by ``bench_parse.py``), and (b) ``derive_statuses`` over the stored corpus in one
   transaction (the statuses of every mandate from the lineage, the calendar and the
   recorded progress), forced to rewrite every row;
2. the per-actor digest (``digest``: everything in force asked of one actor, grouped by
   resolution, deadlines first) for the actor with the most mandates, in <= 200 ms (p95
   over 20 timed runs after one warm-up).

The corpus is the store benchmark's (``harness/corpus.py``): generated deterministically
from the real texts of the shared corpus and the examples. Results are printed and written to
``benchmarks/results-mandates.json`` (``results-mandates-quick.json`` with ``--quick``).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from harness import BENCHMARKS, DEFAULT_EXAMPLES, cli
from harness.corpus import build_templates, generate, real_files
from harness.db import DEFAULT_PG_URL, pg_recreate
from harness.provenance import machine
from sqlalchemy import select, update

from mealink import load_bytes, parse_source
from mealink.link.lineage import document_links
from mealink.link.status import current_status
from mealink.mandates.extract import mandates_of
from mealink.store import ingest, open_store
from mealink.store.corpus.graph import edge_infos, load_graph
from mealink.store.corpus.records import adoption_meeting, fallback_id, paragraph_anchors
from mealink.store.engine.schema import MandateRow
from mealink.store.mandates import derive_statuses, digest
from mealink.store.progress import add_progress


def time_extraction(folder: Path) -> dict[str, Any]:
    """Parse every file (untimed), then time ``mandates_of`` over all of them."""
    prepared = []
    paragraphs = 0
    for path in sorted(folder.glob("*.txt")):
        doc = parse_source(load_bytes(path.read_bytes(), str(path)))
        links = document_links(doc)
        key = links.keys[0] if links.keys else None
        did = key.id if key else fallback_id(doc)
        ids = [f"{did}/{a}" for a in paragraph_anchors(doc)]
        prepared.append((doc, ids, did, key.type if key else None,
                         adoption_meeting(key, doc.adopted_at)))
        paragraphs += len(doc.paragraphs)
    t0 = time.perf_counter()
    count = sum(len(mandates_of(*args)) for args in prepared)
    seconds = time.perf_counter() - t0
    return {"documents": len(prepared), "paragraphs": paragraphs, "mandates": count,
            "seconds": round(seconds, 2)}


def time_statuses(url: str) -> dict[str, Any]:
    """Force every mandate's status to be rewritten, then time ``derive_statuses``."""
    store = open_store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(update(MandateRow).values(derived_status="unset", status="unset"))
        t0 = time.perf_counter()
        with store.engine.begin() as conn:
            docs, _, _ = load_graph(conn)
            statuses = current_status(docs, edge_infos(conn))
            changed = derive_statuses(conn, docs, statuses)
        seconds = time.perf_counter() - t0
        with store.engine.connect() as conn:
            counts = Counter(conn.execute(select(MandateRow.status)).scalars())
    finally:
        store.dispose()
    return {"changed": changed, "seconds": round(seconds, 2), "statuses": dict(counts)}


def time_digest(url: str, runs: int = 20) -> dict[str, Any]:
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            actors = Counter(conn.execute(select(MandateRow.actor)).scalars())
        actor, n = actors.most_common(1)[0]
        with store.engine.connect() as conn:
            ids = list(conn.execute(select(MandateRow.id).where(MandateRow.actor == actor)
                                    .order_by(MandateRow.id)).scalars())
        for i, mandate in enumerate(ids[::20]):  # one in twenty has progress recorded
            add_progress(store, mandate, "Bench Officer", note=f"progress {i}",
                         status="implemented" if i % 3 == 0 else None,
                         evidence=["UNEP/CMS/StC54/Doc.1"])
        groups = digest(store, actor)  # warm-up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            groups = digest(store, actor)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        store.dispose()
    times.sort()
    return {"actor": actor, "mandates_of_actor": n, "with_progress": len(ids[::20]),
            "in_force_shown": sum(len(g.mandates) for g in groups), "groups": len(groups),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1)}


def main() -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--quick", action="store_true", help="10,000 paragraphs")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL)
    cli.add_real_texts(ap, examples=False)
    args = ap.parse_args()
    target = 10_000 if args.quick else 100_000
    result: dict[str, Any] = {"machine": machine(), "engine": args.engine, "target": target,
                              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="mealink-bench-") as tmp:
        work = Path(tmp)
        folder = work / "corpus"
        folder.mkdir()
        templates = build_templates(real_files(args.corpus, DEFAULT_EXAMPLES))
        corpus = generate(folder, templates, target)
        print(f"generated {corpus.docs} documents, {corpus.paragraphs} paragraphs")
        result["extraction"] = ext = time_extraction(folder)
        print(f"mandates_of: {ext['mandates']} mandates from {ext['paragraphs']} paragraphs "
              f"in {ext['seconds']} s")
        url = str(work / "bench.db") if args.engine == "sqlite" else args.pg_url
        if args.engine == "postgresql":
            pg_recreate(url)
        store = open_store(url)
        t0 = time.perf_counter()
        summary = ingest(store, [folder])
        result["ingest_seconds"] = round(time.perf_counter() - t0, 1)
        store.dispose()
        print(f"ingest (with mandates and link): {result['ingest_seconds']} s, "
              f"{summary.paragraphs} paragraphs")
        result["statuses"] = st = time_statuses(url)
        print(f"derive_statuses: {st['changed']} mandates in {st['seconds']} s {st['statuses']}")
        result["derivation_seconds"] = round(ext["seconds"] + st["seconds"], 2)
        result["digest"] = dg = time_digest(url)
        print(f"digest of {dg['actor']!r} ({dg['in_force_shown']} in force, {dg['groups']} "
              f"texts): p50 {dg['p50_ms']} ms, p95 {dg['p95_ms']} ms, max {dg['max_ms']} ms")
        if args.engine == "postgresql":
            pg_recreate(url, drop_only=True)
    print(f"derivation total {result['derivation_seconds']} s (target <= 30 s); digest p95 "
          f"{dg['p95_ms']} ms (target <= 200 ms)")
    name = "results-mandates-quick.json" if args.quick else "results-mandates.json"
    if args.engine == "postgresql":
        name = name.replace(".json", "-postgresql.json")
    (BENCHMARKS / name).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
