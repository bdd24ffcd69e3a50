"""FTS5 alone beside tantivy alone on the same 100,000 paragraphs and the same 40 queries, in
one run: issue 18's row "keyword query p95 at 100k paragraphs, unfiltered, with facets"
(target <= 10 ms) and its direction "a word index that answers any-word queries without
scanning (a capped OR query, or tantivy, measured side by side with FTS5 in one run)".

Run from the repository root with the project's virtualenv (tantivy is a tool of this
benchmark only, not a dependency of mealink: ``.venv/bin/pip install tantivy==0.27.0``)::

    .venv/bin/python benchmarks/bench_tantivy.py                 # 100,000 paragraphs
    .venv/bin/python benchmarks/bench_tantivy.py --reuse         # the store built before
    .venv/bin/python benchmarks/bench_tantivy.py --quick         # 10,000 paragraphs, smoke test

Why: FTS5 ranks every match of a query before it can give the top 20 (bm25() is computed
for each row, then sorted), so a common phrase ("Conference of the Parties": about 13,000
matches at 100k) costs ~10 ms by itself; tantivy keeps per-block maximum scores and can skip
blocks that cannot enter the top 20 (block-max WAND), and counts from its posting lists.
Nobody had measured it here.

What is measured, all in this one process, pinned to one CPU, with the other processes'
load recorded (and waited out, up to ``--quiet-wait`` seconds):

1. **The store.** The harness's generated corpus (``harness/corpus.py``, seed 20261122)
   stored by mealink's own ``ingest`` into a SQLite file under ``--workdir`` (no sentence
   vectors: keyword search does not use them); ``--reuse`` takes the one built before.
2. **Build.** The tantivy index built from the same texts, read from the store (``pk`` and
   ``text`` of ``paragraphs``: the rowid and the column ``paragraphs_fts`` indexes), with one
   indexing thread; beside it, for a build time that compares, the same texts indexed by
   FTS5 into a scratch contentless table with the store's tokenizer in one transaction. Both
   indexes' sizes on disk, and the size of the store's own ``paragraphs_fts`` (as ingest left
   it: what the timed FTS5 queries read).
3. **Tokenizing.** The store's FTS5 table is ``tokenize='porter unicode61 remove_diacritics
   2'``: split on what is not a letter or digit, lower-cased, accents removed, Porter
   stemmer. The tantivy field uses the closest analyzer it has: the ``simple`` tokenizer
   (split on what is not alphanumeric), lower-case, ASCII folding, English stemmer (which is
   Snowball's "Porter2", not Porter's original: the one difference by design). No stop words
   in either.
4. **Same semantics.** Each query is turned into FTS5's query by mealink's ``fts5_query``
   (every word required, "phrases" as phrases) and that FTS5 expression is translated as
   it stands into tantivy's queries (a quoted term of one token -> a term query, of several
   -> a phrase query; AND / OR / NOT -> a boolean query), its words run through the tantivy
   analyzer. Steps timed for every query, per engine: the top 20 by bm25; counting every
   match; both (FTS5: its two statements; tantivy: one search that also counts); and the
   "any word" form (the query's content words joined by OR, as mealink's relaxed ranking
   makes it, here uncapped for both engines) top 20, with FTS5 beside it on mealink's capped
   any-word form (``data/search.toml``'s budget, the words counted beforehand). FTS5 steps
   are the harness's statements (``harness/queries.py``: ``fts5_alone``, through
   SQLAlchemy as mealink runs them); a tantivy step builds its query from the user's query,
   searches and reads the 20 rowids from a fast field. The searcher is loaded once.
5. **Timing.** One warm-up pass over every step and query (untimed; it also collects the
   answers), then ``--passes`` timed passes; in each pass every query runs every step,
   FTS5 first in even passes and tantivy first in odd ones. Wall and CPU time of every
   call; p50 / p95 / max over all timed calls; per-query medians of the slowest queries.
6. **Agreement.** Per query, in its every-word and its any-word form: the match counts of
   both engines; the overlap of the two top 20s by rowid; and, since the generated corpus
   repeats real paragraphs in many documents (a top 20 is often a few texts, their copies
   tied and taken in rowid order by both engines), the overlap and order of the first 20
   distinct texts of both rankings (every match ranked). Where the counts differ, examples
   of the paragraphs only one engine matched.

Results go to ``benchmarks/results-tantivy.json`` (``results-tantivy-quick.json`` with
``--quick``) and a Markdown table to stdout.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import cli
from harness.corpus import (
    FULL_PARAGRAPHS,
    QUICK_PARAGRAPHS,
    SEED,
    fresh_folder,
    generate_from,
    ingest_measured,
)
from harness.db import read_only, remove_sqlite, reuse_or_build, scalar
from harness.provenance import git, machine, run_header, source_digest, versions
from harness.queries import QUERIES
from harness.tables import source_warning, write_results
from harness.timing import Log, Meter, percentile, pin_one_core, wait_quiet
from tantivy_engines import TANTIVY_BUILD, Engines, any_words, build_tantivy, capped_any_words

from mealink.store import open_store
from mealink.store.search.keyword import fts5_query

DEFAULT_WORKDIR = Path("/work/benchwork")
TARGET_PAGE_P95_MS = 10.0
FTS5_TOKENIZE = "porter unicode61 remove_diacritics 2"
#: (step, engine, what): the timed steps, FTS5 and tantivy side by side
STEPS: tuple[tuple[str, str, str], ...] = (
    ("fts5_top20", "fts5", "every word, top 20 by bm25"),
    ("tantivy_top20", "tantivy", "every word, top 20 by bm25"),
    ("fts5_count", "fts5", "every word, count of all matches"),
    ("tantivy_count", "tantivy", "every word, count of all matches"),
    ("fts5_top20_count", "fts5", "every word, top 20 + count"),
    ("tantivy_top20_count", "tantivy", "every word, top 20 + count"),
    ("fts5_any_top20", "fts5", "any word (uncapped OR), top 20"),
    ("tantivy_any_top20", "tantivy", "any word (uncapped OR), top 20"),
    ("fts5_any_capped_top20", "fts5", "any word, mealink's capped OR, top 20"),
    ("tantivy_query_only", "tantivy", "every word: building the query alone (fts5_query, "
                                      "translating, analyzing; part of each tantivy step)"),
)
ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("every word: top 20 by bm25", "fts5_top20", "tantivy_top20"),
    ("every word: count of all matches", "fts5_count", "tantivy_count"),
    ("every word: top 20 + count (FTS5: two statements; tantivy: one search)",
     "fts5_top20_count", "tantivy_top20_count"),
    ("any word (OR of the content words, uncapped): top 20", "fts5_any_top20",
     "tantivy_any_top20"),
    ("any word, FTS5 on mealink's capped OR (budget of data/search.toml): top 20",
     "fts5_any_capped_top20", None),
)

# --------------------------------------------------------------------------- the store


def db_paths(workdir: Path, target: int) -> tuple[Path, Path]:
    """The store and its build record for a corpus size."""
    return workdir / f"tantivy-{target}.db", workdir / f"tantivy-{target}.json"


def build_store(workdir: Path, target: int, corpus_dir: Path, examples: Path,
                log: Log) -> dict[str, Any]:
    """Generate the corpus and store it with mealink's ``ingest`` in a fresh SQLite file
    (no sentence vectors); its build record."""
    db, meta_path = db_paths(workdir, target)
    remove_sqlite(db)
    meta_path.unlink(missing_ok=True)
    docs = fresh_folder(workdir / f"tantivy-docs-{target}")
    try:
        _, corpus = generate_from(corpus_dir, examples, docs, target, log)
        log(f"{corpus.docs} documents, {corpus.paragraphs:,} paragraphs in "
            f"{corpus.seconds:.0f} s; ingesting into {db} ...")
        summary, meter = ingest_measured(db, docs, log)
    finally:
        shutil.rmtree(docs, ignore_errors=True)
    meta = {"target_paragraphs": target, "seed": SEED, "generated_documents": corpus.docs,
            "generated_paragraphs": corpus.paragraphs, "ingest": meter.as_dict(),
            "outcomes": summary.counts(), "source_digest": source_digest(),
            "commit": git("rev-parse", "HEAD"), "built": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def read_paragraphs(db: Path) -> list[tuple[int, str]]:
    """(rowid, text) of every paragraph: what ``paragraphs_fts`` indexes."""
    with read_only(db) as con:
        return [(int(pk), str(t or "")) for pk, t in
                con.execute("SELECT pk, text FROM paragraphs ORDER BY pk")]


def fts5_sizes(db: Path) -> dict[str, int]:
    """Bytes of the store's FTS5 index (its shadow tables, read with dbstat) and the file."""
    with read_only(db) as con:
        fts = scalar(con, "SELECT coalesce(sum(pgsize), 0) FROM dbstat "
                          "WHERE name LIKE 'paragraphs_fts%'")
        rows = scalar(con, "SELECT count(*) FROM paragraphs_fts_docsize")
    return {"paragraphs_fts_bytes": fts, "paragraphs_fts_rows": rows,
            "file_bytes": db.stat().st_size}


