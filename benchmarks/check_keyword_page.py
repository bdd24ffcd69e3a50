"""What a keyword search page answers, written out so that two versions of mealink can be
compared: for every query, the hits of ``find`` (their order, every field, why each matched),
what the result says beside them (total, floor, message) and the facets.

Run it once with the mealink of before and once with this one, on the same store, then
compare the two files (``--compare A B`` says which queries differ, exit status 1 if any)::

    PYTHONPATH=/path/to/before/src .venv/bin/python benchmarks/check_keyword_page.py \\
        --store /work/benchwork/synergies-100000.db --out before.json
    .venv/bin/python benchmarks/check_keyword_page.py \\
        --store /work/benchwork/synergies-100000.db --out after.json
    .venv/bin/python benchmarks/check_keyword_page.py --compare before.json after.json
    .venv/bin/python benchmarks/check_keyword_page.py --in-memory \\
        --store /work/benchwork/synergies-100000.db --out held.json   # as the server asks
    .venv/bin/python benchmarks/check_keyword_page.py --compare before.json after.json \\
        --tolerance 1e-6   # a similarity summed in another order is the same answer

``--judged URL`` first builds at URL (a SQLite path, or a scratch PostgreSQL database that
is dropped and created) the judged collection of ``tests/test_retrieval.py`` (the invented
fixtures and the gold corpus, embedded) and asks it the judged queries of
``tests/data/retrieval.toml`` in every mode, beside the store benchmark's 40 queries;
``--store URL`` asks an existing store (such as the 100,000-paragraph one of
``bench_synergies.py``) without changing it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import DEFAULT_CORPUS, REPO
from harness.queries import QUERIES

#: filters a page is asked with besides none: they take the other SQL paths
FILTERS: tuple[dict[str, Any], ...] = (
    {}, {"convention": "CMS"}, {"in_force": True}, {"kind": "operative", "verb": "requests"},
    {"actor": "Parties"},
)


def page(store: Any, query: str, mode: str, filters: dict[str, Any], offset: int
         ) -> dict[str, Any]:
    """One page of ``find`` and the facets, as JSON (or the one-line error)."""
    from mealink.errors import MealinkError
    from mealink.store.search.facets import facets
    from mealink.store.search.find import find
    from mealink.store.search.hits import SearchFilters

    f = SearchFilters(**filters)
    out: dict[str, Any] = {}
    try:
        res = find(store, query, f, mode=mode, limit=20, offset=offset)  # type: ignore[arg-type]
        out["find"] = {"ranked": res.ranked, **res.to_dict(),
                       "hits": [h.to_dict() for h in res]}
    except MealinkError as exc:
        out["find"] = {"error": str(exc)}
    if offset == 0:
        try:
            out["facets"] = facets(store, query, f).to_dict()
        except MealinkError as exc:
            out["facets"] = {"error": str(exc)}
    return out


def ask(store: Any, queries: Sequence[str], modes: Sequence[str]) -> dict[str, Any]:
    """Every query in every mode, unfiltered and under each of ``FILTERS``, and its
    second page unfiltered."""
    out: dict[str, Any] = {}
    for q in queries:
        for mode in modes:
            for filters in FILTERS:
                key = f"{mode}|{q}|{json.dumps(filters, sort_keys=True)}"
                out[key] = page(store, q, mode, filters, 0)
            out[f"{mode}|{q}|page 2"] = page(store, q, mode, {}, 20)
    return out


def judged_store(url: str) -> Any:
    """The collection of ``tests/test_retrieval.py``, built afresh at ``url``."""
    from harness.db import pg_recreate, remove_sqlite

    from mealink.store import ingest, open_store
    from mealink.store.search.vectors import embed_paragraphs

    if url.startswith("postgresql"):
        pg_recreate(url)
    else:
        remove_sqlite(Path(url))
    store = open_store(url)
    ingest(store, [REPO / "tests" / "fixtures" / "invented", DEFAULT_CORPUS])
    embed_paragraphs(store)
    return store


def hold(store: Any, in_memory: bool) -> None:
    """Hold what a server holds, when asked (``harness.paired.hold_as_server``: the
    full-text index, waited for, and the int8 copy of the vectors where this mealink has one)."""
    if not in_memory:
        return
    from harness.paired import hold_as_server

    hold_as_server(store)
    print("the full-text index is held in memory", file=sys.stderr)


def close(x: Any, y: Any, tolerance: float) -> bool:
    """``x == y``, with any two floats within ``tolerance`` of each other taken as equal."""
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) <= tolerance
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(close(x[k], y[k], tolerance) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(close(i, j, tolerance) for i, j in zip(x, y, strict=True))
    return bool(x == y)


def compare(a: Path, b: Path, tolerance: float = 0.0) -> int:
    """Print the keys whose answers differ (beyond ``tolerance`` in a float: a similarity
    summed in another order); 1 if any does."""
    left = json.loads(a.read_text(encoding="utf-8"))
    right = json.loads(b.read_text(encoding="utf-8"))
    keys = sorted(set(left) | set(right))
    differ = [k for k in keys if not close(left.get(k), right.get(k), tolerance)]
    inexact = [k for k in keys if k not in differ and left.get(k) != right.get(k)]
    for k in differ:
        print(f"differs: {k}")
    print(f"{len(left)} and {len(right)} answers compared; {len(differ)} differ"
          + (f"; {len(inexact)} more differ only in a float, by at most {tolerance:g}"
             if tolerance else ""))
    return 1 if differ else 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", help="an existing store: SQLite path or PostgreSQL URL")
    where.add_argument("--judged", help="build the judged collection here first")
    where.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    ap.add_argument("--reuse", action="store_true",
                    help="with --judged: ask the collection already built there")
    ap.add_argument("--in-memory", action="store_true",
                    help="hold SQLite's full-text index in memory first, as the web server "
                         "does (store.search.postings), so that it answers where it can")
    ap.add_argument("--out", type=Path, help="the JSON answers")
    ap.add_argument("--tolerance", type=float, default=0.0,
                    help="with --compare: floats this close count as equal (default exact)")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare, args.tolerance)
    from mealink.semantic.evaluation import load_queries
    from mealink.store import open_store

    if args.judged:
        store = open_store(args.judged) if args.reuse else judged_store(args.judged)
        hold(store, args.in_memory)
        judged = [q.text for q in load_queries(REPO / "tests" / "data" / "retrieval.toml")]
        answers = {**ask(store, judged, ("keyword", "hybrid", "semantic")),
                   **ask(store, QUERIES, ("keyword",))}
    else:
        store = open_store(args.store)
        hold(store, args.in_memory)
        answers = ask(store, QUERIES, ("keyword",))
    store.dispose()
    text = json.dumps(answers, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"{len(answers)} answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
