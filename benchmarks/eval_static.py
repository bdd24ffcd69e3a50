"""Static vectors against the full encoder on the 20 judged queries of
tests/data/retrieval.toml (the collection they were judged on): P@10 of each search mode
with the full encoder's vectors (as today), with static vectors alone, and with static
vectors whose closest N paragraphs the full encoder re-ranks, for several N; the time a
query takes in each (the re-ranking's encoder runs cold: its cache emptied before every
query, and warm); and the static floor by the rule of data/search.toml (the highest
two-decimal cosine that keeps every relevant paragraph of the semantic top 10), with how
close the off-topic queries of tests/data/off_topic.toml come.
Usage: .venv/bin/python benchmarks/eval_static.py [--corpus DIR] [--out FILE]"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_search import NO_FLOOR, QUERIES, REPO, judged_collection

from mealink.semantic.evaluation import load_queries, score_modes
from mealink.semantic.floor import similarity_floor
from mealink.semantic.static import static_encoder
from mealink.store import Store
from mealink.store.search import meaning as meaning_module
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs, vector_index

MODES = ["keyword", "semantic", "hybrid"]
DEPTHS = [0, 20, 30, 50, 100]
OFF_TOPIC = REPO / "tests" / "data" / "off_topic.toml"


def p10(store: Store, floor: float, rerank: int | None) -> dict[str, float]:
    """Mean P@10 of each mode."""
    scores = score_modes(load_queries(QUERIES), MODES, lambda q, mode, k: [
        h.paragraph_id for h in find(store, q, mode=mode, limit=k,  # type: ignore[arg-type]
                                     floor=floor, rerank=rerank)])
    return {s.mode: round(s.mean, 3) for s in scores}


def timings(store: Store, rerank: int | None, *, cold: bool) -> dict[str, float]:
    """Median and max ms of a semantic and a hybrid query over the judged queries."""
    out: dict[str, float] = {}
    for mode in ("semantic", "hybrid"):
        ms = []
        for q in load_queries(QUERIES):
            if cold:
                meaning_module._FULL.clear()
            t0 = time.perf_counter()
            find(store, q.text, mode=mode, limit=10, rerank=rerank)  # type: ignore[arg-type]
            ms.append((time.perf_counter() - t0) * 1000)
        out[f"{mode}_p50_ms"] = round(statistics.median(ms), 1)
        out[f"{mode}_max_ms"] = round(max(ms), 1)
    return out


def static_floor(store: Store, rerank: int | None) -> tuple[float, list[float]]:
    """The floor the rule picks for the store's vectors, and the cosines of the relevant
    paragraphs of the semantic top 10."""
    rel = []
    for q in load_queries(QUERIES):
        for h in find(store, q.text, mode="semantic", limit=10, floor=NO_FLOOR,
                      rerank=rerank):
            if h.paragraph_id in q.relevant and h.why and h.why.similarity is not None:
                rel.append(h.why.similarity)
    return math.floor(min(rel) * 100) / 100, sorted(rel)


def off_topic(store: Store) -> dict[str, float]:
    """How close each off-topic query comes (its best cosine in the store's vectors)."""
    index = vector_index(store)
    data = tomllib.loads(OFF_TOPIC.read_text(encoding="utf-8"))
    texts = [q["text"] for q in data["query"]]
    vecs = static_encoder().encode(texts) if index.model != "all-MiniLM-L6-v2-int8" \
        else None
    if vecs is None:
        from mealink.semantic.encoder import encoder
        vecs = encoder().encode(texts)
    return {t: round(float((index.matrix @ v).max()), 3) for t, v in zip(texts, vecs,
                                                                      strict=True)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results-static.json")
    args = ap.parse_args()
    res: dict[str, Any] = {"load_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        store = judged_collection(Path(tmp), args.corpus)
        full_floor = similarity_floor()
        res["full"] = {"p10_no_floor": p10(store, NO_FLOOR, None),
                       "p10_floor": p10(store, full_floor, None), "floor": full_floor,
                       **timings(store, None, cold=False),
                       "off_topic": off_topic(store)}
        print("full:", res["full"], file=sys.stderr)
        t0 = time.perf_counter()
        embed_paragraphs(store, model=static_encoder())
        res["static_switch_s"] = round(time.perf_counter() - t0, 2)
        floor, rel = static_floor(store, None)
        res["static_floor"] = {"floor": floor, "relevant_cosines": rel[:10],
                               "off_topic": off_topic(store)}
        for depth in DEPTHS:
            row = {"p10_no_floor": p10(store, NO_FLOOR, depth),
                   "p10_floor": p10(store, floor, depth),
                   # warm first: the P@10 runs have encoded every head; cold empties that
                   "warm": timings(store, depth, cold=False),
                   "cold": timings(store, depth, cold=True)}
            res[f"static_rerank_{depth}"] = row
            print(f"static, re-rank {depth}:", row, file=sys.stderr)
        store.dispose()
    res["load_at_end"] = os.getloadavg()
    args.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print("| vectors | re-ranked by the full encoder | P@10 keyword / semantic / hybrid "
          "(no floor) | with the floor | semantic query p50 cold / warm | hybrid p50 cold "
          "/ warm |")
    print("|---|---:|---|---|---|---|")
    f = res["full"]
    print(f"| full (today) | — | {' / '.join(str(f['p10_no_floor'][m]) for m in MODES)} | "
          f"{' / '.join(str(f['p10_floor'][m]) for m in MODES)} | — / "
          f"{f['semantic_p50_ms']} ms | — / {f['hybrid_p50_ms']} ms |")
    for depth in DEPTHS:
        r = res[f"static_rerank_{depth}"]
        print(f"| static | {depth} | {' / '.join(str(r['p10_no_floor'][m]) for m in MODES)} | "
              f"{' / '.join(str(r['p10_floor'][m]) for m in MODES)} | "
              f"{r['cold']['semantic_p50_ms']} / {r['warm']['semantic_p50_ms']} ms | "
              f"{r['cold']['hybrid_p50_ms']} / {r['warm']['hybrid_p50_ms']} ms |")
    print(f"\nStatic floor by the rule: {floor} (full: {full_floor}).")


if __name__ == "__main__":
    main()
