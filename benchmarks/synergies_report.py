"""The synergies benchmark's verdicts and table: the measured rates as fractions of the
machine's limits, the targets met, how quiet the machine was, and the Markdown table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synergies_limits import BLOCK

TARGET_QUERY_P95_MS = 50.0
TARGET_ALLPAIRS_S = 120.0
TARGET_ALLPAIRS_BYTES = 4e9  # 4 GB, decimal: the stricter reading
CACHE_RESIDENT = 64e6  # a matrix smaller than this may be read from the caches
BUSY_WARNING = 0.3  # CPUs other processes may keep busy before a phase counts as disturbed


@dataclass(frozen=True)
class Fraction:
    """A measured rate against the machine's limit."""

    value: float
    limit: float

    @property
    def share(self) -> float:
        return self.value / self.limit if self.limit else float("nan")


def derive(r: dict[str, Any]) -> None:
    """Fractions of the machine's limits, the targets met, how quiet the machine was."""
    lim = {k: v for k, v in r["limits"].items() if not v.get("failed")}
    q = r.get("query")
    d: dict[str, Any] = {}
    if q and "default" in lim:
        bw = lim["default"]["read_bw_2t"]["gb_per_s"]
        d["matrix_vector_share_of_read_bw"] = {
            "p50": Fraction(q["matrix_vector_gb_per_s"]["p50"], bw).share,
            "best": Fraction(q["matrix_vector_gb_per_s"]["best"], bw).share,
            "read_bw_gb_per_s": bw}
    for a in r["allpairs"].values():
        ct = a.get("limits_key", a.get("coretype", "default"))
        if a.get("failed") or ct not in lim:
            continue
        n = a["n"]
        flops = n * (n + 1) / 2 * 2 * 384
        gemm = lim[ct]["sgemm_2048_2t"]["gflops"]
        eff = flops / a["close_pairs_s"] / 1e9
        a["useful_flops"] = flops
        a["effective_gflops"] = eff
        a["share_of_sgemm"] = Fraction(eff, gemm).share
        bd = a.get("breakdown")
        if bd and bd.get("matmul_gflops"):
            bd["matmul_share_of_sgemm"] = Fraction(bd["matmul_gflops"], gemm).share
            bd["matmul_share_of_block_sgemm"] = Fraction(
                bd["matmul_gflops"], lim[ct]["sgemm_block"]["gflops"]).share
    r["derived"] = d
    met: dict[str, bool | None] = {}
    if q:
        met["semantic_p95_50ms"] = q["semantic"]["p95"] <= TARGET_QUERY_P95_MS
    ri = r.get("reingest")
    if ri:
        met["reingest_only_new_embedded"] = bool(ri["only_new_embedded"])
    for ct, a in r["allpairs"].items():
        if a.get("failed"):
            met[f"allpairs_{ct}"] = False
            continue
        met[f"allpairs_{ct}_2min"] = a["total_s"] <= TARGET_ALLPAIRS_S
        met[f"allpairs_{ct}_4GB"] = a["peak_rss_kb"] * 1024 <= TARGET_ALLPAIRS_BYTES
    r["targets_met"] = met
    busy = []
    for key in ("embed",):
        if r.get(key) and not r[key].get("reused"):
            busy.append(r[key]["meter"]["others_busy_cpus"])
    if q:
        busy.append(q["meter"]["others_busy_cpus"])
    busy += [v["meter"]["others_busy_cpus"] for v in [*lim.values(), *r["allpairs"].values()]
             if "meter" in v]
    r["max_others_busy_cpus"] = max(busy, default=0.0)


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown table (Measure | Result | Target), with notes below."""
    def verdict(ok: bool | None) -> str:
        return "" if ok is None else (" — **PASS**" if ok else " — **NO**")

    met = r["targets_met"]
    c = r["corpus"]
    rows = [f"Corpus: {c['documents']:,} documents, {c['paragraphs']:,} paragraphs "
            f"({c['distinct_paragraph_texts']:,} distinct texts; {c['mandates']:,} mandates, "
            f"{c['distinct_mandate_actions']:,} distinct actions), {c['embeddings']:,} vectors, "
            f"SQLite {c['db_bytes'] / 1e6:.0f} MB; {len(c['paragraphs_per_convention'])} "
            "conventions.", "",
            "| Measure | Result | Target |", "|---|---|---|"]
    e = r.get("embed")
    if e:
        tok = e["tokens"]
        reused = " (recorded when the database was built)" if e.get("reused") else ""
        rows.append(
            f"| Full embed (`embed_paragraphs`: distinct paragraph texts and mandate actions), "
            f"texts/s{reused} | **{e['texts_per_s']:.0f}/s**: "
            f"{e['embedded']:,} texts in {e['seconds'] / 60:.1f} min; the model "
            f"{e['model_share']:.0%} of it; {e['tokens_per_s']:,.0f} tokens/s; model load "
            f"{e['model_load_s']:.2f} s | (measured) |")
        rows.append(
            f"| Tokens per embedded text (WordPiece, [CLS]/[SEP] included) | mean "
            f"{tok['mean']:.0f}, p50 {tok['p50']:.0f}, p95 {tok['p95']:.0f}, max {tok['max']:,};"
            f" {tok['over_limit']:,} texts ({tok['over_limit'] / max(tok['texts'], 1):.1%}) cut "
            f"at {tok['limit']} | (measured) |")
        for key, label in (("paragraph_texts", "distinct paragraph texts"),
                           ("mandate_actions", "mandate actions (not also a paragraph)")):
            t = tok.get(key)
            if t:
                rows.append(f"| … {label}: {t['texts']:,} | mean {t['mean']:.0f}, p50 "
                            f"{t['p50']:.0f}, p95 {t['p95']:.0f}, max {t['max']:,}; "
                            f"{t['over_limit']:,} cut | (measured) |")
    ri = r.get("reingest")
    if ri:
        ee = ri["embed"]
        o = ri["ingest_outcomes"]
        rows.append(
            f"| Re-ingest after rewording one paragraph in {ri['changed_documents']} documents | "
            f"ingest {ri['ingest_s']:.1f} s ({o['updated']} updated, {o['unchanged']:,} "
            f"unchanged); embed again {ee['seconds']:.2f} s: **{ee['embedded']} embedded** "
            f"(new texts: {ri['expected_new_texts']}), {ee['kept']:,} kept, {ee['dropped']} "
            f"dropped (gone: {ri['expected_dropped_texts']}) | only new/changed texts embedded"
            f"{verdict(met.get('reingest_only_new_embedded'))} |")
    q = r.get("query")
    if q:
        s, h, k = q["semantic"], q["hybrid"], q["keyword"]
        st = q["steps_ms"]
        rows.append(
            f"| Semantic query incl. query embedding, p50 / p95 / p99 ({s['n']} runs of "
            f"{q['queries']} queries, warm index) | {s['p50']:.1f} / **{s['p95']:.1f}** / "
            f"{s['p99']:.1f} ms (max {s['max']:.0f}) | p95 ≤ {TARGET_QUERY_P95_MS:.0f} ms"
            f"{verdict(met.get('semantic_p95_50ms'))} |")
        rows.append(
            f"| … of which: embed the query / `matrix @ q` / top 100, p50 | "
            f"{st['encode_query']['p50']:.1f} / {st['matrix_vector_after_encode']['p50']:.1f}"
            f" / {st['top_100']['p50']:.1f} ms (the rest: fetching rows, snippets, topics) | — |")
        sb = q.get("spinning_before")
        if sb:
            rows.append(
                f"| Before, paired: the same semantic queries with onnxruntime's idle threads "
                f"spinning (as before `allow_spinning=0`), p50 / p95 / p99 | "
                f"{sb['semantic']['p50']:.1f} / {sb['semantic']['p95']:.1f} / "
                f"{sb['semantic']['p99']:.1f} ms, against {sb['semantic_paired_now']['p50']:.1f}"
                f" / {sb['semantic_paired_now']['p95']:.1f} / "
                f"{sb['semantic_paired_now']['p99']:.1f} ms now, query by query; steps p50 "
                f"{sb['steps_ms']['encode_query']['p50']:.1f} / "
                f"{sb['steps_ms']['matrix_vector_after_encode']['p50']:.1f} / "
                f"{sb['steps_ms']['top_100']['p50']:.1f} ms | (information) |")
        rows.append(f"| Hybrid query (keyword + semantic, fused), p50 / p95 / p99 | "
                    f"{h['p50']:.1f} / **{h['p95']:.1f}** / {h['p99']:.1f} ms (max "
                    f"{h['max']:.0f}) | (information) |")
        hs = q.get("hybrid_steps_ms")
        if hs:
            rows.append(
                f"| … its keyword leg (every word, then the capped any-word ranking), p50 / "
                f"p95 | {hs['keyword_leg']['p50']:.1f} / {hs['keyword_leg']['p95']:.1f} ms; "
                f"limit: FTS5 every-word ranking alone {hs['every_word_fts']['p50']:.1f} / "
                f"{hs['every_word_fts']['p95']:.1f} ms | (limit beside it) |")
        rows.append(f"| Keyword query (plain language, relaxed), p50 / p95 / p99 | "
                    f"{k['p50']:.1f} / {k['p95']:.1f} / {k['p99']:.1f} ms | (information) |")
        kp = q.get("keyword_page")
        if kp:
            rows.append(
                f"| Search page's keyword work, {kp['queries']} store queries of 2-3 words "
                f"× {kp['repeats']}, unfiltered: `find` keyword + facets, p50 / p95 | "
                f"{kp['page']['p50']:.1f} / **{kp['page']['p95']:.1f}** ms (`find` p95 "
                f"{kp['find']['p95']:.1f}, facets p95 {kp['facets']['p95']:.1f}; "
                f"{kp['facets_sampled_queries']} queries' facets sampled); limit: FTS5 alone, "
                f"top 20 by bm25 p50 {kp['fts5_top20']['p50']:.1f} / p95 "
                f"{kp['fts5_top20']['p95']:.1f} ms, counting the matches p95 "
                f"{kp['fts5_count']['p95']:.1f} ms | (limit beside it) |")
        rows.append(f"| Cold index load (first `vector_index`, {q['index_rows']:,} × 384 float32 "
                    f"= {q['matrix_bytes'] / 1e6:.0f} MB) | {q['cold_index_load_s']:.2f} s "
                    f"(a warm call: {q['warm_index_call_ms']:.2f} ms) | (information) |")
        dv = r["derived"].get("matrix_vector_share_of_read_bw")
        mv = q["matrix_vector_alone_ms"]
        if dv:
            rows.append(
                f"| `matrix @ q` alone: bytes read / time vs streaming read | p50 "
                f"{mv['p50']:.2f} ms = {q['matrix_vector_gb_per_s']['p50']:.1f} GB/s = "
                f"**{dv['p50']:.0%}** of {dv['read_bw_gb_per_s']:.1f} GB/s (best "
                f"{q['matrix_vector_gb_per_s']['best']:.1f} GB/s = {dv['best']:.0%})"
                + (" — the matrix fits in the CPU caches: not a memory figure"
                   if q["matrix_bytes"] < CACHE_RESIDENT else "")
                + " | (fraction of the limit) |")
    for ct, a in r["allpairs"].items():
        lim_key = a.get("limits_key", ct)
        label = "default OpenBLAS" if lim_key == "default" else f"OPENBLAS_CORETYPE={lim_key}"
        if a.get("mandate_vectors_added"):
            label += (f", {a['n']:,} vectors ({a['paragraph_vectors']:,} paragraphs' + "
                      f"{a['mandate_vectors_added']:,} mandate actions')")
        if a.get("failed"):
            rows.append(f"| All-pairs ({label}) | **failed** (exit {a['returncode']}) | — |")
            continue
        core = a["blas"].get("corename")
        rows.append(
            f"| All-pairs overlaps, {label} ({core} kernels): wall time | **{a['total_s']:.1f} s**"
            f" = load {a['load_s']:.1f} + `close_pairs` ≥ {r['threshold']} "
            f"{a['close_pairs_s']:.1f} + `neighbours_of` k={r['k']} {a['neighbours_s']:.1f}; "
            f"{a['pairs']:,} pairs, {a['rows_with_neighbours']:,} of {a['n']:,} rows with a "
            f"neighbour | ≤ {TARGET_ALLPAIRS_S / 60:.0f} min"
            f"{verdict(met.get(f'allpairs_{ct}_2min'))} |")
        rows.append(
            f"| All-pairs, {label}: peak RSS of the child | **{a['peak_rss_kb'] * 1024 / 1e9:.2f}"
            f" GB** (vectors loaded: {a['hwm_loaded_kb'] * 1024 / 1e9:.2f} GB) | ≤ 4 GB"
            f"{verdict(met.get(f'allpairs_{ct}_4GB'))} |")
        if "effective_gflops" in a:
            gemm = r["limits"][lim_key]["sgemm_2048_2t"]["gflops"]
            bd = a.get("breakdown")
            mm = (f"; the float32 products alone {bd['seconds']['products, float32']:.1f} s "
                  f"at {bd['matmul_gflops']:.0f} GFLOP/s = {bd['matmul_share_of_sgemm']:.0%}"
                  if bd and bd.get("matmul_gflops") else "")
            if bd and bd.get("int8_gops"):
                mm += (f"; the int8 products {bd['seconds']['products, int8']:.1f} s at "
                       f"{bd['int8_gops']:.0f} GOP/s; {bd['candidates']:,} pairs computed "
                       f"exactly for {bd['pairs']:,} kept")
            rows.append(
                f"| All-pairs, {label}: n(n+1)/2·2·384 FLOPs / `close_pairs` time vs SGEMM | "
                f"{a['effective_gflops']:.0f} GFLOP/s = **{a['share_of_sgemm']:.0%}** of "
                f"{gemm:.0f}{mm} | (fraction of the limit) |")
            if bd:
                parts = ", ".join(f"{k} {v:.1f}" for k, v in
                                  sorted(bd["seconds"].items(), key=lambda kv: -kv[1]))
                flat = (f"; before, on the same masks: 2-D `np.nonzero` took "
                        f"{bd['before_nonzero_2d_s']:.1f} s where `np.flatnonzero` + `divmod` "
                        f"takes {bd['seconds'].get('np.flatnonzero + divmod', float('nan')):.1f}"
                        " s" if "before_nonzero_2d_s" in bd else "")
                if bd.get("before_lexsort_s") is not None:
                    same = "the same order" if bd.get("lexsort_same_order") else \
                        "**another order**"
                    flat += (f"; the pairs' sort by one integer key "
                             f"{bd['seconds'].get('sort pairs', float('nan')):.1f} s where "
                             f"lexsort over three keys took {bd['before_lexsort_s']:.1f} s, "
                             f"{same}")
                rows.append(f"| All-pairs, {label}: where the time goes (instrumented copy, "
                            f"{bd['total_s']:.1f} s) | {parts} s{flat} | — |")
    for ct, lim in r["limits"].items():
        if lim.get("failed"):
            continue
        label = "default" if ct == "default" else ct
        rows.append(
            f"| Machine: SGEMM 2048³ float32, OpenBLAS {label} ({lim['blas'].get('corename')}) "
            f"| {lim['sgemm_2048_2t']['gflops']:.0f} GFLOP/s on 2 threads "
            f"({lim['sgemm_2048_1t']['gflops']:.0f} on 1); one all-pairs block "
            f"{BLOCK}×384×{lim['sgemm_block']['shape'][2]:,}: "
            f"{lim['sgemm_block']['gflops']:.0f} | (limit) |")
    if "default" in r["limits"] and not r["limits"]["default"].get("failed"):
        lim = r["limits"]["default"]
        rows.append(
            f"| Machine: streaming read, sgemv over {lim['read_bw_2t']['bytes'] / 2**30:.1f} GiB "
            f"float32 | {lim['read_bw_2t']['gb_per_s']:.1f} GB/s on 2 threads "
            f"({lim['read_bw_1t']['gb_per_s']:.1f} on 1) | (limit) |")
    rows.append("")
    m = r["machine"]
    v = m["versions"]
    cores = {ct: lim["blas"].get("corename") for ct, lim in r["limits"].items()
             if not lim.get("failed")}
    if cores.get("default") and cores.get("default") == cores.get("SkylakeX"):
        cpu = m.get("cpu", {})
        rows += [f"OpenBLAS recognises this CPU (family {cpu.get('cpu_family')}, model "
                 f"{cpu.get('model')}) and picks its {cores['default']} kernels by itself: "
                 "`OPENBLAS_CORETYPE=SkylakeX` changes nothing here, and the two runs differ "
                 "only by noise.", ""]
    rows.append(
        f"Machine: {m['cpu_model'] or m['processor']}, {m['cpu_count']} CPUs"
        f"{' (avx512f)' if m['avx512f'] else ''}, {m['memory_gb']:.0f} GB, "
        f"{m['implementation']} {m['python']}, numpy {v['numpy']} "
        f"({m['numpy_blas_build'].get('name')} {m['numpy_blas_build'].get('version')}), "
        f"onnxruntime {v['onnxruntime']}, tokenizers {v['tokenizers']}, SQLite {m['sqlite']}; "
        f"mode {r['mode']}, seed {r['seed']}; mealink {r['mealink_version']} sources "
        f"{r['source_digest']}; run {r['started']}, {r['total_wall_s'] / 60:.1f} min; load "
        f"average {m['loadavg_start'][0]:.2f} -> {m['loadavg_end'][0]:.2f}. The host is shared: "
        f"other processes kept at most {r['max_others_busy_cpus']:.2f} CPUs busy during a timed "
        "phase.")
    if r["max_others_busy_cpus"] > BUSY_WARNING:
        rows += ["", f"**Warning: other processes kept up to {r['max_others_busy_cpus']:.2f} "
                 "CPUs busy during a timed phase: the machine was not quiet; rerun the fast "
                 "parts with --reuse.**"]
    if r.get("source_changed_during_run"):
        rows += ["", "**Warning: the mealink sources changed during this run; rerun it.**"]
    return "\n".join(rows)
