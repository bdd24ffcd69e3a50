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

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SEED = 20261121

try:
    import mealink
except ImportError:  # running with a Python where mealink is not installed: use src/
    sys.path.insert(0, str(REPO / "src"))
    import mealink

from mealink.annotate import annotate  # noqa: E402
from mealink.load import load  # noqa: E402
from mealink.load.clean import clean_text  # noqa: E402
from mealink.parse import parse  # noqa: E402

TARGET_MBPS = 2.0
TARGET_DOCS_PER_S = 100.0
MB = 1_000_000  # MB here means 10**6 bytes of UTF-8 text

# --------------------------------------------------------------------------- inputs

# Real texts are cut into chunks at blank lines and before lines that start with a number.
_CHUNK_SPLIT = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:\d{1,3}|[IVX]{1,4})[ \t]*\.)")
_LEADING_NUMBER = re.compile(r"^[ \t]*(?:\d{1,3}|[IVX]{1,4})[ \t]*\.[ \t]*\n?[ \t]*")
_SUB_ITEM = re.compile(r"^[ \t]*(?:\(?(?:[a-z]{1,2}|[ivx]{1,5})\)|[a-z]\.[ \t]|[-–•][ \t])")
_FIRST_WORDS = re.compile(r"^([A-Za-z]+)(?:[ \t]+([A-Za-z]+))?")
_CHAPEAU = re.compile(
    r"^[ \t]*(?:[IVX]{1,4}[ \t]*[.\-–][ \t]*)?(?:The|THE)[ \t]+(?:Conference|Meeting|CONFERENCE|"
    r"MEETING|Assembly|ASSEMBLY)\b.*$|^.*\brecommends\b[^\n]*$",
    re.MULTILINE,
)
# run-in texts ("...; 2. Urges ...") would put several numbered paragraphs in one: skip them
_RUN_IN = re.compile(r"[;:.,]\s+(?:\d{1,3}\.)+\s*[A-Z]")
_PREAMBLE_ADJ = {"aware", "mindful", "concerned", "conscious", "convinced", "deeply", "alarmed",
                 "cognizant", "desiring", "determined"}
_OPERATIVE_VERBS = {
    "requests", "invites", "urges", "decides", "welcomes", "notes", "adopts", "encourages",
    "calls", "takes", "recommends", "establishes", "instructs", "agrees", "approves",
    "reaffirms", "expresses", "emphasizes", "emphasises", "stresses", "recognizes",
    "recognises", "acknowledges", "endorses", "appeals", "confirms", "authorizes", "authorises",
    "directs", "requires", "recalls", "affirms", "underlines", "supports",
    "appreciates", "thanks", "commends", "entrusts", "extends", "reiterates", "highlights",
}
_ADVERBS = {"further", "also", "again", "strongly", "once", "hereby", "respectfully"}
MAX_PARA_BYTES = 2000
MIN_PARA_BYTES = 40
MAX_HEADER_BYTES = 3000
CHAPEAU_LINE = "The Conference of the Parties,"


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _classify(chunk: str) -> str | None:
    """'operative', 'preamble' or None from the first word(s) of a chunk (number removed)."""
    m = _FIRST_WORDS.match(chunk)
    if not m or not chunk[0].isupper():
        return None
    w1 = m.group(1).lower()
    w = (m.group(2) or "").lower() if w1 in _ADVERBS else w1
    if w.endswith("ing") or w in _PREAMBLE_ADJ:
        return "preamble"
    if w in _OPERATIVE_VERBS:
        return "operative"
    return None


@dataclass
class Pools:
    headers: list[str]     # the header (title, symbol, meeting ...) of each real text
    preamble: list[str]    # real preamble paragraphs, number removed
    operative: list[str]   # real operative paragraphs (with their sub-items), number removed
    corpus_names: list[str]


