"""Target 2 of the synergies benchmark, search by meaning: ``find`` latency in each mode with
the index warm, for 200 plain-language queries, the steps of a semantic query, a what-if
without onnxruntime's spinning threads, and the matrix-vector product's read bandwidth."""

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