def fts5_scratch_build(paragraphs: Sequence[tuple[int, str]], path: Path) -> dict[str, Any]:
    """The same texts indexed by FTS5 with the store's tokenizer, in a contentless table of
    a scratch file, one transaction: a build time and size beside tantivy's."""
    remove_sqlite(path)
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE VIRTUAL TABLE f USING fts5(text, content='', "
                    f"tokenize='{FTS5_TOKENIZE}')")
        with Meter() as meter, con:
            con.executemany("INSERT INTO f(rowid, text) VALUES (?, ?)", paragraphs)
        size = int(con.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'f%'"
                               ).fetchone()[0])
    finally:
        con.close()
    out = {**meter.as_dict(), "index_bytes": size, "file_bytes": path.stat().st_size}
    remove_sqlite(path)
    return out

# --------------------------------------------------------------------------- agreement


_EXCERPT_WORD = re.compile(r"\w+")


def excerpt(text_: str, q: str, width: int = 70) -> str:
    """``width`` characters either side of the first word of ``text_`` that begins like
    one of the query's words (their first four letters)."""
    heads = {w.lower()[:4] for w in _EXCERPT_WORD.findall(q) if len(w) > 2}
    for m in _EXCERPT_WORD.finditer(text_):
        if m.group(0).lower()[:4] in heads:
            a, b = max(0, m.start() - width), m.end() + width
            return ("..." if a else "") + text_[a:b].replace("\n", " ") + \
                ("..." if b < len(text_) else "")
    return text_[: 2 * width].replace("\n", " ")