def build_pools(corpus: Path) -> Pools:
    """Cut the real corpus texts into headers and preamble / operative paragraphs."""
    paths = sorted(corpus.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no *.txt files in {corpus}")
    headers: list[str] = []
    preamble: list[str] = []
    operative: list[str] = []
    for path in paths:
        raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        chunks = [c.strip("\n") for c in _CHUNK_SPLIT.split(raw)]
        header: list[str] = []
        in_header = True
        last: list[str] | None = None  # the pool the previous kept chunk went to
        for chunk in chunks:
            if not chunk.strip():
                continue
            numbered = bool(_LEADING_NUMBER.match(chunk))
            body = _LEADING_NUMBER.sub("", chunk, count=1).strip()
            kind = _classify(body)
            if in_header:
                chap = _CHAPEAU.search(chunk)
                if kind is None and not numbered and not chap:
                    header.append(chunk)
                    continue
                if chap and kind is None:
                    before = chunk[:chap.start()].strip()
                    if before:
                        header.append(before)
                in_header = False
            if _SUB_ITEM.match(chunk) and last is not None and last:
                if nbytes(last[-1]) + nbytes(chunk) <= MAX_PARA_BYTES:
                    last[-1] = last[-1] + "\n" + chunk.strip()
                continue
            size_ok = MIN_PARA_BYTES <= nbytes(body) <= MAX_PARA_BYTES
            if kind is None or _RUN_IN.search(body) or not size_ok:
                last = None
                continue
            last = operative if kind == "operative" else preamble
            last.append(body)
        head = ""
        for piece in header:
            if nbytes(head) + nbytes(piece) > MAX_HEADER_BYTES:
                break
            head = f"{head}\n\n{piece}" if head else piece
        headers.append(head)
    if not operative:
        raise SystemExit(f"no operative paragraphs found in {corpus}")
    # Everything after an annex heading is kept by the parser as annex text, not parsed: a
    # piece that starts an annex (e.g. a whole French decision taken as "header") would let
    # the parser skip the rest of a long text and inflate the figures. Leave such pieces out.
    headers = [h for h in headers if not h or not _starts_annex(h + "\n\n")]
    preamble = [x for x in preamble if not _starts_annex(x + "\n\n")]
    operative = [x for x in operative if not _starts_annex(f"{CHAPEAU_LINE}\n\n1. {x}\n\n")]
    return Pools(headers, preamble, operative, [p.stem for p in paths])


def _starts_annex(piece: str) -> bool:
    probe = f"{piece}{CHAPEAU_LINE}\n\n1. Requests the Secretariat to report.\n"
    return bool(parse(clean_text(probe), "<probe>").annexes)


def make_resolution(rng: random.Random, pools: Pools, target: int) -> str:
    """One resolution of about ``target`` bytes: header, preamble, chapeau, numbered paragraphs."""
    parts: list[str] = []
    header = rng.choice([h for h in pools.headers if h] or [""])
    if header:
        parts.append(header)
    for para in rng.sample(pools.preamble, min(len(pools.preamble), rng.randint(2, 6))):
        parts.append(para)
    parts.append(CHAPEAU_LINE)
    size = sum(nbytes(p) + 2 for p in parts)
    n = 0
    while size < target:
        n += 1
        para = f"{n}. {rng.choice(pools.operative)}"
        parts.append(para)
        size += nbytes(para) + 2
    return "\n\n".join(parts) + "\n"


def iter_typical(pools: Pools, n: int, seed: int = SEED) -> Iterator[str]:
    """The first ``n`` typical resolutions (cleaned), made one at a time: same seed, same texts."""
    rng = random.Random(seed)
    for _ in range(n):
        # the last paragraph may overshoot by up to MAX_PARA_BYTES: stay within 15-40 KB
        yield clean_text(make_resolution(rng, pools, rng.randint(15_000, 40_000 - 2100)))


def big_text(pools: Pools, target: int, seed: int = SEED + 1) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target:
        r = make_resolution(rng, pools, rng.randint(15_000, 40_000 - 2100))
        parts.append(r)
        size += nbytes(r) + 2
    return clean_text("\n\n".join(parts))


# --------------------------------------------------------------------------- measuring

def parse_annotate(text: str, name: str = "<bench>") -> int:
    """Parse and annotate one text; keep only its paragraph count."""
    return len(annotate(parse(text, name)).paragraphs)


def parse_annotate_stats(text: str, tally: list[int]) -> None:
    """Parse and annotate; add [paragraphs, chars in paragraphs, chars left as annex] to tally."""
    doc = annotate(parse(text, "<bench>"))
    tally[0] += len(doc.paragraphs)
    tally[1] += sum(p.span.end - p.span.start for p in doc.paragraphs)
    tally[2] += sum(s.end - s.start for s in doc.annexes)


#: CPU time / wall time of every timed run: well below 1 means another process shared the
#: core (e.g. a second benchmark pinned to the same CPU) and the timings are too slow.
CPU_SHARES: list[float] = []
#: CPUs' worth of time other processes kept busy during each timed run (from /proc/stat):
#: above ~0.3 the machine was not quiet; neighbours on the other CPUs (SMT siblings, shared
#: caches, a busy host) slow this one down even when it keeps its own core.
OTHERS_BUSY: list[float] = []


def busy_seconds() -> float | None:
    """Busy time of all CPUs so far (seconds), from the first line of /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def timed_runs(fn: Callable[[], Any], repeats: int, budget: float | None = None) -> list[float]:
    """Time ``fn`` ``repeats`` times (fewer if one run alone exceeds ``budget`` seconds)."""
    times: list[float] = []
    for _ in range(repeats):
        gc.collect()
        b0 = busy_seconds()
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall = time.perf_counter() - t0
        own = time.process_time() - c0
        b1 = busy_seconds()
        CPU_SHARES.append(own / wall if wall > 0 else 1.0)
        if b0 is not None and b1 is not None and wall > 0:
            OTHERS_BUSY.append(max(0.0, (b1 - b0 - own) / wall))
        times.append(wall)
        if budget is not None and sum(times) > budget:
            break
    return times


def pin_one_core(cpu: int = 0) -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable)"
    allowed = os.sched_getaffinity(0)
    cpu = cpu if cpu in allowed else min(allowed)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return f"not pinned ({exc})"
    return f"pinned to CPU {cpu} (os.sched_setaffinity)"


def source_digest() -> str:
    """sha256 of the mealink package's files, to tell which code was measured."""
    import hashlib

    import mealink as pkg

    root = Path(pkg.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".toml"):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def write_results(results: dict[str, Any], out_path: Path, digest: str,
                  render: Callable[[dict[str, Any]], str], log: Callable[[str], None]) -> None:
    """The end of every benchmark: flag a run the sources changed under (its figures mix
    versions), print the table, write the JSON."""
    results["source_changed_during_run"] = source_digest() != digest
    if results["source_changed_during_run"]:
        log("WARNING: the mealink sources changed during the run; the figures mix versions")
    print(render(results))
    out_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    log(f"results written to {out_path}")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"processor": platform.processor() or platform.machine(), "cpu_model": model,
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform()}


