"""The full encoder alone (issue 18's row "embedding alone, >= 1,000 texts/s") beside what
bounds it, in one run on the same distinct texts: the 1,823 paragraph texts of
bench_embed.py's 100 resolutions (built from real sentences, in a temporary folder).

Variants, alternated round by round in one process (A B C A B C ...), each as
``Encoder.encode`` runs it (one session of one thread per core, batches of 8 in turn):

- shipped: mealink's encoder as it is: the fused graph (``mealink.semantic.fuse``: one
  MultiHeadAttention and one BiasGelu a layer) without onnxruntime's SkipLayerNormalization
  fusion (``encoder.SLOW_FUSIONS``);
- file graph: the model file's own graph, without SkipLayerNormalization;
- every fusion: the model file's own graph with onnxruntime's every fusion: the encoder of
  commit 96d6ce0, before both;
- int8 activations (needs the ``onnx`` package, in the bench extra): the fused graph with
  the same int8 weights, but each of the 36 weight products run by onnxruntime's
  ``DynamicQuantizeMatMul`` (activations quantized to uint8 per product, the product in
  integers) instead of in float32 after widening the weights: the issue's "int8
  everywhere". Its vectors differ; their cosine to the shipped ones is reported here, and
  ``MEALINK_MODEL_PATH=<its file> benchmarks/eval_search.py`` gives its P@10
  (``--keep-model`` keeps the file).

The limit: the weight products of the model cost 2 x 6 x (4 x 384 x 384 + 2 x 384 x 1536)
operations a token, whatever else it does. The float32 product (numpy's SGEMM) and the int8
one (onnxruntime's ``MatMulInteger``, as ``semantic.int8`` runs it) are timed on both cores
at the model's largest shape, 8 texts of the mean length by 384 by 1,536; dividing each rate
by the operations of a mean text gives the most texts a second the products alone allow.

Usage: .venv/bin/python benchmarks/bench_encoder.py [--rounds 3] [--out FILE]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_embed import write_resolutions
from harness import cli
from harness.provenance import machine, run_header, source_digest
from harness.timing import Meter

from mealink.semantic import encoder as encoder_module
from mealink.semantic.encoder import Encoder, _model_path
from mealink.semantic.fuse import fuse, prune
from mealink.semantic.int8 import Int8Product
from mealink.store import ingest, open_store

HIDDEN, INNER, LAYERS, BATCH = 384, 1536, 6, 8
#: multiply-adds x 2 of the weight products, per token
OPS_PER_TOKEN = 2 * LAYERS * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * INNER)


def resolution_texts(corpus: Path) -> list[str]:
    """The distinct paragraph texts of bench_embed's 100 resolutions, ingested unembedded."""
    from sqlalchemy import text

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        write_resolutions(folder, corpus)
        store = open_store(str(Path(tmp) / "texts.db"))
        ingest(store, [folder])
        with store.engine.connect() as conn:
            texts = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT text FROM paragraphs WHERE kind != 'heading' ORDER BY text"))]
        store.dispose()
    return texts