def distinct(ranked: Sequence[int], texts: dict[int, str], k: int = 20) -> list[str]:
    """The first ``k`` distinct texts of a ranking."""
    out: dict[str, None] = {}
    for x in ranked:
        out.setdefault(texts.get(x, ""), None)
        if len(out) == k:
            break
    return list(out)


def overlap(f: Sequence[int], t: Sequence[int], texts: dict[int, str]) -> dict[str, Any]:
    """How much two rankings (every match, best first) agree: the top 20 rowids, and the
    first 20 distinct texts (the corpus repeats real paragraphs in many documents, so a
    top 20 is often a few texts, their copies tied and taken in rowid order by both)."""
    df, dt = distinct(f, texts), distinct(t, texts)
    return {"fts5": len(f[:20]), "tantivy": len(t[:20]),
            "shared_rowids": len(set(f[:20]) & set(t[:20])),
            "distinct_texts_in_top20": len({texts.get(x, "") for x in f[:20]}),
            "distinct_fts5": len(df), "distinct_tantivy": len(dt),
            "shared_distinct": len(set(df) & set(dt)), "same_distinct_order": df == dt}


def differences(f: Sequence[int], t: Sequence[int], texts: dict[int, str],
                q: str) -> dict[str, Any]:
    """The paragraphs only one engine matched, with examples."""
    only_f, only_t = sorted(set(f) - set(t)), sorted(set(t) - set(f))
    return {"only_fts5": {"n": len(only_f), "examples": [
                {"rowid": x, "excerpt": excerpt(texts[x], q)} for x in only_f[:4]]},
            "only_tantivy": {"n": len(only_t), "examples": [
                {"rowid": x, "excerpt": excerpt(texts[x], q)} for x in only_t[:4]]}}


def agreement(eng: Engines, queries: Sequence[str], anyq: dict[str, str],
              texts: dict[int, str], log: Log) -> dict[str, Any]:
    """Per query and form (every word, any word): the match counts of both engines, the
    overlap of their rankings, and the paragraphs only one engine matched when the counts
    differ."""
    per: dict[str, Any] = {}
    for q in queries:
        row: dict[str, Any] = {"fts5_query": fts5_query(q), "any_word_query": anyq[q]}
        for form, qq in (("every_word", q), ("any_word", anyq[q])):
            fc, tc = eng.f_count(qq), eng.t_count(qq)
            f, t = eng.f_ranked(qq), eng.t_ranked(qq, tc)
            o = {"fts5_count": fc, "tantivy_count": tc, "count_diff": tc - fc,
                 **overlap(f, t, texts)}
            if fc != tc or len(f) != fc or len(t) != tc:
                o.update(differences(f, t, texts, qq))
                log(f"  {form} {qq}: FTS5 {fc}, tantivy {tc} ({o['only_fts5']['n']} only "
                    f"FTS5, {o['only_tantivy']['n']} only tantivy)")
            row[form] = o
        per[q] = row
    return per

