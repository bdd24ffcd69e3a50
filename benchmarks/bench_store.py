"""Benchmark mealink's store: ingest rate, database size and search latency at 100,000 paragraphs.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_store.py                    # both engines, 100,000 paragraphs
    .venv/bin/python benchmarks/bench_store.py --engine sqlite    # SQLite only
    .venv/bin/python benchmarks/bench_store.py --quick            # smoke test, 10,000 paragraphs

This is a by-hand benchmark for the store's targets (issue 3), not a test: it measures on
a corpus the size the project is built for and never adjusts a target. The targets, for the
embedded SQLite store on the project's 2-core machine:

1. ingest >= 2,000 paragraphs per second, over the whole ``ingest`` call (load, parse,
   annotate in worker processes, store many documents a transaction, then link the corpus;
   issue 18 asks for >= 4,000 without embeddings);
2. search p95 <= 50 ms for a 2-3 word query with filters.

PostgreSQL is measured the same way for comparison (no target of its own).

The corpus is synthesised deterministically (``random.Random(20261122)``) from the real
texts by ``harness/corpus.py`` (see there): real texts with new identities and a quarter of
their top-level paragraphs swapped, generated until they hold the requested number of
paragraphs. The stored count is checked against the database.

Search runs a fixed set of about 40 field-typical queries (2-3 words, some "phrases"), each
without filters and with each of four filter sets, warmed up once and then timed several
times; p50 / p95 / p99 are reported per engine for "without filters" and "with filters".
Beside the ingest rate, its two limits in the same run: parsing alone (the same files
through the same worker processes, nothing stored) and the writer alone (paragraphs per
second of the writing process's own CPU time during the ingest); ingest can go no faster
than the slower of the two.

Results are printed as a Markdown table and written as JSON to
``benchmarks/results-store.json`` (``results-store-quick.json`` with ``--quick``).
"""

from __future__ import annotations

import cProfile
import importlib
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import cli
from harness.corpus import (
    FULL_PARAGRAPHS,
    MIX_SHARE,
    QUICK_PARAGRAPHS,
    SEED,
    Corpus,
    build_templates,
    fresh_folder,
    generate,
    ingest_progress,
    real_files,
)
from harness.db import DEFAULT_PG_URL, analyze, pg_recreate, remove_sqlite
from harness.provenance import machine, run_header, source_digest
from harness.queries import QUERIES
from harness.tables import ok, source_warning, write_results
from harness.timing import Meter, summary_ms
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from mealink.load import DEFAULT_MAX_BYTES, iter_paths
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.linking import LinkSummary, link
from mealink.store.corpus.parallel import prepared_in_order
from mealink.store.corpus.prepare import prepare
from mealink.store.corpus.records import DocumentRecord
from mealink.store.search.hits import SearchFilters
from mealink.store.search.keyword import search
from mealink.workers import workers_for

# the module, not the ``ingest`` function that mealink.store re-exports under the same name
ingest_module = importlib.import_module("mealink.store.corpus.ingest")

TARGET_PARAS_PER_S = 2000.0
TARGET_P95_MS = 50.0

# --------------------------------------------------------------------------- queries

#: Each query also runs with each of these ("with filters" pools them).
FILTER_SETS: dict[str, SearchFilters] = {
    "CMS operative in force": SearchFilters(convention="CMS", kind="operative", in_force=True),
    "operative, actor Secretariat": SearchFilters(kind="operative", actor="Secretariat"),
    "CBD in force": SearchFilters(convention="CBD", in_force=True),
    "operative, verb request, in force": SearchFilters(kind="operative", verb="request",
                                                       in_force=True),
}

# --------------------------------------------------------------------------- engines


def sqlite_size(path: Path) -> dict[str, Any]:
    def sizes() -> dict[str, int]:
        return {s: (Path(str(path) + s).stat().st_size if Path(str(path) + s).exists() else 0)
                for s in ("", "-wal")}
    before = sizes()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables: dict[str, int] = {}
        try:
            rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
            for name, size in rows:
                # indexes and FTS5 shadow tables count towards their table
                owner = con.execute("SELECT tbl_name FROM sqlite_master WHERE name = ?",
                                    (name,)).fetchone()
                key = owner[0] if owner else name
                if key.startswith("paragraphs_fts"):
                    key = "paragraphs_fts (FTS5 index)"
                tables[key] = tables.get(key, 0) + int(size)
        except sqlite3.OperationalError:  # SQLite built without dbstat
            pass
    finally:
        con.close()
    after = sizes()
    return {"file_before_checkpoint": before[""], "wal_before_checkpoint": before["-wal"],
            "bytes": after[""] + after["-wal"], "file": after[""], "wal": after["-wal"],
            "tables": dict(sorted(tables.items(), key=lambda kv: -kv[1]))}


