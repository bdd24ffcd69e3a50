"""Target 3 of the synergies benchmark, the overlap search, as a child process runs it:
load the vectors, ``close_pairs`` and ``neighbours_of``, with wall times and the child's own
peak RSS; and an instrumented copy of ``close_pairs``'s loop that shows where the time goes."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from typing import Any

from harness.corpus import SEED
from harness.memory import reset_peak_rss, status_kb
from synergies_limits import BLOCK, blas_runtime


def child_allpairs(opts: dict[str, Any]) -> dict[str, Any]:
    """The overlap search as a job would run it: load the vectors, ``close_pairs``,
    ``neighbours_of``; wall times and this process's peak RSS; then an instrumented copy
    of the loop for the breakdown."""
    from mealink.semantic.neighbours import close_pairs, neighbours_of
    from mealink.store import open_store
    from mealink.store.search.vectors import vector_index

    threshold, k = float(opts["threshold"]), int(opts["k"])
    out: dict[str, Any] = {"blas": blas_runtime(), "rss_start_kb": status_kb("VmRSS")}
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
                "rss_loaded_kb": status_kb("VmRSS"), "hwm_loaded_kb": status_kb("VmHWM")})
    out["peak_reset"] = reset_peak_rss()  # so the search's own peak shows apart
    t0 = time.perf_counter()
    pairs = close_pairs(x, groups, threshold, block=BLOCK)
    out["close_pairs_s"] = time.perf_counter() - t0
    out["hwm_close_pairs_kb"] = status_kb("VmHWM")
    t0 = time.perf_counter()
    nb = neighbours_of(pairs, n, k)
    out["neighbours_s"] = time.perf_counter() - t0
    out["total_s"] = time.perf_counter() - t_all
    out["hwm_search_kb"] = status_kb("VmHWM")
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
    each (its pair count is checked against the library's); and, not counted in them, the
    three-key lexsort that ordered the pairs before (and whether its order is the same), how
    long the 2-D ``np.nonzero`` the library called before takes to find the same cells as
    the ``np.flatnonzero`` + ``divmod`` it calls now, and how many products the blocks of
    before (every row against every later row, then cleared) would have executed."""
    from itertools import pairwise

    import numpy as np

    from mealink.semantic.neighbours import most_similar_first

    t: defaultdict[str, float] = defaultdict(float)
    clock = time.perf_counter
    c = clock()
    n = len(vectors)
    order = np.argsort(groups, kind="stable")
    x = np.ascontiguousarray(vectors[order], dtype=np.float32)
    g = np.asarray(groups)[order]
    edges = [0, *(np.flatnonzero(np.diff(g)) + 1).tolist(), n]
    t["sort rows by convention"] += clock() - c
    lefts, rights, sims = [], [], []
    before, same_indices, executed = 0.0, True, 0
    cells = min(block, n) * (n - edges[1]) if len(edges) > 2 else 0
    products = np.empty(cells, dtype=np.float32)  # one block's, reused as the library does
    close = np.empty(cells, dtype=np.bool_)
    for gs, ge in pairwise(edges):
        later = x[ge:]
        if not len(later):
            break
        for b0 in range(gs, ge, block):
            b1 = min(ge, b0 + block)
            c = clock()
            size = (b1 - b0) * len(later)
            s = products[:size].reshape(b1 - b0, len(later))
            np.matmul(x[b0:b1], later.T, out=s)
            t["matrix products"] += clock() - c
            executed += (b1 - b0) * (n - ge)
            c = clock()
            mask = np.greater_equal(s, threshold, out=close[:size].reshape(s.shape))
            t["s >= threshold"] += clock() - c
            c = clock()
            flat = np.flatnonzero(mask)
            i, j = np.divmod(flat, mask.shape[1])
            t["np.flatnonzero + divmod"] += clock() - c
            # before, not counted: the same indices from the 2-D mask
            c = clock()
            bi, bj = np.nonzero(mask)
            before += clock() - c
            same_indices = same_indices and np.array_equal(bi, i) and np.array_equal(bj, j)
            del mask, bi, bj
            c = clock()
            if len(i):
                lefts.append(i + b0)
                rights.append(j + ge)
                sims.append(s.reshape(-1)[flat])
            t["gather pairs"] += clock() - c
    del products, close
    c = clock()
    count = 0
    if lefts:
        a = order[np.concatenate(lefts)]
        cc = order[np.concatenate(rights)]
        sim = np.concatenate(sims).astype(np.float32)
        lo, hi = np.minimum(a, cc), np.maximum(a, cc)
        rank = most_similar_first(lo, hi, sim, n)
        count = len(rank)
    t["sort pairs"] += clock() - c
    lexsort_s: float | None = None
    same_order: bool | None = None
    if lefts:  # before, not counted: lexsort over the three keys, the same order
        c = clock()
        same_order = bool(np.array_equal(np.lexsort((hi, lo, -sim)), rank))
        lexsort_s = clock() - c
    executed_before = sum((min(n, b0 + block) - b0) * (n - b0) for b0 in range(0, n, block))
    return {"seconds": dict(t), "total_s": sum(t.values()), "pairs": count,
            "before_lexsort_s": lexsort_s, "lexsort_same_order": same_order,
            "before_nonzero_2d_s": before, "before_same_cells": same_indices,
            "matmul_flops_executed": 2 * 384 * executed,
            "matmul_flops_executed_before": 2 * 384 * executed_before,
            "matmul_gflops": 2 * 384 * executed / t["matrix products"] / 1e9
            if t["matrix products"] else None}
