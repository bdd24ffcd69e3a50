"""Precision at 10 of keyword, semantic and hybrid search over the 20 judged queries of
tests/data/retrieval.toml, on the collection they were judged on (the invented fixtures of
tests/fixtures/invented and the gold corpus), without the similarity floor and with it;
prints the Markdown table of the README.
Usage: .venv/bin/python benchmarks/eval_search.py [--corpus DIR]"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mealink.semantic.evaluation import ModeScore, load_queries, score_modes
from mealink.semantic.floor import similarity_floor
from mealink.store import Store, ingest, open_store
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs

REPO = Path(__file__).resolve().parents[1]
INVENTED = REPO / "tests" / "fixtures" / "invented"
QUERIES = REPO / "tests" / "data" / "retrieval.toml"
MODES = ["keyword", "semantic", "hybrid"]
#: a floor below every cosine: search as it was before there was one
NO_FLOOR = -1.0


def judged_collection(folder: Path, corpus: Path) -> Store:
    """A new SQLite store in ``folder`` holding the judged collection, embedded."""
    store = open_store(str(folder / "eval.db"))
    summary = ingest(store, [INVENTED, corpus])
    failed = [o for o in summary.outcomes if o.outcome == "failed"]
    if failed:
        raise SystemExit(f"ingest failed: {failed}")
    embed_paragraphs(store)
    return store


def precision(store: Store, floor: float | None) -> list[ModeScore]:
    """P@10 of each mode with ``floor`` (None: the floor of data/search.toml)."""
    return score_modes(load_queries(QUERIES), MODES, lambda q, mode, k: [
        h.paragraph_id for h in find(store, q, mode=mode, limit=k,  # type: ignore[arg-type]
                                     floor=floor)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = ap.parse_args()
    queries = load_queries(QUERIES)
    with tempfile.TemporaryDirectory() as tmp:
        store = judged_collection(Path(tmp), args.corpus)
        before = precision(store, NO_FLOOR)
        after = precision(store, None)
        store.dispose()
    floor = similarity_floor()
    print("| query | style | " + " | ".join(MODES) + " | "
          + " | ".join(f"{m} ≥ {floor:.2f}" for m in MODES) + " |")
    print("|---|---|" + "---:|" * 2 * len(MODES))
    for q in queries:
        cells = " | ".join(f"{s.per_query[q.id]:.1f}" for s in [*before, *after])
        print(f"| {q.id} {q.text} | {q.style} | {cells} |")
    print("| **mean P@10** | | " + " | ".join(f"**{s.mean:.3f}**" for s in [*before, *after])
          + " |")
    print(f"\nFirst three columns: no similarity floor; last three: the floor {floor:.2f} of "
          "data/search.toml.")
    print(f"Best possible mean P@10 (queries with fewer than 10 relevant paragraphs): "
          f"{before[0].ceiling:.3f}")


if __name__ == "__main__":
    main()