# --------------------------------------------------------------------------- timing


def run_timed(eng: Engines, queries: Sequence[str], anyq: dict[str, str],
              capped: dict[str, str], passes: int, log: Log) -> dict[str, Any]:
    """A warm-up pass, then ``passes`` timed passes over every query and step; wall and CPU
    milliseconds of every call, and how busy the other processes kept the CPUs per pass."""
    steps = {q: eng.timed_steps(q, anyq[q], capped[q]) for q in queries}
    names = [s for s, _, _ in STEPS]
    for q in queries:  # warm-up: code paths, SQLite's page cache, tantivy's mmapped files
        for fn in steps[q].values():
            fn()
    wall: dict[str, dict[str, list[float]]] = {s: {q: [] for q in queries} for s in names}
    cpu: dict[str, dict[str, list[float]]] = {s: {q: [] for q in queries} for s in names}
    meters: list[dict[str, float]] = []
    for p in range(passes):
        gc.collect()
        order = names if p % 2 == 0 else (
            [s for s in names if s.startswith("tantivy")] +
            [s for s in names if s.startswith("fts5")])
        with Meter() as meter:
            for q in queries:
                for s in order:
                    fn = steps[q][s]
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn()
                    wall[s][q].append((time.perf_counter() - t0) * 1000)
                    cpu[s][q].append((time.process_time() - c0) * 1000)
        meters.append({**meter.as_dict(), "loadavg_1min": os.getloadavg()[0]})
        log(f"  pass {p + 1}/{passes}: {meter.wall:.1f} s, other processes "
            f"{meter.others:.2f} CPUs, this one {meter.own / meter.wall:.0%} of its CPU")
    return {"wall_ms": wall, "cpu_ms": cpu, "passes": meters}