def pg_size(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        rows = conn.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC")).all()
    return {"bytes": int(total), "tables": {r[0]: int(r[1]) for r in rows}}


def server_version(store: Store) -> str:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            return "SQLite " + conn.execute(text("SELECT sqlite_version()")).scalar_one()
        return conn.execute(text("SELECT version()")).scalar_one()


# --------------------------------------------------------------------------- ingest


def parse_alone(folder: Path, workers: int | None) -> dict[str, Any]:
    """The files of ``folder`` prepared as ingest prepares them (same worker processes),
    nothing stored: the limit parsing puts on ingest."""
    files = list(iter_paths([folder]))
    n = workers_for(workers, len(files))
    t = time.perf_counter()
    preps = prepared_in_order(files, DEFAULT_MAX_BYTES, n) if n > 1 else \
        (prepare(str(f), DEFAULT_MAX_BYTES) for f in files)
    paras = sum(len(p.parsed.paragraphs) for p in preps if isinstance(p.parsed, DocumentRecord))
    wall = time.perf_counter() - t
    return {"workers": n, "paragraphs": paras, "wall_s": wall, "paragraphs_per_s": paras / wall}


def timed_ingest(store: Store, folder: Path, log: Callable[[str], None],
                 profile: Path | None = None, workers: int | None = None) -> dict[str, Any]:
    """``ingest`` on the folder, with the time of its final ``link`` step taken apart."""
    link_times: list[float] = []
    real_link = ingest_module.link

    def timed_link(s: Store) -> LinkSummary:
        t = time.perf_counter()
        try:
            return real_link(s)
        finally:
            link_times.append(time.perf_counter() - t)

    t_start = time.perf_counter()
    on_file = ingest_progress(log, lambda: time.perf_counter() - t_start)
    ingest_module.link = timed_link  # instrument only: the real function still runs
    prof = cProfile.Profile() if profile else None
    try:
        # its parse workers are this run's own: their CPU is counted with it, not as
        # other processes' (they are waited for when ingest shuts its pool down)
        with Meter(children=True, postgres=True) as meter:
            if prof:
                prof.enable()
            writer = time.thread_time()
            summary = ingest(store, [folder], on_file=on_file, workers=workers)
            writer = time.thread_time() - writer
            if prof:
                prof.disable()
        wall = meter.wall
    finally:
        ingest_module.link = real_link
    if prof and profile:
        prof.dump_stats(profile)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM paragraphs")).scalar_one()
        docs = conn.execute(text("SELECT count(*) FROM documents WHERE NOT is_stub")
                            ).scalar_one()
        stubs = conn.execute(text("SELECT count(*) FROM documents WHERE is_stub")).scalar_one()
    link_s = link_times[0] if link_times else float("nan")
    t0 = time.perf_counter()
    again = link(store)
    relink = time.perf_counter() - t0
    paras = summary.paragraphs
    failed = [o for o in summary.outcomes if o.outcome == "failed"]
    lk = summary.link
    return {"paragraphs": paras, "paragraphs_in_db": int(stored), "documents_in_db": int(docs),
            "stubs_in_db": int(stubs), "outcomes": summary.counts(), "wall_s": wall,
            "paragraphs_per_s": paras / wall, "link_s": link_s,
            "before_link_s": wall - link_s, "paragraphs_per_s_before_link": paras / (wall - link_s),
            "relink_s": relink, "failed_head": [f"{o.path}: {o.message}" for o in failed[:3]],
            "workers": workers_for(workers, len(list(iter_paths([folder])))),
            "writer_cpu_s": writer, "writer_paragraphs_per_cpu_s": paras / writer,
            "link": None if lk is None else {k: getattr(lk, k) for k in lk.__slots__},
            "meter": meter.as_dict(),
            "relink_same": again == lk}

# --------------------------------------------------------------------------- search


class SqlRecorder:
    """Keeps the statements a search sends, so the slowest can be EXPLAINed afterwards."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(store.engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                context: Any, executemany: bool) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def capture(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements = []
        self.on = True
        try:
            fn()
        finally:
            self.on = False
        return self.statements

    def close(self) -> None:
        event.remove(self.store.engine, "before_cursor_execute", self._before)


def explain(store: Store, statement: str, params: Any) -> list[str]:
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if store.dialect == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            return [str(r[-1]) for r in cur.fetchall()]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        return [str(r[0]) for r in cur.fetchall()]
    finally:
        raw.close()


def run_search(store: Store, repeats: int, log: Callable[[str], None],
               n_explain: int = 3) -> dict[str, Any]:
    cases: list[tuple[str, str, SearchFilters | None]] = []
    for q in QUERIES:
        cases.append((q, "none", None))
        cases += [(q, name, f) for name, f in FILTER_SETS.items()]
    hits: dict[int, int] = {}
    for i, (q, _, f) in enumerate(cases):  # warm-up: caches, prepared plans, page cache
        hits[i] = len(search(store, q, f, limit=20))
    times: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    with Meter(postgres=True) as meter:
        for _ in range(repeats):
            for i, (q, _, f) in enumerate(cases):
                t0 = time.perf_counter()
                search(store, q, f, limit=20)
                times[i].append((time.perf_counter() - t0) * 1000)
    without = [t for i, ts in times.items() if cases[i][2] is None for t in ts]
    with_f = [t for i, ts in times.items() if cases[i][2] is not None for t in ts]
    per_set = {name: summary_ms([t for i, ts in times.items() if cases[i][1] == name
                                 for t in ts]) for name in ["none", *FILTER_SETS]}
    per_case = sorted(({"query": cases[i][0], "filters": cases[i][1],
                        "median_ms": statistics.median(ts), "max_ms": max(ts),
                        "hits": hits[i]} for i, ts in times.items()),
                      key=lambda c: -c["median_ms"])
    result: dict[str, Any] = {
        "queries": len(QUERIES), "filter_sets": {k: _filters_dict(v)
                                                 for k, v in FILTER_SETS.items()},
        "repeats": repeats, "limit": 20,
        "without_filters": summary_ms(without), "with_filters": summary_ms(with_f),
        "per_filter_set": per_set, "slowest": per_case[:10],
        "zero_hit_cases": sum(1 for c in per_case if c["hits"] == 0),
        "meter": meter.as_dict(),
    }
    rec = SqlRecorder(store)
    plans = []
    try:
        for c in per_case[:n_explain]:
            f = FILTER_SETS.get(c["filters"])
            stmts = rec.capture(lambda c=c, f=f: search(store, c["query"], f, limit=20))
            if stmts:
                stmt, params = stmts[0]  # the ranked query; the second one makes snippets
                plans.append({"query": c["query"], "filters": c["filters"], "sql": stmt,
                              "plan": explain(store, stmt, params)})
    except Exception as exc:  # a plan is a bonus: never fail the run for it
        log(f"  (no query plan: {exc})")
    finally:
        rec.close()
    result["plans"] = plans
    return result


def _filters_dict(f: SearchFilters) -> dict[str, Any]:
    return {k: getattr(f, k) for k in f.__slots__ if getattr(f, k) is not None}

# --------------------------------------------------------------------------- main


def bench_engine(engine: str, url: str, corpus: Corpus, repeats: int, workdir: Path,
                 log: Callable[[str], None], profile: Path | None,
                 workers: int | None = None) -> dict[str, Any]:
    log(f"{engine}: opening a fresh store at {make_url_safe(url)}")
    if engine == "postgresql":
        pg_recreate(url)
    store = open_store(url)
    try:
        res: dict[str, Any] = {"engine": engine, "server": server_version(store),
                               "database": store.name}
        log(f"{engine}: ingesting {corpus.docs} files ...")
        res["ingest"] = ing = timed_ingest(store, corpus.folder, log, profile, workers)
        log(f"{engine}: {ing['paragraphs']} paragraphs in {ing['wall_s']:.1f} s = "
            f"{ing['paragraphs_per_s']:.0f} paragraphs/s (link {ing['link_s']:.1f} s; "
            f"outcomes {ing['outcomes']})")
        if engine == "sqlite":
            store.dispose()  # let go of the file before the checkpoint
            res["size"] = sqlite_size(Path(url))
        else:
            res["size"] = pg_size(store)
        log(f"{engine}: database {res['size']['bytes'] / 1e6:.1f} MB")
        analyze(store)
        log(f"{engine}: search, {len(QUERIES)} queries x {1 + len(FILTER_SETS)} filter sets x "
            f"{repeats} ...")
        res["search"] = s = run_search(store, repeats, log)
        log(f"{engine}: p95 {s['without_filters']['p95']:.1f} ms without filters, "
            f"{s['with_filters']['p95']:.1f} ms with filters")
    finally:
        store.dispose()
    return res


def make_url_safe(url: str) -> str:
    return url if "://" not in url else make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    cli.add_paragraphs(ap, FULL_PARAGRAPHS, QUICK_PARAGRAPHS, "paragraphs to store")
    ap.add_argument("--quick", action="store_true", help="small smoke-test run")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL,
                    help=f"a scratch PostgreSQL database, dropped and created again "
                         f"(default {DEFAULT_PG_URL})")
    cli.add_real_texts(ap)
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed runs of each query (default 5; 3 with --quick)")
    cli.add_out(ap, "results-store.json", "results-store-quick.json")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where to write the documents and the SQLite file (default: a "
                         "temporary folder, removed at the end)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the documents, the SQLite file and the PostgreSQL database")
    ap.add_argument("--workers", type=int, default=None,
                    help="processes that parse while one stores (default: as ingest "
                         "chooses; 1: parse in the writing process)")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile the ingest call (slower; writes ingest-ENGINE.prof in the "
                         "work folder)")
    args = ap.parse_args(argv)
    target = cli.paragraphs(args, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    repeats = args.repeats or (3 if args.quick else 5)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    out = cli.out_path(args, "results-store.json", "results-store-quick.json")

    t_start = time.perf_counter()
    log = cli.progress_log()
    digest = source_digest()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mealink-bench-store-"))
    workdir.mkdir(parents=True, exist_ok=True)
    docs_dir = fresh_folder(workdir / "docs")
    results: dict[str, Any] = {"mode": "quick" if args.quick else "full", "seed": SEED,
                               "machine": machine(), **run_header(digest),
                               "targets": {"ingest_paragraphs_per_s": TARGET_PARAS_PER_S,
                                           "sqlite_p95_ms_with_filters": TARGET_P95_MS},
                               "engines": {}}
    try:
        files = real_files(args.corpus, args.examples)
        templates = build_templates(files)
        log(f"{len(templates)} real texts as templates (of {len(files)} files); generating "
            f"documents until they hold {target:,} paragraphs in {docs_dir} ...")
        corpus = generate(docs_dir, templates, target, log=log)
        results["corpus"] = {"folder": str(docs_dir), "templates": corpus.templates,
                             "documents": corpus.docs, "paragraphs": corpus.paragraphs,
                             "paragraphs_per_document": corpus.paragraphs / corpus.docs,
                             "bytes": corpus.bytes, "skipped_as_duplicates": corpus.skipped,
                             "generate_s": corpus.seconds, "mix_share": MIX_SHARE}
        log(f"{corpus.docs} documents, {corpus.paragraphs:,} paragraphs, "
            f"{corpus.bytes / 1e6:.1f} MB of text ({corpus.skipped} skipped) in "
            f"{corpus.seconds:.0f} s")
        log("parsing alone (the limit parsing puts on ingest) ...")
        results["parse_alone"] = pa = parse_alone(docs_dir, args.workers)
        log(f"parsing alone: {pa['paragraphs_per_s']:.0f} paragraphs/s "
            f"({pa['workers']} processes)")
        for engine in engines:
            url = str(workdir / "bench.db") if engine == "sqlite" else args.pg_url
            if engine == "sqlite":
                remove_sqlite(Path(url))
            prof = workdir / f"ingest-{engine}.prof" if args.profile else None
            results["engines"][engine] = bench_engine(engine, url, corpus, repeats, workdir,
                                                      log, prof, args.workers)
            if engine == "postgresql" and not args.keep:
                pg_recreate(args.pg_url, drop_only=True)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not args.keep:
            shutil.rmtree(docs_dir, ignore_errors=True)
    if args.keep:
        log(f"kept {workdir}" + (f" and {make_url_safe(args.pg_url)}"
                                  if "postgresql" in engines else ""))

    sq = results["engines"].get("sqlite")
    if sq:
        results["targets_met"] = {
            "sqlite_ingest_2000_paragraphs_per_s":
                sq["ingest"]["paragraphs_per_s"] >= TARGET_PARAS_PER_S,
            "sqlite_p95_50ms_with_filters":
                sq["search"]["with_filters"]["p95"] <= TARGET_P95_MS,
        }
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    busy = [e[k]["meter"]["others_busy_cpus"] for e in results["engines"].values()
            for k in ("ingest", "search")]
    results["max_others_busy_cpus"] = max(busy, default=0.0)
    if results["max_others_busy_cpus"] > 0.3:
        log(f"WARNING: other processes kept {results['max_others_busy_cpus']:.1f} CPUs busy "
            "during a timed phase; the machine was not quiet, timings may be too slow")
    results["total_wall_s"] = time.perf_counter() - t_start
    write_results(results, out, digest, markdown, log)
    return 0


def markdown(r: dict[str, Any]) -> str:
    c = r["corpus"]
    rows = [f"Corpus: {c['documents']:,} documents, {c['paragraphs']:,} paragraphs "
            f"({c['paragraphs_per_document']:.1f} per document), {c['bytes'] / 1e6:.1f} MB of "
            f"text, generated from {c['templates']} real texts.", "",
            "| measure | engine | result | target | met |", "|---|---|---|---|---|"]
    for name, e in r["engines"].items():
        ing, size, s = e["ingest"], e["size"], e["search"]
        is_sqlite = name == "sqlite"
        rows.append(
            f"| ingest (load+parse+annotate+store+link), paragraphs/s | {name} | "
            f"{ing['paragraphs_per_s']:,.0f}/s ({ing['paragraphs']:,} paragraphs in "
            f"{ing['wall_s']:.1f} s; {ing['paragraphs_per_s_before_link']:,.0f}/s before link) | "
            + (f"≥ {TARGET_PARAS_PER_S:,.0f}/s | "
               f"{ok(ing['paragraphs_per_s'] >= TARGET_PARAS_PER_S)} |" if is_sqlite
               else "(info) | |"))
        pa = r.get("parse_alone")
        if pa and "writer_cpu_s" in ing:
            rows.append(f"| its limits: parsing alone ({pa['workers']} processes) / the writer "
                        f"alone (its own CPU) | {name} | {pa['paragraphs_per_s']:,.0f}/s / "
                        f"{ing['writer_paragraphs_per_cpu_s']:,.0f}/s | (info) | |")
        rows.append(f"| final link step (in ingest; run again alone) | {name} | "
                    f"{ing['link_s']:.2f} s; {ing['relink_s']:.2f} s | (info) | |")
        tables = ", ".join(f"{k} {v / 1e6:.1f}" for k, v in list(size["tables"].items())[:5])
        rows.append(f"| database size | {name} | {size['bytes'] / 1e6:.1f} MB "
                    f"({tables} MB) | (info) | |")
        for label, key in (("without filters", "without_filters"),
                           ("with filters", "with_filters")):
            m = s[key]
            met = (f"≤ {TARGET_P95_MS:.0f} ms p95 | {ok(m['p95'] <= TARGET_P95_MS)} |"
                   if is_sqlite and key == "with_filters" else "(info) | |")
            rows.append(f"| search {label}, p50 / p95 / p99 ({m['n']} runs) | {name} | "
                        f"{m['p50']:.1f} / {m['p95']:.1f} / {m['p99']:.1f} ms "
                        f"(max {m['max']:.0f}) | {met}")
    rows.append("")
    m = r["machine"]
    servers = "; ".join(e["server"].split(" on ")[0] for e in r["engines"].values())
    rows.append(f"Machine: {m['cpu_model'] or m['processor']}, {m['cpu_count']} CPUs, "
                f"{m['implementation']} {m['python']}, {servers}, SQLAlchemy {m['sqlalchemy']}; "
                f"mode {r['mode']}, seed {r['seed']}; mealink {r['mealink_version']} sources "
                f"{r['source_digest']}; run {r['started']}, {r['total_wall_s']:.0f} s; "
                f"load average {m['loadavg_start'][0]:.2f} -> {m['loadavg_end'][0]:.2f}.")
    for name, e in r["engines"].items():
        slow = ", ".join(f"{x['query']} [{x['filters']}] {x['median_ms']:.0f} ms"
                         for x in e["search"]["slowest"][:3])
        rows.append(f"Slowest {name} queries (median): {slow}.")
    for name, e in r["engines"].items():
        mi, ms = e["ingest"]["meter"], e["search"]["meter"]
        rows.append(f"CPU during {name} ingest: this process and its parse workers "
                    f"{mi['own_cpu_s'] / mi['wall_s']:.0%}"
                    f", PostgreSQL server {mi['postgres_cpu_s'] / mi['wall_s']:.0%}, other "
                    f"processes {mi['others_busy_cpus']:.2f} CPUs; during search: "
                    f"{ms['own_cpu_s'] / ms['wall_s']:.0%}, "
                    f"{ms['postgres_cpu_s'] / ms['wall_s']:.0%}, "
                    f"{ms['others_busy_cpus']:.2f} CPUs.")
    if r.get("max_others_busy_cpus", 0.0) > 0.3:
        rows += ["", f"**Warning: other processes kept up to {r['max_others_busy_cpus']:.1f} "
                 "CPUs busy during a timed phase: the machine was not quiet; rerun.**"]
    rows += source_warning(r)
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
