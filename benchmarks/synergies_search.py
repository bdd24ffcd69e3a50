"""Target 2 of the synergies benchmark, search by meaning: ``find`` latency in each mode with
the index warm, for 200 plain-language queries, the steps of a semantic query and of the
keyword leg of a hybrid one, the same semantic queries with onnxruntime's idle threads
spinning as they did before (paired), a search page's keyword work (ranking and facets) for
the store benchmark's 2-3 word queries beside FTS5 alone, and the matrix-vector product's
read bandwidth."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.timing import Log, Meter, percentile, summary_ms


def stats_ms(values: Sequence[float]) -> dict[str, float]:
    """Percentiles (and mean, min, max) of timings given in milliseconds."""
    return summary_ms(values, with_min=True)

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


def spinning_encoder() -> Any:
    """An ``Encoder`` whose onnxruntime threads spin when idle, as mealink's did before its
    session set ``allow_spinning = 0``: the "before" of that change, timed in the same run."""
    import onnxruntime as ort

    from mealink.semantic import encoder as module

    class SpinningEncoder(module.Encoder):
        def _load(self) -> None:
            real = module.session_options

            def options(threads: int) -> Any:  # the options as they were, spinning on
                o = ort.SessionOptions()
                o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                o.intra_op_num_threads = threads
                o.inter_op_num_threads = 1
                o.log_severity_level = 3
                return o
            module.session_options = options  # only while this encoder builds its session
            try:
                super()._load()
            finally:
                module.session_options = real

    return SpinningEncoder()


def keyword_page(store: Any, repeats: int) -> dict[str, Any]:
    """A search page's keyword work for the store benchmark's 2-3 word queries, unfiltered:
    ``find(mode="keyword", limit=20)`` and ``facets``, then each apart, beside FTS5 alone
    (the top 20 by bm25, and counting the matches), interleaved query by query."""
    from harness.queries import FTS5_COUNT, FTS5_TOP20, QUERIES, fts5_alone

    from mealink.store.search.facets import facets
    from mealink.store.search.find import find

    steps: dict[str, Any] = {
        "page": lambda q: (find(store, q, mode="keyword", limit=20), facets(store, q)),
        "find": lambda q: find(store, q, mode="keyword", limit=20),
        "facets": lambda q: facets(store, q),
        "fts5_top20": lambda q: fts5_alone(store, q, FTS5_TOP20),
        "fts5_count": lambda q: fts5_alone(store, q, FTS5_COUNT),
    }
    for q in QUERIES:  # warm-up
        for fn in steps.values():
            fn(q)
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(repeats):
        for q in QUERIES:
            for k, fn in steps.items():
                t0 = time.perf_counter()
                fn(q)
                times[k].append((time.perf_counter() - t0) * 1000)
    sampled = sum(1 for q in QUERIES if facets(store, q).sampled is not None)
    return {"queries": len(QUERIES), "repeats": repeats, "facets_sampled_queries": sampled,
            **{k: stats_ms(v) for k, v in times.items()}}


def keyword_leg(store: Any, queries: Sequence[str]) -> dict[str, Any]:
    """The keyword leg of a hybrid query alone (every word, then the capped any-word
    ranking), beside the every-word FTS5 ranking alone (its limit)."""
    from mealink.store.search.find import RANKED_DEPTH, keyword_ranking
    from mealink.store.search.keyword import ranking

    leg, strict = [], []
    for q in queries:
        t0 = time.perf_counter()
        keyword_ranking(store, q, None, RANKED_DEPTH)
        t1 = time.perf_counter()
        ranking(store, q, None, limit=RANKED_DEPTH)
        t2 = time.perf_counter()
        leg.append((t1 - t0) * 1000)
        strict.append((t2 - t1) * 1000)
    return {"keyword_leg": stats_ms(leg), "every_word_fts": stats_ms(strict)}


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
    from mealink.store.search.find import Mode, find
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
        modes: tuple[Mode, ...] = ("semantic", "hybrid", "keyword")
        for q in queries[:20]:  # warm-up: code paths, SQLite page cache
            for mode in modes:
                find(store, q, mode=mode, limit=10)
        times: dict[str, list[float]] = {m: [] for m in modes}
        hits: dict[str, list[int]] = {m: [] for m in modes}
        log(f"timing {len(queries)} queries x {repeats} in {len(modes)} modes ...")
        with Meter(children=True) as meter:
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
        # before/after, paired: the same semantic queries with onnxruntime's idle threads
        # spinning (as before) and not (mealink's encoder now), query by query
        spin_enc = spinning_encoder()
        spin_enc.encode_one("warm-up")
        before = query_steps(index, spin_enc, queries)
        before.pop("vectors")
        t_spin, t_quiet = [], []
        for q in queries:
            for enc, ts in ((spin_enc, t_spin), (encoder(), t_quiet)):
                t0 = time.perf_counter()
                find(store, q, mode="semantic", limit=10, model=enc)
                ts.append((time.perf_counter() - t0) * 1000)
        res["spinning_before"] = {"steps_ms": before, "semantic": stats_ms(t_spin),
                                  "semantic_paired_now": stats_ms(t_quiet)}
        res["hybrid_steps_ms"] = keyword_leg(store, queries)
        log("a search page's keyword work (find + facets) for the store queries ...")
        res["keyword_page"] = keyword_page(store, repeats)
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