def _proc_status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kb() -> tuple[int, str]:
    """Peak RSS of this process in KiB and how it was read.

    ru_maxrss is inherited across fork + exec on Linux (a child started by a big parent
    reports the parent's RSS), so VmHWM from /proc/self/status is preferred.
    """
    hwm = _proc_status_kb("VmHWM")
    if hwm is not None:
        return hwm, "VmHWM"
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (r // 1024 if sys.platform == "darwin" else r), "ru_maxrss"


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
    current = _proc_status_kb("VmRSS")
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
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small smoke-test run (< 20 s)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"folder of real *.txt texts (default: {DEFAULT_CORPUS})")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON results file (default: benchmarks/results.json, "
                         "benchmarks/results-quick.json with --quick)")
    ap.add_argument("--no-cli", action="store_true", help="skip the `mealink parse` timing")
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    ap.add_argument("--_mem-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    corpus = args.corpus.resolve()

    if args._mem_child is not None:
        print(json.dumps(mem_child(corpus, args._mem_child)))
        return 0

    cfg = QUICK if args.quick else FULL
    out_path = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    pinning = pin_one_core(args.cpu)  # inherited by the memory and CLI subprocesses
    t_start = time.perf_counter()
    log = lambda msg: print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}",  # noqa: E731
                            file=sys.stderr, flush=True)
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
                               "pinning": pinning, "machine": machine(), "corpus": str(corpus),
                               "mealink_version": getattr(mealink, "__version__", "?"),
                               "source_digest": digest,
                               "mealink_path": str(Path(mealink.__file__).resolve().parent),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}

    # 1. typical set
    typ_tally = [0, 0, 0]

    def run_typical() -> None:
        typ_tally[:] = [0, 0, 0]
        for text in typical:
            parse_annotate_stats(text, typ_tally)
    log(f"timing parse+annotate on {len(typical)} typical docs x{cfg.repeats} ...")
    t = timed_runs(run_typical, cfg.repeats)
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
    t = timed_runs(lambda: [clean_text(x) for x in typical], cfg.repeats)
    results["clean_text"] = {"median_s": statistics.median(t),
                             "mb_per_s": typ_bytes / MB / statistics.median(t)}

    # 2. the 35 real corpus texts
    def run_corpus() -> None:
        for name, text in corpus_texts:
            parse_annotate(text, name)
    reps = max(cfg.repeats, 3)
    t = timed_runs(run_corpus, reps)
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
    t = timed_runs(run_big, cfg.repeats, budget=cfg.big_budget)
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
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run([*cmd, "parse", tmp, "--json"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        results["cli"] = {"command": [*cmd, "parse", "DIR", "--json"], "docs": cfg.n_cli,
                          "bytes": cli_bytes, "wall_s": wall, "docs_per_s": cfg.n_cli / wall,
                          "mb_per_s": cli_bytes / MB / wall, "returncode": proc.returncode,
                          "stderr_lines": len(errors), "stderr_head": errors[:3],
                          "help_wall_s": t_help, "help_returncode": startup.returncode,
                          "cpu_share": cpu / wall}
        log(f"  {wall:.2f} s, {cfg.n_cli / wall:.1f} docs/s, rc={proc.returncode}")

    typ, big_r = results["typical"], results["big"]
    results["targets"] = {
        "throughput_2mb_s_typical": typ["mb_per_s"] >= TARGET_MBPS,
        "throughput_2mb_s_big": big_r["mb_per_s"] >= TARGET_MBPS,
        "docs_100_per_s": typ["docs_per_s"] >= TARGET_DOCS_PER_S,
        "memory_flat_in_batch": flat,
        "memory_proportional_to_doc": results["memory_doc"]["proportional"],
    }
    results["total_wall_s"] = time.perf_counter() - t_start
    results["min_cpu_share"] = min(CPU_SHARES)
    results["cpu_shares"] = CPU_SHARES
    results["others_busy_cpus"] = OTHERS_BUSY
    results["max_others_busy_cpus"] = max(OTHERS_BUSY, default=0.0)
    if results["max_others_busy_cpus"] > 0.3:
        log(f"WARNING: other processes kept {results['max_others_busy_cpus']:.1f} CPUs busy "
            "during a timed run; the machine was not quiet, timings may be too slow")
    if min(CPU_SHARES) < 0.9:
        log(f"WARNING: a timed run got only {min(CPU_SHARES):.0%} of the CPU: another process "
            "shared the core; rerun on a quiet machine (or another --cpu)")
    write_results(results, out_path, digest, markdown, log)
    return 0


def markdown(r: dict[str, Any]) -> str:
    ok = lambda b: "**yes**" if b else "**NO**"  # noqa: E731
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
    if "cli" in r:
        c = r["cli"]
        rows.append(
            f"| `mealink parse DIR --json`, {c['docs']} typical docs (wall, incl. start-up; "
            f"`--help` alone {c['help_wall_s']:.2f} s) | {c['wall_s']:.2f} s, "
            f"{c['docs_per_s']:.1f} docs/s, {c['mb_per_s']:.3f} MB/s (exit {c['returncode']}, "
            f"CPU share {c['cpu_share']:.0%}) "
            f"| (info) | |")
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
    if r.get("source_changed_during_run"):
        rows.append("")
        rows.append("**Warning: the mealink sources changed during this run; rerun it.**")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