def summarize(timed: dict[str, Any], queries: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s, engine, what in STEPS:
        w = [t for q in queries for t in timed["wall_ms"][s][q]]
        c = [t for q in queries for t in timed["cpu_ms"][s][q]]
        med = {q: statistics.median(timed["wall_ms"][s][q]) for q in queries}
        out[s] = {"engine": engine, "what": what, "n": len(w),
                  "p50": percentile(w, 50), "p95": percentile(w, 95), "max": max(w),
                  "mean": statistics.fmean(w),
                  "cpu_p50": percentile(c, 50), "cpu_p95": percentile(c, 95),
                  "cpu_share": sum(c) / sum(w) if sum(w) else float("nan"),
                  "median_by_query": med,
                  "slowest": sorted(med.items(), key=lambda kv: -kv[1])[:6]}
    return out

# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    cli.add_paragraphs(ap, FULL_PARAGRAPHS, QUICK_PARAGRAPHS, "paragraphs to store")
    ap.add_argument("--quick", action="store_true", help="small smoke-test run")
    cli.add_real_texts(ap)
    cli.add_out(ap, "results-tantivy.json", "results-tantivy-quick.json")
    cli.add_quiet_wait(ap, 180.0, "the tantivy build and the timed passes")
    ap.add_argument("--passes", type=int, default=None,
                    help="timed passes over the queries (default 5; 2 with --quick)")
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                    help=f"where the store and the tantivy index go (default {DEFAULT_WORKDIR})")
    ap.add_argument("--reuse", action="store_true",
                    help="use the store built before in --workdir (the tantivy index is "
                         "always built again: its build is measured)")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    args = ap.parse_args(argv)
    target = cli.paragraphs(args, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    passes = args.passes or (2 if args.quick else 5)
    out = cli.out_path(args, "results-tantivy.json", "results-tantivy-quick.json")

    t_start = time.perf_counter()
    log = cli.progress_log()
    digest = source_digest()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, meta_path = db_paths(args.workdir, target)
    results: dict[str, Any] = {
        "what": "FTS5 alone vs tantivy alone, same corpus, same 40 queries, one process",
        "mode": "quick" if args.quick else "full", "seed": SEED, "machine": machine(),
        **run_header(digest), "commit": git("rev-parse", "HEAD"),
        "versions": versions(["tantivy", "SQLAlchemy"]),
        "tantivy_build": TANTIVY_BUILD,
        "target_page_p95_ms": TARGET_PAGE_P95_MS, "store": str(db), "passes": passes,
        "queries": list(QUERIES),
        "tokenizers": {"fts5": FTS5_TOKENIZE,
                       "tantivy": "simple tokenizer + lowercase + ascii_fold + "
                                  "stemmer('english') (Snowball Porter2)"}}
    results["build"] = meta = reuse_or_build(db, meta_path, args.reuse, lambda: build_store(
        args.workdir, target, args.corpus, args.examples, log), log)
    if meta.get("source_digest") != digest:
        log("note: the store was built by other mealink sources than this run's")
    results["pinned"] = pin_one_core(args.cpu)
    log(results["pinned"])

    paragraphs = read_paragraphs(db)
    texts = dict(paragraphs)
    results["fts5_index"] = fts5_sizes(db)
    results["paragraphs"] = len(paragraphs)
    results["distinct_texts"] = len(set(texts.values()))
    log(f"{len(paragraphs):,} paragraphs in the store; FTS5 index "
        f"{results['fts5_index']['paragraphs_fts_bytes'] / 1e6:.1f} MB")

    results["quiet_before_build"] = vars(wait_quiet(args.quiet_wait, log))
    log("building the tantivy index (one thread) ...")
    index, results["tantivy_index"] = build_tantivy(paragraphs,
                                                    args.workdir / f"tantivy-index-{target}")
    ti = results["tantivy_index"]
    log(f"tantivy: {ti['docs']:,} documents in {ti['wall_s']:.1f} s, {ti['segments']} "
        f"segment(s), {ti['index_bytes'] / 1e6:.1f} MB")
    log("FTS5: the same texts into a scratch contentless table ...")
    results["fts5_scratch_build"] = fb = fts5_scratch_build(
        paragraphs, args.workdir / f"tantivy-fts5-scratch-{target}.db")
    log(f"FTS5 scratch: {fb['wall_s']:.1f} s, {fb['index_bytes'] / 1e6:.1f} MB")
    del paragraphs

    store = open_store(str(db), create=False)
    try:
        eng = Engines(store, index)
        anyq = {q: any_words(q) for q in QUERIES}
        capped = {q: capped_any_words(store, q) for q in QUERIES}
        results["any_word_queries"] = {q: {"uncapped": anyq[q], "capped": capped[q]}
                                       for q in QUERIES}
        log("agreement: counts and top-20 overlaps ...")
        results["agreement"] = agreement(eng, QUERIES, anyq, texts, log)
        results["quiet_before_timing"] = vars(wait_quiet(args.quiet_wait, log))
        log(f"timing: {len(QUERIES)} queries x {len(STEPS)} steps, warm-up + {passes} "
            "passes ...")
        with Meter() as meter:
            timed = run_timed(eng, QUERIES, anyq, capped, passes, log)
        results["timing_meter"] = meter.as_dict()
        results["timing_passes"] = timed["passes"]
        results["steps"] = summarize(timed, QUERIES)
        results["raw_wall_ms"] = timed["wall_ms"]
    finally:
        store.dispose()
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    results["max_others_busy_cpus"] = max(p["others_busy_cpus"] for p in timed["passes"])
    results["total_wall_s"] = time.perf_counter() - t_start
    write_results(results, out, digest, markdown, log)
    return 0


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def markdown(r: dict[str, Any]) -> str:
    st, ag, m = r["steps"], r["agreement"], r["machine"]
    ti, fb, fi = r["tantivy_index"], r["fts5_scratch_build"], r["fts5_index"]
    b = r["build"]
    rows = [f"FTS5 alone vs tantivy {r['versions']['tantivy']} alone, {r['paragraphs']:,} "
            f"paragraphs ({r['distinct_texts']:,} distinct texts; store {r['store']}, built "
            f"{b.get('built')}), {len(r['queries'])} "
            f"queries, warm-up + {r['passes']} passes, one process {r['pinned']}.", "",
            "| measure | FTS5 alone | tantivy alone |", "|---|---|---|",
            f"| index build from the same texts, wall (own CPU) | {fb['wall_s']:.1f} s "
            f"({fb['own_cpu_s']:.1f} s; scratch contentless table, one transaction) | "
            f"{ti['wall_s']:.1f} s ({ti['own_cpu_s']:.1f} s; 1 indexing thread, "
            f"{ti['segments']} segment) |",
            f"| index size on disk | {_mb(fi['paragraphs_fts_bytes'])} (store's paragraphs_fts "
            f"as ingest left it; scratch build {_mb(fb['index_bytes'])}) | "
            f"{_mb(ti['index_bytes'])} ({ti['files']} files) |"]
    for label, f, t in ROWS:
        cell = []
        for k in (f, t):
            if k is None:
                cell.append("-")
                continue
            s = st[k]
            cell.append(f"p50 {s['p50']:.2f} / p95 **{s['p95']:.2f}** / max {s['max']:.1f} ms "
                        f"(CPU p95 {s['cpu_p95']:.2f})")
        rows.append(f"| {label} | {cell[0]} | {cell[1]} |")
    qo = st["tantivy_query_only"]
    rows.append(f"| of which building tantivy's query (fts5_query + translating + analyzing) "
                f"| - | p50 {qo['p50']:.3f} / p95 {qo['p95']:.3f} ms |")
    for key, label in (("every_word", "every word"), ("any_word", "any word")):
        forms = [a[key] for a in ag.values()]
        equal = sum(1 for o in forms if o["count_diff"] == 0)
        diffs = [(a[f"{'fts5_query' if key == 'every_word' else 'any_word_query'}"], a[key])
                 for a in ag.values() if a[key]["count_diff"] != 0]
        diff_txt = "; ".join(f"{q} {o['fts5_count']:,} vs {o['tantivy_count']:,}"
                             for q, o in diffs[:4]) or "none"
        rows.append(f"| {label}: match counts equal | {equal} of {len(forms)} queries "
                    f"(matches summed: {sum(o['fts5_count'] for o in forms):,}) | "
                    f"{sum(o['tantivy_count'] for o in forms):,}; differing: {diff_txt} |")
        full = [o for o in forms if min(o["fts5"], o["tantivy"]) > 0]
        if not full:
            continue
        shared = [o["shared_rowids"] / min(o["fts5"], o["tantivy"]) for o in full]
        dist = [o["shared_distinct"] / min(o["distinct_fts5"], o["distinct_tantivy"])
                for o in full]
        in20 = statistics.median(o["distinct_texts_in_top20"] for o in full)
        same = sum(1 for o in full if o["same_distinct_order"])
        rows.append(f"| {label}: top-20 agreement ({len(full)} queries with hits) | "
                    f"top 20 rowids shared: mean {statistics.fmean(shared):.0%}, min "
                    f"{min(shared):.0%} (a top 20 holds a median {in20:g} distinct texts) | "
                    f"first 20 distinct texts shared: mean {statistics.fmean(dist):.0%}, min "
                    f"{min(dist):.0%}; same order in {same} of {len(full)} |")
    for k_f, k_t in (("fts5_top20", "tantivy_top20"), ("fts5_any_top20", "tantivy_any_top20")):
        slow = st[k_f]["slowest"][:4]
        rows.append(f"| slowest {k_f.replace('fts5_', '')} queries, median ms (FTS5 / "
                    "tantivy) | " + "; ".join(
                        f"{q} {v:.1f} / {st[k_t]['median_by_query'][q]:.2f}" for q, v in slow)
                    + " | " + "; ".join(f"{q} {v:.2f}" for q, v in st[k_t]['slowest'][:3])
                    + " |")
    tm = r["timing_meter"]
    busy = [p["others_busy_cpus"] for p in r["timing_passes"]]
    rows += ["", f"Run {r['started']}; machine: {m['cpu_model'] or m['processor']}, "
             f"{m['cpu_count']} CPUs, {m['implementation']} {m['python']}, SQLite {m['sqlite']}, "
             f"tantivy {r['versions']['tantivy']}; commit {r['commit'][:8]}, mealink sources "
             f"{r['source_digest']}. Timed passes: {tm['wall_s']:.0f} s, this process "
             f"{tm['own_cpu_s'] / tm['wall_s']:.0%} of its CPU, other processes "
             f"{', '.join(f'{b:.2f}' for b in busy)} CPUs per pass; load average "
             f"{m['loadavg_start'][0]:.2f} -> {m['loadavg_end'][0]:.2f}; waited "
             f"{r['quiet_before_timing']['waited']:.0f} s for quiet before timing. "
             f"Total {r['total_wall_s']:.0f} s."]
    if r.get("max_others_busy_cpus", 0.0) > 0.3:
        rows += ["", f"**Warning: other processes kept up to {r['max_others_busy_cpus']:.2f} "
                 "CPUs busy during a timed pass: the machine was not quiet.**"]
    rows += source_warning(r)
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