def int8_activation_model(source: Path, target: Path) -> int:
    """Writes ``source``, fused as ``mealink.semantic.fuse`` fuses it, with every MatMul by a
    widened int8 weight (``Cast`` then ``Mul`` by a scale per column) turned into
    ``DynamicQuantizeMatMul`` on the int8 weight and its scales; returns how many."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    fuse(model)
    graph = model.graph
    constants = {t.name: t for t in graph.initializer}
    made_by = {out: node for node in graph.node for out in node.output}
    nodes, turned = [], 0
    for node in graph.node:
        widened = made_by.get(node.input[1]) if node.op_type == "MatMul" else None
        cast = made_by.get(widened.input[0]) if widened and widened.op_type == "Mul" else None
        if (widened is None or cast is None or cast.op_type != "Cast"
                or cast.input[0] not in constants or widened.input[1] not in constants):
            nodes.append(node)
            continue
        scale = numpy_helper.to_array(constants[widened.input[1]]).reshape(-1)
        graph.initializer.append(numpy_helper.from_array(scale, widened.input[1] + "_columns"))
        nodes.append(helper.make_node("DynamicQuantizeMatMul",
                                      [node.input[0], cast.input[0], widened.input[1] + "_columns"],
                                      list(node.output), name=node.name + "_int8",
                                      domain="com.microsoft"))
        turned += 1
    prune(model, nodes)  # the widenings are read no more
    onnx.save(model, str(target))
    return turned


@contextmanager
def file_graph(*, every_fusion: bool) -> Iterator[None]:
    """Encoders loaded meanwhile run the model file's own graph, with onnxruntime's every
    fusion if ``every_fusion`` (the encoder before ``SLOW_FUSIONS``)."""
    kept = encoder_module.SLOW_FUSIONS, encoder_module.fused_graph
    encoder_module.fused_graph = lambda model_file: None
    if every_fusion:
        encoder_module.SLOW_FUSIONS = ()
    try:
        yield
    finally:
        encoder_module.SLOW_FUSIONS, encoder_module.fused_graph = kept


def warmed(encoder: Encoder, texts: list[str]) -> Encoder:
    """``encoder`` with its sessions built (enough texts for the sessions in turn)."""
    encoder.encode(texts[:80])
    return encoder


def product_rates(tokens: float, repeats: int = 30) -> dict[str, Any]:
    """GOP/s of the float32 and int8 products at 8 mean texts x 384 x 1,536, on both cores."""
    rng = np.random.default_rng(20261207)
    rows = max(1, round(BATCH * tokens))
    left = rng.standard_normal((rows, HIDDEN), dtype=np.float32)
    right = rng.standard_normal((HIDDEN, INNER), dtype=np.float32)
    left8 = rng.integers(0, 256, (rows, HIDDEN), dtype=np.uint8)
    # Int8Product multiplies by its matrix's transpose: 1,536 rows of 384
    int8 = Int8Product(rng.integers(-127, 128, (INNER, HIDDEN), dtype=np.int8), threads=2)
    ops = 2 * rows * HIDDEN * INNER
    out: dict[str, Any] = {"rows": rows}
    for name, run in (("float32_sgemm", lambda: left @ right), ("int8_matmulinteger",
                                                               lambda: int8.run(left8))):
        for _ in range(3):
            run()
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
        out[name + "_gops"] = round(ops / best / 1e9, 1)
    return out


def main() -> None:
    ap = cli.parser(__doc__)
    cli.add_real_texts(ap, examples=False)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--keep-model", type=Path, default=None,
                    help="write the int8-activation model here and keep it")
    args = ap.parse_args()
    log = cli.progress_log()
    digest = source_digest()
    res: dict[str, Any] = {**run_header(digest), "machine": machine()}
    texts = resolution_texts(args.corpus)
    log(f"{len(texts)} distinct texts")
    shipped_path = _model_path()
    variants: dict[str, Encoder] = {"shipped": warmed(Encoder(shipped_path), texts)}
    if not variants["shipped"].fused:
        raise SystemExit("the encoder does not run its fused graph here: see the log")
    for name, every in (("file graph", False), ("every fusion", True)):
        with file_graph(every_fusion=every):
            variants[name] = warmed(Encoder(shipped_path), texts)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            import onnx  # noqa: F401
        except ImportError:
            log("no onnx package (pip install -e '.[bench]'): int8 activations not measured")
        else:
            target = args.keep_model or Path(tmp) / "int8-activations.onnx"
            res["int8_activation_products"] = int8_activation_model(shipped_path, target)
            os.environ["MEALINK_MODEL_PATH"] = str(target)  # another model file, knowingly
            variants["int8 activations"] = warmed(Encoder(target), texts)
        tokenizer = variants["shipped"]._tokenizer
        lengths = [sum(e.attention_mask) for e in tokenizer.encode_batch(texts)]
        tokens = statistics.fmean(lengths)
        res["texts"], res["mean_tokens"] = len(texts), round(tokens, 1)
        rates: dict[str, list[float]] = {name: [] for name in variants}
        vectors: dict[str, Any] = {}
        others: list[float] = []
        for round_no in range(args.rounds):
            for name, model in variants.items():
                with Meter() as m:
                    vectors[name] = model.encode(texts)
                rates[name].append(round(len(texts) / m.wall, 1))
                others.append(m.others)
                log(f"round {round_no + 1}: {name} {rates[name][-1]} texts/s")
    res["texts_per_s"] = rates
    res["others_busy_cpus_max"] = round(max(others), 2)
    res["agreement_with_shipped"] = {}
    for name, got in vectors.items():
        cos = (got * vectors["shipped"]).sum(axis=1)
        res["agreement_with_shipped"][name] = {
            "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 6),
            "max_abs_difference": float(np.abs(got - vectors["shipped"]).max())}
    limits = product_rates(tokens)
    per_text = OPS_PER_TOKEN * tokens
    limits["ops_per_text_weight_products"] = round(per_text)
    for key in ("float32_sgemm", "int8_matmulinteger"):
        limits[key + "_ceiling_texts_per_s"] = round(limits[key + "_gops"] * 1e9 / per_text)
    res["limits"] = limits
    res["loadavg_end"] = list(os.getloadavg())
    if source_digest() != digest:
        res["warning"] = "mealink's sources changed during the run"
    out = args.out or Path(__file__).resolve().parent / "results-encoder.json"
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(f"{len(texts)} texts, {tokens:.1f} tokens mean; other processes at most "
          f"{res['others_busy_cpus_max']} CPUs\n")
    print("| encoder | texts/s, best (each round) | cosine to shipped, min / mean |")
    print("|---|---:|---|")
    for name, got in rates.items():
        agree = res["agreement_with_shipped"][name]
        print(f"| {name} | {max(got)} ({', '.join(map(str, got))}) | "
              f"{agree['cosine_min']} / {agree['cosine_mean']} |")
    print(f"\nlimit, same run: SGEMM {limits['float32_sgemm_gops']} GFLOP/s -> at most "
          f"{limits['float32_sgemm_ceiling_texts_per_s']} texts/s; int8 MatMulInteger "
          f"{limits['int8_matmulinteger_gops']} GOP/s -> at most "
          f"{limits['int8_matmulinteger_ceiling_texts_per_s']} texts/s "
          f"({per_text / 1e9:.2f} GOP of weight products a text)")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
