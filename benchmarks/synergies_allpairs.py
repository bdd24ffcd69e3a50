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
    each (its pair count is checked against the library's): the rows sorted by group, the
    int8 copy, the products (int8 for a group with many, else float32), the cells whose
    estimate reaches the threshold less its bound, their exact similarities, the sort; and
    how many candidates the estimate let through for the pairs kept."""
    from itertools import pairwise

    import numpy as np
    from numpy.typing import NDArray

    from mealink.semantic.closest import (
        exact_pairs,
        float32_error,
        longest_row,
        rounding_margin,
    )
    from mealink.semantic.int8 import Int8Product, quantize_shared, shifted
    from mealink.semantic.neighbours import (
        INT8_PRODUCTS,
        largest_group_first,
        most_similar_first,
    )

    t: defaultdict[str, float] = defaultdict(float)
    clock = time.perf_counter
    c = clock()
    n = len(vectors)
    order, g = largest_group_first(groups)
    x = np.ascontiguousarray(vectors[order], dtype=np.float32)
    edges = [0, *(np.flatnonzero(np.diff(g)) + 1).tolist(), n]
    level = float(np.float32(threshold))
    floor = level - rounding_margin(level)
    longest = longest_row(x)
    error = float32_error(x.shape[1], longest, longest)
    float32_cut = np.nextafter(np.float32(floor - error), np.float32(-np.inf))
    t["sort rows by convention"] += clock() - c
    lefts, rights, sims = [], [], []
    int8_products = float32_products = candidates = 0
    shared = None
    cells = min(block, n) * (n - edges[1]) if len(edges) > 2 else 0
    products = np.empty(cells, dtype=np.float32)  # one block's, reused as the library does
    close = np.empty(cells, dtype=np.bool_)
    for gs, ge in pairwise(edges):
        later = x[ge:]
        if not len(later):
            break
        engine = None
        if (ge - gs) * len(later) >= INT8_PRODUCTS:
            c = clock()
            if shared is None:
                shared = quantize_shared(x)
            t["int8 copy of the rows"] += clock() - c
            c = clock()
            engine = Int8Product(shared.values[ge:])
            t["int8 sessions"] += clock() - c
        for b0 in range(gs, ge, block):
            b1 = min(ge, b0 + block)
            size = (b1 - b0) * len(later)
            c = clock()
            if engine is not None and shared is not None:
                s: NDArray[Any] = products[:size].view(np.int32).reshape(b1 - b0,
                                                                         len(later))
                engine.run_into(shifted(shared.values[b0:b1]), s)
                bound = shared.bound(slice(b0, b1), slice(ge, n))
                cutoff: Any = int(np.floor((floor - bound) / shared.scale ** 2))
                t["products, int8"] += clock() - c
                int8_products += size
            else:
                s = products[:size].reshape(b1 - b0, len(later))
                np.matmul(x[b0:b1], later.T, out=s)
                cutoff = float32_cut
                t["products, float32"] += clock() - c
                float32_products += size
            c = clock()
            mask = np.greater_equal(s, cutoff, out=close[:size].reshape(s.shape))
            t["estimate >= threshold - bound"] += clock() - c
            c = clock()
            flat = np.flatnonzero(mask)
            i, j = np.divmod(flat, mask.shape[1])
            t["np.flatnonzero + divmod"] += clock() - c
            if len(flat):
                c = clock()
                i += b0
                j += ge
                sim = exact_pairs(x, i, j)
                candidates += len(sim)
                t["exact similarities"] += clock() - c
                c = clock()
                kept = sim >= threshold
                lefts.append(i[kept])
                rights.append(j[kept])
                sims.append(sim[kept])
                t["gather pairs"] += clock() - c
    del products, close
    c = clock()
    count = 0
    if lefts:
        a = order[np.concatenate(lefts)]
        cc = order[np.concatenate(rights)]
        sim = np.concatenate(sims).astype(np.float32)
        lo, hi = np.minimum(a, cc), np.maximum(a, cc)
        count = len(most_similar_first(lo, hi, sim, n))
    t["sort pairs"] += clock() - c
    return {"seconds": dict(t), "total_s": sum(t.values()), "pairs": count,
            "candidates": candidates, "int8_products": int8_products,
            "float32_products": float32_products,
            "int8_gops": 2 * 384 * int8_products / t["products, int8"] / 1e9
            if t["products, int8"] else None,
            "matmul_gflops": 2 * 384 * float32_products / t["products, float32"] / 1e9
            if t["products, float32"] else None}
