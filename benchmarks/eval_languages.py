"""Precision at 10 of French and Spanish queries (tests/data/retrieval-languages.toml) in
each search mode, two ways: the hits as ranked (each in the language it was found in), and
the hits each followed by its counterparts in the other languages (what the page shows:
search across languages through the alignment). Prints the Markdown table of the README.
Usage: .venv/bin/python benchmarks/eval_languages.py [--realdocs DIR]"""

from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from pathlib import Path

from mealink.semantic.evaluation import precision_at
from mealink.store import Store, ingest, open_store
from mealink.store.search.find import find
from mealink.store.search.vectors import embed_paragraphs

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "tests" / "data" / "retrieval-languages.toml"
MODES = ("keyword", "semantic", "hybrid")
PAIR = ("cites-dec-19.30-19.31.txt", "cites-dec-19.30-19.31.es.txt")


def collection(folder: Path, realdocs: Path) -> Store:
    """The judged collection in a new SQLite store in ``folder``, embedded."""
    store = open_store(str(folder / "langs.db"))
    summary = ingest(store, [REPO / "tests" / "fixtures" / "invented",
                             REPO / "tests" / "fixtures" / "invented-languages",
                             *(realdocs / n for n in PAIR)])
    failed = [o for o in summary.outcomes if o.outcome == "failed"]
    if failed:
        raise SystemExit(f"ingest failed: {failed}")
    embed_paragraphs(store)
    return store


def ranking(store: Store, query: str, mode: str, counterparts: bool) -> list[str]:
    """Paragraph ids best first; with ``counterparts``, each hit followed by its own."""
    out: list[str] = []
    for h in find(store, query, mode=mode, limit=10):  # type: ignore[arg-type]
        for pid in [h.paragraph_id, *(c.paragraph_id for c in h.counterparts
                                      if counterparts)]:
            if pid not in out:
                out.append(pid)
    return out


def scores(store: Store) -> dict[tuple[str, str, bool], float]:
    """(language, mode, with counterparts) -> mean P@10."""
    queries = tomllib.loads(QUERIES.read_text(encoding="utf-8"))["query"]
    out: dict[tuple[str, str, bool], float] = {}
    for lang in ("fr", "es"):
        mine = [q for q in queries if q["language"] == lang]
        for mode in MODES:
            for cp in (False, True):
                out[(lang, mode, cp)] = sum(precision_at(
                    ranking(store, q["text"], mode, cp), frozenset(q["relevant"]))
                    for q in mine) / len(mine)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--realdocs", type=Path, default=REPO.parent / "shared" / "realdocs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = collection(Path(tmp), args.realdocs)
        t = time.perf_counter()
        got = scores(store)
        took = time.perf_counter() - t
        store.dispose()
    print("| queries | mode | P@10, hits | P@10, hits and their counterparts |")
    print("|---|---|---|---|")
    for lang in ("fr", "es"):
        for mode in MODES:
            print(f"| {lang} (5) | {mode} | {got[(lang, mode, False)]:.2f} | "
                  f"{got[(lang, mode, True)]:.2f} |")
    print(f"\n(60 rankings in {took:.1f} s)")


if __name__ == "__main__":
    main()
