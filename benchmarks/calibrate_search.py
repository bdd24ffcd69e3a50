"""Calibrates the similarity floor of search (data/search.toml, [floor]) on the 20 judged
queries of tests/data/retrieval.toml over the collection they were judged on (the invented
fixtures and the gold corpus), and checks the off-topic queries of tests/data/off_topic.toml.

Prints: the cosine of the relevant and the non-relevant paragraphs in the top 10 of
semantic search (no floor); the relevant paragraphs of the hybrid top 10 that a floor would
test (they match not every word); how close each off-topic query comes; and, for floors
from 0.25 to 0.45, P@10 of each mode, the relevant and non-relevant paragraphs the floor
takes out of each mode's top 10, and how many off-topic queries still get an answer.
The rule that picks the floor: the highest floor, to two decimals, that keeps every
relevant paragraph of the semantic top 10; it must lie above every off-topic query's
closest paragraph. Usage: .venv/bin/python benchmarks/calibrate_search.py [--corpus DIR]"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_search import NO_FLOOR, QUERIES, REPO, judged_collection

from mealink.semantic.encoder import encoder
from mealink.semantic.evaluation import JudgedQuery, load_queries
from mealink.semantic.floor import similarity_floor, words_share
from mealink.store import Store
from mealink.store.search.find import MODES, find
from mealink.store.search.vectors import vector_index

OFF_TOPIC = REPO / "tests" / "data" / "off_topic.toml"
FLOORS = [round(0.25 + i / 100, 2) for i in range(21)]
ORDER = ("keyword", "semantic", "hybrid")


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else math.nan


def cosines(store: Store, query: str) -> dict[str, float]:
    """Every embedded paragraph's cosine to ``query``."""
    index = vector_index(store)
    scores = index.matrix @ encoder().encode_one(query)
    return {pid: float(s) for pid, s in zip(index.ids, scores, strict=True)}


def top10(store: Store, query: str, mode: str, floor: float) -> list[str]:
    return [h.paragraph_id for h in find(store, query, mode=mode, limit=10,  # type: ignore[arg-type]
                                         floor=floor)]


def semantic_side(store: Store, queries: list[JudgedQuery]) -> float:
    """The cosines of the semantic top 10, relevant and not; returns the floor the rule
    picks (the highest two-decimal floor under every relevant one)."""
    relevant: list[tuple[float, str, str]] = []
    other: list[float] = []
    for q in queries:
        cos = cosines(store, q.text)
        for pid in top10(store, q.text, "semantic", NO_FLOOR):
            if pid in q.relevant:
                relevant.append((cos[pid], q.id, pid))
            else:
                other.append(cos[pid])
    relevant.sort()
    rel = [r[0] for r in relevant]
    print("## Semantic top 10 without a floor (20 queries)\n")
    print(f"- relevant paragraphs: {len(rel)}; cosine lowest {rel[0]:.3f} ({relevant[0][1]} "
          f"{relevant[0][2]}), 5th percentile {pct(rel, 5):.3f}, 10th {pct(rel, 10):.3f}, "
          f"median {pct(rel, 50):.3f}")
    print("- the five lowest: " + "; ".join(f"{s:.3f} {qid} {pid}" for s, qid, pid
                                             in relevant[:5]))
    print(f"- non-relevant paragraphs: {len(other)}; cosine lowest {min(other):.3f}, "
          f"10th percentile {pct(other, 10):.3f}, 25th {pct(other, 25):.3f}, median "
          f"{pct(other, 50):.3f}, 75th {pct(other, 75):.3f}, highest {max(other):.3f}")
    for f in (0.30, 0.33, 0.34, 0.35, 0.40):
        print(f"  - below {f:.2f}: {sum(s < f for s in other)} non-relevant, "
              f"{sum(s < f for s in rel)} relevant")
    return math.floor(rel[0] * 100) / 100


def hybrid_side(store: Store, queries: list[JudgedQuery], floor: float) -> None:
    """The relevant paragraphs of the hybrid top 10 below the floor, and what becomes of
    them (a match of every word, or of most words of a plain question, stays)."""
    print(f"\n## Hybrid top 10 without a floor: relevant paragraphs below {floor:.2f}\n")
    kept = dropped = 0
    for q in queries:
        after = {h.paragraph_id for h in find(store, q.text, mode="hybrid", limit=100,
                                              floor=floor)}
        for h in find(store, q.text, mode="hybrid", limit=10, floor=NO_FLOOR):
            sim = h.why.similarity if h.why else None
            if h.paragraph_id not in q.relevant or (sim is not None and sim >= floor):
                continue
            stays = h.paragraph_id in after
            kept += stays
            dropped += not stays
            words = ", ".join(h.why.shared_terms) if h.why else ""
            print(f"- {q.id} {h.paragraph_id}: similarity "
                  f"{'none' if sim is None else f'{sim:.3f}'}, words: {words or '-'} -> "
                  f"{'kept' if stays else 'dropped'}")
    print(f"\n{kept} kept (they match the words), {dropped} dropped.")


