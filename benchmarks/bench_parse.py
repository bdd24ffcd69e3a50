"""Benchmark mealink's parse + annotate: throughput, documents per second and memory.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_parse.py           # full run (several minutes)
    .venv/bin/python benchmarks/bench_parse.py --quick   # smoke test (< 20 s)

Inputs are built deterministically (``random.Random(20261121)``) from the real corpus
texts: "typical resolutions" of 15-40 KB (one real text's header, the chapeau "The
Conference of the Parties," and numbered operative paragraphs drawn from the real corpus)
and one ~5 MB text made of such resolutions run together. See benchmarks/README.md for
what each number means. Results are printed as a Markdown table and written as JSON to
``benchmarks/results.json`` (``results-quick.json`` with ``--quick``).

The project's targets (issue: performance) are checked, never adjusted here:

1. parse + annotate >= 2 MB of text per second on one core;
2. >= 100 typical resolutions (15-40 KB) per second;
3. memory proportional to one document, not to the batch.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from argparse import SUPPRESS
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import DEFAULT_CORPUS, REPO, cli
from harness.memory import peak_rss_kb, reset_peak_rss, status_kb
from harness.provenance import cpu_machine, run_header, source_digest
from harness.resolutions import (  # the README's profiling recipe imports them from here
    SEED,
    big_text,
    build_pools,
    iter_typical,
    make_resolution,
    nbytes,
)
from harness.tables import ok, source_warning, write_results
from harness.timing import TimedRuns, pin_one_core

from mealink.annotate import annotate
from mealink.load import load
from mealink.load.clean import clean_text
from mealink.parse import parse

__all__ = ["DEFAULT_CORPUS", "build_pools", "iter_typical", "parse_annotate"]

TARGET_MBPS = 2.0
TARGET_DOCS_PER_S = 100.0
MB = 1_000_000  # MB here means 10**6 bytes of UTF-8 text

# --------------------------------------------------------------------------- measuring

def parse_annotate(text: str, name: str = "<bench>") -> int:
    """Parse and annotate one text; keep only its paragraph count."""
    return len(annotate(parse(text, name)).paragraphs)


def _time_cli(command: list[str], cpus: int | None) -> dict[str, Any]:
    """Wall and CPU time of one run of ``command`` (its output thrown away): on the CPU this
    process is pinned to (``cpus`` None), or on the first ``cpus`` CPUs, where ``mealink
    parse`` starts a worker process a CPU."""
    def unpin() -> None:
        if cpus is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, range(cpus))

    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, preexec_fn=unpin)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return {"wall_s": wall, "cpu_s": cpu, "cpu_share": cpu / wall, "cpus": cpus or 1,
            "returncode": proc.returncode, "stderr_lines": len(errors),
            "stderr_head": errors[:3]}


def parse_annotate_stats(text: str, tally: list[int]) -> None:
    """Parse and annotate; add [paragraphs, chars in paragraphs, chars left as annex] to tally."""
    doc = annotate(parse(text, "<bench>"))
    tally[0] += len(doc.paragraphs)
    tally[1] += sum(p.span.end - p.span.start for p in doc.paragraphs)
    tally[2] += sum(s.end - s.start for s in doc.annexes)


def mem_child(corpus: Path, n: int) -> dict[str, Any]:
    """In a fresh process: peak RSS growth while parsing ``n`` documents keeping only counts."""
    pools = build_pools(corpus)
    docs = iter_typical(pools, n)
    # warm up on one small real text (imports, regexes, vocabulary) so that the baseline
    # holds the interpreter and mealink but no typical-size document
    smallest = min(corpus.glob("*.txt"), key=lambda p: p.stat().st_size)
    parse_annotate(load(smallest).text)
    gc.collect()
    was_reset = reset_peak_rss()
    base, method = peak_rss_kb()
    current = status_kb("VmRSS")
    if was_reset and current is not None:
        base = current
    count = paragraphs = size = 0
    for text in docs:  # streaming, like `mealink parse`: one document alive at a time
        paragraphs += parse_annotate(text)
        count += 1
        size += nbytes(text)
    peak, _ = peak_rss_kb()
    return {"n": count, "bytes": size, "paragraphs": paragraphs, "rss_base_kb": base,
            "rss_peak_kb": peak, "rss_growth_kb": peak - base,
            "method": method + (" after clear_refs reset" if was_reset else "")}


def run_mem_child(corpus: Path, n: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--corpus", str(corpus), "--_mem-child", str(n)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def traced_peak(text: str) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        parse_annotate(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def mealink_command() -> list[str]:
    exe = Path(sys.executable).parent / "mealink"
    if exe.exists():
        return [str(exe)]
    venv = REPO / ".venv" / "bin" / "mealink"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("mealink")
    return [found] if found else [sys.executable, "-m", "mealink.cli"]


# --------------------------------------------------------------------------- main

@dataclass
class Config:
    n_typical: int
    big_bytes: int
    repeats: int
    mem_ns: Sequence[int]
    traced_sizes: tuple[int, int]
    n_cli: int
    big_budget: float


FULL = Config(300, 5 * MB, 5, (50, 200, 800), (40_000, 400_000), 200, 240.0)
QUICK = Config(12, 150_000, 1, (3, 6, 12), (20_000, 80_000), 10, 10.0)


def fmt_kb(kb: float) -> str:
    return f"{kb / 1024:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--quick", action="store_true", help="small smoke-test run (< 20 s)")
    cli.add_real_texts(ap, examples=False)
    cli.add_out(ap, "results.json", "results-quick.json")
    ap.add_argument("--no-cli", action="store_true", help="skip the `mealink parse` timing")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    ap.add_argument("--_mem-child", type=int, default=None, help=SUPPRESS)
    args = ap.parse_args(argv)
    corpus = args.corpus.resolve()

    if args._mem_child is not None:
        print(json.dumps(mem_child(corpus, args._mem_child)))
        return 0

    cfg = QUICK if args.quick else FULL
    out = cli.out_path(args, "results.json", "results-quick.json")
    pinning = pin_one_core(args.cpu)  # inherited by the memory and CLI subprocesses
    t_start = time.perf_counter()
    log = cli.progress_log()
    timer = TimedRuns()
    log(f"mode={'quick' if args.quick else 'full'}; {pinning}; corpus={corpus}")

    # inputs
    pools = build_pools(corpus)
    corpus_texts = [(p.name, load(p).text) for p in sorted(corpus.glob("*.txt"))]
    typical = list(iter_typical(pools, cfg.n_typical))
    typ_bytes = sum(nbytes(t) for t in typical)
    big = big_text(pools, cfg.big_bytes)
    big_bytes = nbytes(big)
    corpus_bytes = sum(nbytes(t) for _, t in corpus_texts)
    sizes = sorted(nbytes(t) for t in typical)
    log(f"pools: {len(pools.headers)} headers, {len(pools.preamble)} preamble and "
        f"{len(pools.operative)} operative paragraphs; typical set: {len(typical)} docs, "
        f"{typ_bytes / MB:.2f} MB ({sizes[0]}-{sizes[-1]} bytes); big text {big_bytes / MB:.2f} MB")

    # warm-up (imports, compiled regexes, vocabulary cache)
    for name, text in corpus_texts:
        parse_annotate(text, name)
    for text in typical[:3]:
        parse_annotate(text)

    digest = source_digest()
    results: dict[str, Any] = {"mode": "quick" if args.quick else "full", "seed": SEED,
                               "pinning": pinning, "machine": cpu_machine(),
                               "corpus": str(corpus), **run_header(digest)}

    # 1. typical set
    typ_tally = [0, 0, 0]

    def run_typical() -> None:
        typ_tally[:] = [0, 0, 0]
        for text in typical:
            parse_annotate_stats(text, typ_tally)
    log(f"timing parse+annotate on {len(typical)} typical docs x{cfg.repeats} ...")
    t = timer.run(run_typical, cfg.repeats)
    med, best = statistics.median(t), min(t)
    results["typical"] = {"docs": len(typical), "bytes": typ_bytes, "min_bytes": sizes[0],
                          "max_bytes": sizes[-1], "times_s": t, "median_s": med, "best_s": best,
                          "docs_per_s": len(typical) / best, "mb_per_s": typ_bytes / MB / best,
                          "median_docs_per_s": len(typical) / med,
                          "median_mb_per_s": typ_bytes / MB / med,
                          "paragraphs": typ_tally[0],
                          "paragraph_char_share": typ_tally[1] / sum(len(x) for x in typical),
                          "annex_char_share": typ_tally[2] / sum(len(x) for x in typical)}
    log(f"  best {len(typical) / best:.1f} docs/s, {typ_bytes / MB / best:.3f} MB/s; "
        f"median {len(typical) / med:.1f} docs/s")

    # clean_text alone on the same texts (not part of the parse + annotate figure)
    t = timer.run(lambda: [clean_text(x) for x in typical], cfg.repeats)
    results["clean_text"] = {"median_s": statistics.median(t),
                             "mb_per_s": typ_bytes / MB / statistics.median(t)}

    # 2. the 35 real corpus texts
    def run_corpus() -> None:
        for name, text in corpus_texts:
            parse_annotate(text, name)
    reps = max(cfg.repeats, 3)
    t = timer.run(run_corpus, reps)
    med, best = statistics.median(t), min(t)
    results["corpus"] = {"docs": len(corpus_texts), "bytes": corpus_bytes, "times_s": t,
                         "median_s": med, "best_s": best, "docs_per_s": len(corpus_texts) / best,
                         "mb_per_s": corpus_bytes / MB / best}
    log(f"corpus: {len(corpus_texts)} texts, {corpus_bytes / MB / best:.3f} MB/s")

    # 3. one big document
    log(f"timing parse+annotate on one {big_bytes / MB:.2f} MB text ...")
    big_tally = [0, 0, 0]

    def run_big() -> None:
        big_tally[:] = [0, 0, 0]
        parse_annotate_stats(big, big_tally)
    t = timer.run(run_big, cfg.repeats, budget=cfg.big_budget)
    med, best = statistics.median(t), min(t)
    results["big"] = {"bytes": big_bytes, "times_s": t, "median_s": med, "best_s": best,
                      "mb_per_s": big_bytes / MB / best, "median_mb_per_s": big_bytes / MB / med,
                      "repeats_done": len(t),
                      "paragraphs": big_tally[0],
                      "paragraph_char_share": big_tally[1] / len(big),
                      "annex_char_share": big_tally[2] / len(big)}
    log(f"  best {big_bytes / MB / best:.3f} MB/s ({len(t)} run(s))")

    # 4. memory: streaming N documents in a fresh process each
    mem_rows = []
    for n in cfg.mem_ns:
        log(f"memory: streaming {n} docs in a subprocess ...")
        mem_rows.append(run_mem_child(corpus, n))
        log(f"  peak RSS growth {fmt_kb(mem_rows[-1]['rss_growth_kb'])}")
    growths = [r["rss_growth_kb"] for r in mem_rows]
    # flat: the largest batch needs no more than the smallest one plus a small allowance
    flat = growths[-1] <= growths[0] + max(8 * 1024, 0.25 * max(growths[0], 1))
    results["memory_batch"] = {"rows": mem_rows, "flat": flat}

    small_t = make_resolution(random.Random(SEED + 2), pools, cfg.traced_sizes[0])
    large_t = make_resolution(random.Random(SEED + 3), pools, cfg.traced_sizes[1])
    small_t, large_t = clean_text(small_t), clean_text(large_t)
    log("memory: tracemalloc peak for one small and one large document ...")
    p_small, p_large = traced_peak(small_t), traced_peak(large_t)
    size_ratio = nbytes(large_t) / nbytes(small_t)
    peak_ratio = p_large / p_small
    results["memory_doc"] = {
        "small_bytes": nbytes(small_t), "small_peak": p_small,
        "large_bytes": nbytes(large_t), "large_peak": p_large,
        "size_ratio": size_ratio, "peak_ratio": peak_ratio,
        "small_peak_per_byte": p_small / nbytes(small_t),
        "large_peak_per_byte": p_large / nbytes(large_t),
        # Bounded by the document: the peak grows no faster than the size (a fixed overhead
        # makes small documents cost more per byte, which is fine; superlinear growth is not).
        "proportional": peak_ratio <= size_ratio * 1.25,
    }

    # 5. the CLI on a folder of typical documents (includes process start-up)
    if not args.no_cli:
        cmd = mealink_command()
        with tempfile.TemporaryDirectory(prefix="mealink-bench-") as tmp:
            cli_docs = list(iter_typical(pools, cfg.n_cli, seed=SEED + 4))
            cli_bytes = 0
            for i, text in enumerate(cli_docs):
                (Path(tmp) / f"res_{i:04d}.txt").write_text(text, encoding="utf-8")
                cli_bytes += nbytes(text)
            t0 = time.perf_counter()
            startup = subprocess.run([*cmd, "--help"], capture_output=True)
            t_help = time.perf_counter() - t0
            log(f"CLI: {' '.join(cmd)} parse {tmp} --json > /dev/null ({cfg.n_cli} docs) ...")
            one = _time_cli([*cmd, "parse", tmp, "--json"], None)
            log(f"  one CPU: {one['wall_s']:.2f} s, {cfg.n_cli / one['wall_s']:.1f} docs/s, "
                f"rc={one['returncode']}")
            every = _time_cli([*cmd, "parse", tmp, "--json"], os.cpu_count() or 1)
            log(f"  every CPU: {every['wall_s']:.2f} s, {cfg.n_cli / every['wall_s']:.1f} "
                f"docs/s, rc={every['returncode']}")
        for key, run in (("cli", one), ("cli_every_cpu", every)):
            results[key] = {"command": [*cmd, "parse", "DIR", "--json"], "docs": cfg.n_cli,
                            "bytes": cli_bytes, "docs_per_s": cfg.n_cli / run["wall_s"],
                            "mb_per_s": cli_bytes / MB / run["wall_s"], **run,
                            "help_wall_s": t_help, "help_returncode": startup.returncode}

    typ, big_r = results["typical"], results["big"]
    results["targets"] = {
        "throughput_2mb_s_typical": typ["mb_per_s"] >= TARGET_MBPS,
        "throughput_2mb_s_big": big_r["mb_per_s"] >= TARGET_MBPS,
        "docs_100_per_s": typ["docs_per_s"] >= TARGET_DOCS_PER_S,
        "memory_flat_in_batch": flat,
        "memory_proportional_to_doc": results["memory_doc"]["proportional"],
    }
    results["total_wall_s"] = time.perf_counter() - t_start
    results["min_cpu_share"] = min(timer.cpu_shares)
    results["cpu_shares"] = timer.cpu_shares
    results["others_busy_cpus"] = timer.others_busy
    results["max_others_busy_cpus"] = max(timer.others_busy, default=0.0)
    if results["max_others_busy_cpus"] > 0.3:
        log(f"WARNING: other processes kept {results['max_others_busy_cpus']:.1f} CPUs busy "
            "during a timed run; the machine was not quiet, timings may be too slow")
    if min(timer.cpu_shares) < 0.9:
        log(f"WARNING: a timed run got only {min(timer.cpu_shares):.0%} of the CPU: another "
            "process shared the core; rerun on a quiet machine (or another --cpu)")
    write_results(results, out, digest, markdown, log)
    return 0


def markdown(r: dict[str, Any]) -> str:
    typ, cor, big, tg = r["typical"], r["corpus"], r["big"], r["targets"]
    mb, md = r["memory_batch"], r["memory_doc"]
    m = r["machine"]
    rows = [
        "| measure | result | target | met |",
        "|---|---|---|---|",
        f"| parse+annotate, {typ['docs']} typical docs ({typ['min_bytes'] / 1e3:.0f}-"
        f"{typ['max_bytes'] / 1e3:.0f} KB, {typ['bytes'] / MB:.1f} MB), best of "
        f"{len(typ['times_s'])} runs | "
        f"{typ['mb_per_s']:.3f} MB/s (median {typ['median_mb_per_s']:.3f}; "
        f"{typ['paragraphs']} paragraphs, "
        f"{typ['paragraph_char_share']:.0%} of text in paragraphs) | ≥ {TARGET_MBPS} MB/s | "
        f"{ok(tg['throughput_2mb_s_typical'])} |",
        f"| same, documents per second | {typ['docs_per_s']:.1f} docs/s (median "
        f"{typ['median_docs_per_s']:.1f}) | "
        f"≥ {TARGET_DOCS_PER_S:.0f} docs/s | {ok(tg['docs_100_per_s'])} |",
        f"| parse+annotate, one {big['bytes'] / MB:.1f} MB document (worst case, "
        f"{big['repeats_done']} run(s)) | {big['mb_per_s']:.3f} MB/s "
        f"({big['best_s']:.1f} s; {big['paragraphs']} paragraphs, "
        f"{big['paragraph_char_share']:.0%} of text in paragraphs) | ≥ {TARGET_MBPS} MB/s | "
        f"{ok(tg['throughput_2mb_s_big'])} |",
        f"| parse+annotate, {cor['docs']} real corpus texts ({cor['bytes'] / 1e3:.0f} KB) | "
        f"{cor['mb_per_s']:.3f} MB/s, {cor['docs_per_s']:.0f} docs/s | (info) | |",
        f"| clean_text alone, typical set | {r['clean_text']['mb_per_s']:.2f} MB/s | (info) | |",
    ]
    peaks = ", ".join(f"N={x['n']}: +{fmt_kb(x['rss_growth_kb'])} (peak "
                      f"{fmt_kb(x['rss_peak_kb'])})" for x in mb["rows"])
    peaks += f" [{mb['rows'][0]['method']}]"
    rows.append(f"| peak RSS growth over baseline, streaming N typical docs, fresh process "
                f"each | {peaks} | "
                f"flat in N | {ok(tg['memory_flat_in_batch'])} |")
    rows.append(
        f"| tracemalloc peak, one doc: {md['small_bytes'] / 1e3:.0f} KB vs "
        f"{md['large_bytes'] / 1e3:.0f} KB | {md['small_peak'] / MB:.2f} MB vs "
        f"{md['large_peak'] / MB:.2f} MB (x{md['peak_ratio']:.1f} for x{md['size_ratio']:.1f} "
        f"size; {md['small_peak_per_byte']:.0f} / {md['large_peak_per_byte']:.0f} B per byte) | "
        f"∝ document size | {ok(tg['memory_proportional_to_doc'])} |")
    for key, where in (("cli", "one CPU"), ("cli_every_cpu", "every CPU")):
        if key not in r:
            continue
        c = r[key]
        rows.append(
            f"| `mealink parse DIR --json`, {c['docs']} typical docs, {where} ({c['cpus']}; "
            f"wall, incl. start-up; `--help` alone {c['help_wall_s']:.2f} s) | "
            f"{c['wall_s']:.2f} s, {c['docs_per_s']:.1f} docs/s, {c['mb_per_s']:.3f} MB/s "
            f"(exit {c['returncode']}, CPU {c['cpu_s']:.2f} s) | (info) | |")
    rows.append("")
    rows.append(f"Machine: {m['cpu_model'] or m['processor']} ({m['processor']}), "
                f"{m['cpu_count']} CPUs, {m['implementation']} {m['python']}, {m['platform']}; "
                f"{r['pinning']}; mode {r['mode']}, seed {r['seed']}; MB = 10^6 bytes of UTF-8; "
                f"mealink {r['mealink_version']} sources {r['source_digest']}, run {r['started']}.")
    rows[-1] += (f" Lowest CPU share of a timed run: {r['min_cpu_share']:.0%}; other processes "
                 f"busy up to {r.get('max_others_busy_cpus', 0.0):.1f} CPUs.")
    if r.get("max_others_busy_cpus", 0.0) > 0.3:
        rows.append("")
        rows.append(f"**Warning: other processes kept up to {r['max_others_busy_cpus']:.1f} CPUs "
                    "busy during the timed runs: the machine was not quiet; rerun.**")
    if r["min_cpu_share"] < 0.9:
        rows.append("")
        rows.append(f"**Warning: a timed run got only {r['min_cpu_share']:.0%} of its CPU (another "
                    "process shared the core): the speeds above are too low; rerun.**")
    rows += source_warning(r)
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
