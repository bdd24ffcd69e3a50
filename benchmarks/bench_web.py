"""Benchmark mealink's web application under load: document pages and search pages served
by ``mealink serve`` from a 100,000-paragraph SQLite corpus, loaded by ``wrk``.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_web.py --quick               # smoke test, 10,000
    .venv/bin/python benchmarks/bench_web.py --workdir /work/benchwork          # full run
    .venv/bin/python benchmarks/bench_web.py --workdir /work/benchwork --reuse  # same db

This is a by-hand benchmark for the web application's load target, not a test: it measures
on a corpus the size the project is built for and never adjusts a target. The targets, for
the SQLite store on the project's 2-core machine, with the server (``--workers 2``) and
the load generator sharing the two cores over loopback:

1. document pages (``GET /{document_id}``, e.g. ``/cms/resolution/11.1234``)
   >= 200 requests/s;
2. search pages (``GET /search?q=...``, the HTML page with its facets) >= 100 requests/s
   with p99 latency <= 250 ms, measured both without filters and with ``convention=CMS``:
   the capacity (>= 100/s) with wrk at saturation, and the p99 at 100 requests/s with an
   open-loop load (below).

The API (``/api/v1/documents/{id}``, ``/api/v1/search?q=...``) is measured the same way
for information (no target).

The corpus is the store benchmark's (``harness/corpus.py``), generated deterministically
from the real texts of the shared corpus and the examples (``random.Random(20261122)``),
ingested with ``mealink.store.corpus.ingest`` into ``web-<paragraphs>.db`` in the work
folder, then ``ANALYZE``d.
Building it takes a few minutes at 100,000 paragraphs: with ``--workdir DIR`` the database
is kept, and ``--reuse`` serves the one already there instead of building it again. The
documents and paragraphs actually stored are counted in the database and reported.

The server is ``.venv/bin/mealink serve --db DB --host 127.0.0.1 --port PORT --workers N``
started as a subprocess, ready once ``GET /`` answers 200, stopped at the end. The load
comes from ``wrk -t1 -c16`` (``--connections``) in a second process, with a Lua script
that rotates through a fixed list of paths: 500 document ids sampled with
``random.Random(seed)`` from the stored (non-stub) documents, URL-quoted; the ~40
field-typical queries of ``harness/queries.py``, URL-encoded. Before a scenario every one of
its paths is fetched once (redirects not followed) and must answer 200; each scenario then
gets a warm-up run (not counted, default 4 s) and a timed run (default 20 s, 5 s with
``--quick``). wrk's ``done()`` hook reports requests/s and the latency percentiles
(p50/p90/p99/p99.9, from wrk's histogram of every request) and its error counts as JSON.
wrk counts responses >= 400 as "status" errors (the pre-check catches redirects); a
scenario with any pre-check failure or wrk error is marked failed, whatever its speed.
wrk's request timeout is raised to 10 s so that slow requests are measured rather than
dropped from the latency histogram.

wrk is a closed loop: each connection sends its next request when the previous answer
arrives, so at saturation the latency includes queueing behind the other connections
(mean latency ~ connections / throughput). The CPU time of the server's processes (each
worker apart, to show how the connections were shared out), of wrk and of everything else
on the machine is measured during every timed run and reported. Before a timed run the
script waits (at most ``--quiet-wait`` s) for the other processes to leave the CPUs alone,
and runs a scenario again (at most ``--retries`` times) when they kept more than 0.3 CPUs
busy during it; the last run counts, and a warning says if the machine was never quiet.

A closed loop at saturation measures capacity, but its latency is set by the number of
connections chosen (16 connections at 155/s wait ~100 ms in the queue on average) rather
than by the load. So the p99 target is judged as stated, at a load of 100 requests/s: an
open-loop client in this script's process (asyncio on uvloop, keep-alive connections, a new
one whenever all are busy) sends the search paths on a fixed schedule for the same
duration after a warm-up, whatever the answers do, and times each request from the moment
it was due (no coordinated omission: a slow answer delays nothing else and is measured in
full). ``--rates`` sets the rates (default 100, which carries the target, and 125 for the
headroom). A connection the server closed after its keep-alive time is replaced and the
request sent again, as any HTTP client does; any other failure counts as an error, and a
run with errors does not meet the target.

Results are printed as a Markdown table and written as JSON to
``benchmarks/results-web.json`` (``results-web-quick.json`` with ``--quick``).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from harness import cli
from harness.corpus import (
    FULL_PARAGRAPHS,
    QUICK_PARAGRAPHS,
    SEED,
    fresh_folder,
    generate_from,
    ingest_progress,
)
from harness.db import analyze, read_only, remove_sqlite, reuse_or_build, scalar, sqlite_bytes
from harness.provenance import machine, run_header, source_digest, versions
from harness.queries import QUERIES
from harness.tables import source_warning, write_results
from harness.timing import Log, busy_seconds, wait_quiet
from web_load import WRK_TIMEOUT_S, Server, free_port, open_loop, precheck, run_wrk

from mealink.store import ingest, open_store

TARGET_DOC_RPS = 200.0
TARGET_SEARCH_RPS = 100.0
TARGET_SEARCH_P99_MS = 250.0
DOC_SAMPLE = 500

# --------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    """One load: a name, the paths wrk rotates through, and the target (if any)."""

    name: str
    paths: list[str]
    min_rps: float | None = None
    max_p99_ms: float | None = None

    def target_text(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:.0f}/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:.0f} ms")
        return ", ".join(parts) or "(info)"


def sample_documents(db: Path, n: int, seed: int) -> list[str]:
    """``n`` ids of stored (non-stub) documents, a deterministic sample."""
    with read_only(db) as con:
        ids = [r[0] for r in con.execute(
            "SELECT id FROM documents WHERE NOT is_stub ORDER BY id")]
    if not ids:
        raise SystemExit(f"{db} holds no documents")
    return random.Random(seed).sample(ids, min(n, len(ids)))


def search_paths(prefix: str, convention: str | None) -> list[str]:
    """The search paths of every benchmark query, with the convention filter if given."""
    extra = {"convention": convention} if convention else {}
    return [f"{prefix}?{urlencode({'q': q, **extra})}" for q in QUERIES]


def scenarios(doc_ids: Sequence[str]) -> list[Scenario]:
    """The load scenarios over the sampled documents and the queries, targets attached."""
    quoted = [quote(d, safe="/") for d in doc_ids]
    return [
        Scenario("document page  GET /{id}", [f"/{d}" for d in quoted],
                 min_rps=TARGET_DOC_RPS),
        # capacity at saturation; the p99 target is judged at the target's rate (open loop)
        Scenario("search page  GET /search?q=", search_paths("/search", None),
                 min_rps=TARGET_SEARCH_RPS),
        Scenario("search page  GET /search?q=&convention=CMS", search_paths("/search", "CMS"),
                 min_rps=TARGET_SEARCH_RPS),
        Scenario("API document  GET /api/v1/documents/{id}",
                 [f"/api/v1/documents/{d}" for d in quoted]),
        Scenario("API search  GET /api/v1/search?q= (with and without convention=CMS)",
                 [p for pair in zip(search_paths("/api/v1/search", None),
                                    search_paths("/api/v1/search", "CMS"), strict=True)
                  for p in pair]),
    ]

# --------------------------------------------------------------------------- database


def db_paths(workdir: Path, target: int) -> tuple[Path, Path]:
    """The database and its build record for a corpus size."""
    return workdir / f"web-{target}.db", workdir / f"web-{target}.json"


def count_corpus(db: Path) -> dict[str, int]:
    """Documents, stubs and paragraphs the database holds, counted in SQL."""
    with read_only(db) as con:
        return {"documents": scalar(con, "SELECT count(*) FROM documents WHERE NOT is_stub"),
                "stubs": scalar(con, "SELECT count(*) FROM documents WHERE is_stub"),
                "paragraphs": scalar(con, "SELECT count(*) FROM paragraphs")}


def build_database(workdir: Path, target: int, corpus_dir: Path, examples: Path,
                   log: Log) -> dict[str, Any]:
    """Generate the corpus and ingest it into a fresh SQLite file; its description."""
    db, meta_path = db_paths(workdir, target)
    remove_sqlite(db)
    meta_path.unlink(missing_ok=True)
    docs = fresh_folder(workdir / f"docs-{target}")
    try:
        _, corpus = generate_from(corpus_dir, examples, docs, target, log)
        log(f"{corpus.docs} documents, {corpus.paragraphs:,} paragraphs in "
            f"{corpus.seconds:.0f} s; ingesting into {db} ...")
        t0 = time.perf_counter()
        store = open_store(str(db))
        try:
            summary = ingest(store, [docs], on_file=ingest_progress(
                log, lambda: time.perf_counter() - t0))
            analyze(store)
        finally:
            store.dispose()
        ingest_s = time.perf_counter() - t0
        log(f"ingested {summary.paragraphs:,} paragraphs in {ingest_s:.0f} s "
            f"({summary.counts()})")
    finally:
        shutil.rmtree(docs, ignore_errors=True)
    meta = {"target_paragraphs": target, "seed": SEED, "generated_documents": corpus.docs,
            "generated_paragraphs": corpus.paragraphs, "ingest_s": round(ingest_s, 1),
            "outcomes": summary.counts(), "source_digest": source_digest(),
            "built": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta

def quiet_server(server: Server, max_wait: float, log: Log) -> None:
    """Wait (at most ``max_wait`` s) until the processes other than the server and this one
    keep fewer than 0.25 CPUs busy over one second."""
    wait_quiet(max_wait, log, interval=1.0,
               own_cpu=lambda: server.cpu_seconds() + time.process_time())


def measure_rate(server: Server, name: str, paths: Sequence[str], rate: float,
                 seconds: float, log: Log, quiet_wait: float,
                 max_p99_ms: float | None) -> dict[str, Any]:
    """Search pages at a fixed arrival rate: is p99 within the target at that load?"""
    log(f"{name}: {rate:.0f} requests/s for {seconds:.0f} s, open loop ...")
    quiet_server(server, quiet_wait, log)
    open_loop(server.port, paths, rate, min(4.0, seconds))  # warm-up, not counted
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    s0, t = server.cpu_by_pid(), time.perf_counter()
    res = open_loop(server.port, paths, rate, seconds, len(paths) // 2)
    wall = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    s1 = server.cpu_by_pid()
    res["scenario"] = name
    res["server_cpus"] = sum(s1[p] - s0.get(p, 0.0) for p in s1) / wall
    res["client_cpus"] = ((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)) / wall
    lat = res["latency_ms"]
    res["failed"] = any(res["errors"].values())
    res["max_p99_ms"] = max_p99_ms
    res["met"] = None if max_p99_ms is None else (
        not res["failed"] and res["achieved_rps"] >= 0.98 * rate and lat["p99"] <= max_p99_ms)
    log(f"  {res['achieved_rps']:.1f} requests/s answered, p50 {lat['p50']:.1f} / p90 "
        f"{lat['p90']:.1f} / p99 {lat['p99']:.1f} / p99.9 {lat['p999']:.1f} ms, errors "
        f"{res['errors']}, {res['connections_opened']} connections; server "
        f"{res['server_cpus']:.2f} CPUs, this client {res['client_cpus']:.2f}")
    return res


def timed_run(server: Server, sc: Scenario, seconds: float, connections: int, tmp: Path,
              start: int) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """One counted wrk run, with the CPU the server, wrk and everything else used."""
    b0, s0 = busy_seconds(), server.cpu_by_pid()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    raw, text = run_wrk(server.port, sc.paths, seconds, connections, start, tmp)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b1, s1 = busy_seconds(), server.cpu_by_pid()
    per_pid = {pid: s1[pid] - s0.get(pid, 0.0) for pid in s1}
    server_cpu = sum(per_pid.values())
    wrk_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    busy = (b1 - b0) if b0 is not None and b1 is not None else float("nan")
    n = raw["requests"]
    cpu = {"server_cpus": server_cpu / wall, "wrk_cpus": wrk_cpu / wall,
           "others_cpus": max(0.0, busy - server_cpu - wrk_cpu) / wall,
           "server_cpu_ms_per_request": 1000 * server_cpu / n if n else None,
           "per_process_cpus": {str(pid): round(v / wall, 3) for pid, v in per_pid.items()}}
    return raw, text, cpu


def measure(server: Server, sc: Scenario, seconds: float, warmup: float, connections: int,
            tmp: Path, log: Log, quiet_wait: float, retries: int) -> dict[str, Any]:
    """One scenario: pre-check, warm-up and timed wrk run (again while the machine is busy)."""
    log(f"{sc.name}: pre-check of {len(sc.paths)} paths ...")
    pre = precheck(server.port, sc.paths)
    for b in pre["non_200"][:10]:
        log(f"  NOT 200: {b['status']} {b['path']} {b.get('error', '')}")
    log(f"  unloaded p50 {pre['unloaded_p50_ms']} ms, max {pre['unloaded_max_ms']} ms, "
        f"{pre['mean_body_bytes']} bytes per answer")
    start = len(sc.paths) // 2  # the timed run does not begin where the warm-up did
    attempts: list[dict[str, Any]] = []
    while True:
        quiet_server(server, quiet_wait, log)
        if warmup > 0:
            run_wrk(server.port, sc.paths, warmup, connections, 0, tmp)
        raw, text, cpu = timed_run(server, sc, seconds, connections, tmp, start)
        attempts.append({"requests": raw["requests"], "others_cpus": cpu["others_cpus"]})
        if cpu["others_cpus"] <= 0.3 or len(attempts) > retries:
            break
        log(f"  other processes kept {cpu['others_cpus']:.2f} CPUs busy during the run "
            f"({raw['requests'] / (raw['duration_us'] / 1e6):.1f} requests/s): again")
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    ms = {k: raw[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "p999", "mean", "max")}
    errors = {k: int(raw[k]) for k in ("connect", "read", "write", "status", "timeout")}
    failed = bool(pre["non_200"]) or any(errors.values())
    met = not failed
    if sc.min_rps is not None:
        met = met and rps >= sc.min_rps
    if sc.max_p99_ms is not None:
        met = met and ms["p99"] <= sc.max_p99_ms
    res = {"scenario": sc.name, "paths": len(sc.paths), "requests": int(raw["requests"]),
           "seconds": raw["duration_us"] / 1e6, "requests_per_s": rps,
           "latency_ms": ms, "errors": errors, "failed": failed,
           "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
           "target": {"min_rps": sc.min_rps, "max_p99_ms": sc.max_p99_ms},
           "has_target": sc.min_rps is not None or sc.max_p99_ms is not None,
           "met": met, "precheck": pre, "cpu": cpu, "attempts": attempts, "wrk_output": text}
    log(f"  {rps:.1f} requests/s, p50 {ms['p50']:.1f} / p90 {ms['p90']:.1f} / p99 "
        f"{ms['p99']:.1f} / p99.9 {ms['p999']:.1f} ms, errors {errors}; server "
        f"{cpu['server_cpus']:.2f} CPUs {cpu['per_process_cpus']}, wrk {cpu['wrk_cpus']:.2f}, "
        f"others {cpu['others_cpus']:.2f}")
    return res

# --------------------------------------------------------------------------- main


def web_versions() -> dict[str, str | None]:
    """The versions of the web stack the server loads, and of wrk."""
    out = versions(("fastapi", "starlette", "uvicorn", "jinja2", "uvloop", "httptools"))
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    out["wrk"] = (wrk.stdout + wrk.stderr).splitlines()[0].strip() if wrk.stdout + wrk.stderr \
        else None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK_PARAGRAPHS:,}-paragraph corpus and 5 s runs")
    cli.add_paragraphs(ap, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where to build and keep the SQLite database (default: a temporary "
                         "folder, removed at the end)")
    ap.add_argument("--reuse", action="store_true",
                    help="serve the database already built in --workdir for this corpus size "
                         "instead of building it again")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds per timed run (default 20; 5 with --quick)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds of the uncounted warm-up run (default 4; 2 with --quick)")
    cli.add_quiet_wait(ap, 120.0, "a timed run")
    ap.add_argument("--retries", type=int, default=2,
                    help="run a scenario again (at most this often) when other processes kept "
                         "more than 0.3 CPUs busy during its timed run (default 2)")
    ap.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    ap.add_argument("--sample", type=int, default=DOC_SAMPLE,
                    help=f"document ids to rotate through (default {DOC_SAMPLE})")
    ap.add_argument("--only", default=None,
                    help="run only the scenarios whose name contains this text")
    ap.add_argument("--rates", default=f"{TARGET_SEARCH_RPS:.0f},125",
                    help="fixed arrival rates (requests/s) of the open-loop search runs; "
                         "the first carries the p99 target (default: 100,125)")
    cli.add_real_texts(ap)
    ap.add_argument("--mealink", type=Path, default=Path(sys.executable).parent / "mealink",
                    help="the mealink command (default: beside this Python)")
    cli.add_out(ap, "results-web.json", "results-web-quick.json")
    args = ap.parse_args(argv)
    target = cli.paragraphs(args, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    seconds = args.duration or (5.0 if args.quick else 20.0)
    warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 4.0)
    out = cli.out_path(args, "results-web.json", "results-web-quick.json")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    if args.reuse and args.workdir is None:
        raise SystemExit("--reuse needs --workdir (the folder of the database to reuse)")

    t_start = time.perf_counter()
    log = cli.progress_log()
    digest = source_digest()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mealink-bench-web-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db, meta_path = db_paths(workdir, target)
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full", "seed": SEED,
        "machine": machine(),
        **run_header(digest, path=False),
        "targets": {"document_page_rps": TARGET_DOC_RPS, "search_page_rps": TARGET_SEARCH_RPS,
                    "search_page_p99_ms": TARGET_SEARCH_P99_MS},
        "workers": args.workers, "connections": args.connections, "wrk_threads": 1,
        "duration_s": seconds, "warmup_s": warmup, "wrk_timeout_s": WRK_TIMEOUT_S,
        "database": str(db)}
    try:
        meta = reuse_or_build(db, meta_path, args.reuse, lambda: build_database(
            workdir, target, args.corpus, args.examples, log), log)
        if meta.get("source_digest") != digest:
            log("note: the database was built by other mealink sources than this run's")
        results["build"] = meta
        results["corpus"] = corpus = count_corpus(db)
        corpus["db_bytes"] = sqlite_bytes(db)
        log(f"corpus: {corpus['documents']:,} documents, {corpus['paragraphs']:,} paragraphs "
            f"({corpus['stubs']:,} stubs), {corpus['db_bytes'] / 1e6:.0f} MB")
        doc_ids = sample_documents(db, args.sample, SEED)
        chosen = [s for s in scenarios(doc_ids) if not args.only or args.only in s.name]
        port = args.port or free_port()
        results["machine"]["versions"] = web_versions()  # as the server is about to load them
        runs: list[dict[str, Any]] = []
        fixed: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="mealink-wrk-") as tmp, \
                Server(args.mealink, db, port, args.workers, workdir / "server.log",
                       log) as server:
            results["server_processes"] = len(server.pids())
            for sc in chosen:
                runs.append(measure(server, sc, seconds, warmup, args.connections, Path(tmp),
                                    log, args.quiet_wait, args.retries))
            rates = [float(r) for r in args.rates.split(",") if r.strip()]
            for rate in rates if not args.only or "rate" in args.only else []:
                for label, conv in (("search page", None), ("search page, CMS", "CMS")):
                    target = TARGET_SEARCH_P99_MS if rate >= TARGET_SEARCH_RPS and \
                        rate == rates[0] else None
                    fixed.append(measure_rate(
                        server, f"{label} at {rate:.0f}/s", search_paths("/search", conv),
                        rate, seconds, log, args.quiet_wait, target))
        results["scenarios"] = runs
        results["open_loop"] = fixed
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    results["max_others_cpus"] = max((r["cpu"]["others_cpus"] for r in runs), default=0.0)
    results["targets_met"] = all(r["met"] for r in runs if r["has_target"]) and all(
        r["met"] for r in results.get("open_loop", []) if r["met"] is not None)
    results["total_wall_s"] = time.perf_counter() - t_start
    if results["max_others_cpus"] > 0.3:
        log(f"WARNING: other processes kept {results['max_others_cpus']:.1f} CPUs busy during "
            "a timed run; the machine was not quiet")
    write_results(results, out, digest, markdown, log)
    return 0


def markdown(r: dict[str, Any]) -> str:
    c, m = r["corpus"], r["machine"]
    rows = [f"Corpus: {c['documents']:,} documents, {c['paragraphs']:,} paragraphs (SQLite, "
            f"{c['db_bytes'] / 1e6:.0f} MB); `mealink serve --workers {r['workers']}`; "
            f"`wrk -t1 -c{r['connections']}`, {r['duration_s']:.0f} s per scenario after a "
            f"{r['warmup_s']:.0f} s warm-up.", "",
            "| scenario | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | "
            "target | met |", "|---|---|---|---|---|---|---|---|---|"]
    for s in r["scenarios"]:
        lat, e = s["latency_ms"], s["errors"]
        err = sum(e.values())
        err_text = "0" if not err else ", ".join(f"{k} {v}" for k, v in e.items() if v)
        if s["precheck"]["non_200"]:
            err_text += f"; {len(s['precheck']['non_200'])} paths not 200"
        sc = Scenario(s["scenario"], [], s["target"]["min_rps"], s["target"]["max_p99_ms"])
        met = ("**YES**" if s["met"] else "**NO**") if s["has_target"] else \
            ("" if not s["failed"] else "**FAILED**")
        if s["failed"] and s["has_target"]:
            met = "**NO** (failed)"
        rows.append(f"| {s['scenario']} | {s['requests_per_s']:.1f} | {lat['p50']:.1f} | "
                    f"{lat['p90']:.1f} | {lat['p99']:.1f} | {lat['p999']:.1f} | {err_text} | "
                    f"{sc.target_text()} | {met} |")
    if r.get("open_loop"):
        rows += ["", "Search at a fixed arrival rate (open loop: requests sent on schedule "
                 "whatever the answers do, each timed from when it was due):", "",
                 "| scenario | offered/s | answered/s | p50 ms | p90 ms | p99 ms | p99.9 ms | "
                 "errors | server CPUs | target | met |", "|---|---|---|---|---|---|---|---|"
                 "---|---|---|"]
        for o in r["open_loop"]:
            lat = o["latency_ms"]
            met = "" if o["met"] is None else ("**YES**" if o["met"] else "**NO**")
            target = f"p99 ≤ {o['max_p99_ms']:.0f} ms" if o["max_p99_ms"] else "(info)"
            rows.append(f"| {o['scenario']} | {o['offered_rps']:.0f} | "
                        f"{o['achieved_rps']:.1f} | {lat['p50']:.1f} | {lat['p90']:.1f} | "
                        f"{lat['p99']:.1f} | {lat['p999']:.1f} | "
                        f"{sum(o['errors'].values())} | {o['server_cpus']:.2f} | {target} | "
                        f"{met} |")
    rows.append("")
    cpu_parts = []
    for s in r["scenarios"]:
        cpu = s["cpu"]
        split = " + ".join(f"{v:.2f}" for v in cpu["per_process_cpus"].values() if v >= 0.01)
        cpu_parts.append(f"{s['scenario'].split('  ')[0]}: server {cpu['server_cpus']:.2f} "
                         f"({split}; {cpu['server_cpu_ms_per_request']:.1f} ms/request), wrk "
                         f"{cpu['wrk_cpus']:.2f}, others {cpu['others_cpus']:.2f}")
    rows.append("CPU during the timed runs (CPUs busy; server = all its processes, then each "
                "busy one): " + "; ".join(cpu_parts) + ".")
    v = m["versions"]
    rows.append(f"Machine: {m['cpu_model'] or m['processor']}, {m['cpu_count']} CPUs, "
                f"{m['implementation']} {m['python']}, SQLite {m['sqlite']}, uvicorn "
                f"{v['uvicorn']} (uvloop {v['uvloop'] or 'no'}, httptools "
                f"{v['httptools'] or 'no'}), FastAPI {v['fastapi']}, {v['wrk']}; mode "
                f"{r['mode']}, seed {r['seed']}; mealink {r['mealink_version']} sources "
                f"{r['source_digest']}; run {r['started']}, {r['total_wall_s']:.0f} s; load "
                f"average {m['loadavg_start'][0]:.2f} -> {m['loadavg_end'][0]:.2f}.")
    if r.get("max_others_cpus", 0.0) > 0.3:
        rows += ["", f"**Warning: other processes kept up to {r['max_others_cpus']:.1f} CPUs "
                 "busy during a timed run: the machine was not quiet; rerun.**"]
    rows += source_warning(r)
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