def off_topic(store: Store, floor: float) -> float:
    """How close each off-topic query comes; returns the highest cosine of the proper
    off-topic queries (the near ones aside)."""
    data = tomllib.loads(OFF_TOPIC.read_text(encoding="utf-8"))
    print("\n## Off-topic queries: the closest paragraph, and hits at the floor "
          f"{floor:.2f}\n")
    print("| query | closest | cosine | keyword | semantic | hybrid |")
    print("|---|---|---:|---:|---:|---:|")
    highest = -1.0
    for kind in ("query", "near"):
        for q in data[kind]:
            cos = cosines(store, q["text"])
            pid = max(cos, key=cos.__getitem__)
            if kind == "query":
                highest = max(highest, cos[pid])
            counts = [len(find(store, q["text"], mode=m, limit=100, floor=floor))
                      for m in ORDER]
            name = q["text"] if kind == "query" else f"{q['text']} (near)"
            print(f"| {name} | {pid} | {cos[pid]:.3f} | "
                  + " | ".join(map(str, counts)) + " |")
    return highest


def sweep(store: Store, queries: list[JudgedQuery]) -> None:
    data = tomllib.loads(OFF_TOPIC.read_text(encoding="utf-8"))
    base = {(q.id, m): top10(store, q.text, m, NO_FLOOR) for q in queries for m in ORDER}
    print("\n## Floors: P@10, what each takes out of the top 10, off-topic queries answered\n")
    print("| floor | P@10 keyword | semantic | hybrid | relevant out (k/s/h) | "
          "non-relevant out (k/s/h) | off-topic answered (k/s/h) | near answered |")
    print("|---:|---:|---:|---:|---|---|---|---|")
    for f in [NO_FLOOR, *FLOORS]:
        p10 = dict.fromkeys(ORDER, 0.0)
        rel_out = dict.fromkeys(ORDER, 0)
        non_out = dict.fromkeys(ORDER, 0)
        for q in queries:
            for m in ORDER:
                got = top10(store, q.text, m, f)
                p10[m] += sum(pid in q.relevant for pid in got) / 10 / len(queries)
                gone = set(base[q.id, m]) - set(got)
                rel_out[m] += len(gone & q.relevant)
                non_out[m] += len(gone - q.relevant)
        answered = [sum(bool(find(store, q["text"], mode=m, limit=1, floor=f))  # type: ignore[arg-type]
                        for q in data["query"]) for m in ORDER]
        near = [sum(bool(find(store, q["text"], mode=m, limit=1, floor=f))  # type: ignore[arg-type]
                    for q in data["near"]) for m in ORDER]
        label = "none" if f == NO_FLOOR else f"{f:.2f}"
        print(f"| {label} | {p10['keyword']:.3f} | {p10['semantic']:.3f} | "
              f"{p10['hybrid']:.3f} | {'/'.join(str(rel_out[m]) for m in ORDER)} | "
              f"{'/'.join(str(non_out[m]) for m in ORDER)} | "
              f"{'/'.join(map(str, answered))} of {len(data['query'])} | "
              f"{'/'.join(map(str, near))} of {len(data['near'])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = ap.parse_args()
    assert set(ORDER) == set(MODES)
    queries = load_queries(QUERIES)
    configured = similarity_floor()
    with tempfile.TemporaryDirectory() as tmp:
        store = judged_collection(Path(tmp), args.corpus)
        print(f"Collection: {len(vector_index(store))} embedded paragraphs; the floor in "
              f"data/search.toml: {configured:.2f}; words share: more than "
              f"{words_share():.0%} of a plain question's content words\n")
        picked = semantic_side(store, queries)
        hybrid_side(store, queries, configured)
        highest = off_topic(store, configured)
        sweep(store, queries)
        store.dispose()
    print(f"\nThe rule picks {picked:.2f} (the highest two-decimal floor under every relevant "
          f"paragraph of the semantic top 10); the closest off-topic paragraph is at "
          f"{highest:.3f}, " + ("below it." if highest < picked else "NOT below it."))
    print(f"data/search.toml has {configured:.2f}"
          + (", as the rule picks." if math.isclose(picked, configured) else
             f": the rule now picks {picked:.2f}."))


if __name__ == "__main__":
    main()
