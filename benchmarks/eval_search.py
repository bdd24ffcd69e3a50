"""Precision at 10 of keyword, semantic and hybrid search over the 20 judged queries of
tests/data/retrieval.toml, on the gold corpus and the bundled examples; prints the Markdown
table of the README. Usage: .venv/bin/python benchmarks/eval_search.py [--corpus DIR]"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mealink.semantic.evaluation import load_queries, score_modes
from mealink.store import ingest, open_store
from mealink.store.semantic import find
from mealink.store.vectors import embed_paragraphs

REPO = Path(__file__).resolve().parents[1]
MODES = ["keyword", "semantic", "hybrid"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = ap.parse_args()
    queries = load_queries(REPO / "tests" / "data" / "retrieval.toml")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "eval.db"))
        ingest(store, [REPO / "examples", args.corpus])
        embed_paragraphs(store)
        scores = score_modes(queries, MODES, lambda q, mode, k: [
            h.paragraph_id for h in find(store, q, mode=mode, limit=k)])  # type: ignore[arg-type]
        store.dispose()
    print("| query | style | " + " | ".join(MODES) + " |")
    print("|---|---|" + "---:|" * len(MODES))
    for q in queries:
        cells = " | ".join(f"{s.per_query[q.id]:.1f}" for s in scores)
        print(f"| {q.id} {q.text} | {q.style} | {cells} |")
    print("| **mean P@10** | | " + " | ".join(f"**{s.mean:.3f}**" for s in scores) + " |")
    print(f"\nBest possible mean P@10 (queries with fewer than 10 relevant paragraphs): "
          f"{scores[0].ceiling:.3f}")


if __name__ == "__main__":
    main()
