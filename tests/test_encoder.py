"""The encoder's onnxruntime session: its idle threads sleep instead of spinning, so a query
embedded just before the matrix-vector product does not leave two threads busy-waiting on
the cores the product needs (benchmarks/README.md, search by meaning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink.semantic.encoder import session_options


@pytest.mark.parametrize("key", ["session.intra_op.allow_spinning",
                                 "session.inter_op.allow_spinning"])
def test_idle_threads_do_not_spin(key: str) -> None:
    assert session_options(2).get_session_config_entry(key) == "0"


def test_threads_as_asked() -> None:
    opts = session_options(3)
    assert (opts.intra_op_num_threads, opts.inter_op_num_threads) == (3, 1)


def _sentences() -> list[str]:
    """Lines of the real texts in ``examples/``, of many lengths."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    lines = [ln.strip() for f in sorted(examples.glob("*.txt"))
             for ln in f.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 20]
    return list(dict.fromkeys(lines))[:150]


def test_sessions_in_turn_give_the_vectors_of_one_session() -> None:
    """From 64 texts, sessions of one thread each take the batches in turn: every vector is
    the one a single session gives, bit for bit, and progress ends at every text."""
    from mealink.semantic.encoder import Encoder

    texts = _sentences()
    assert len(texts) >= 100
    seen: list[int] = []
    bulk = Encoder(threads=2)
    got = bulk.encode(texts, on_batch=seen.append)
    assert len(bulk._bulk) == 2  # the sessions in turn did run
    one = Encoder(threads=1).encode(texts, batch_size=32)
    assert (got == one).all()
    assert seen == sorted(seen) and seen[-1] == len(texts)


def test_a_failing_batch_stops_the_others() -> None:
    """A batch that fails is raised, and the sessions take no more batches after it."""
    import threading

    from mealink.semantic.encoder import _in_turn

    taken: list[int] = []
    lock = threading.Lock()

    def embed(session: object, batch: list[int]) -> None:
        with lock:
            taken.append(batch[0])
        if batch[0] == 3:
            raise ValueError("batch 3")

    with pytest.raises(ValueError, match="batch 3"):
        _in_turn(["a", "b"], [[i] for i in range(1000)], embed, None)
    assert 3 in taken and len(taken) < 10
    done: list[int] = []
    everything: list[int] = []
    _in_turn(["a", "b"], [[i] for i in range(50)],
             lambda s, b: everything.append(b[0]), done.append)
    assert sorted(everything) == list(range(50)) and done[-1] == 50


def _plain_session(optimized_path: Path | None = None) -> object:
    """A session of the model file's own graph with onnxruntime's every fusion: the encoder
    as it was before ``SLOW_FUSIONS`` and the fused graph (``optimized_path`` keeps the graph
    as onnxruntime optimized it)."""
    import onnxruntime as ort

    from mealink.semantic.encoder import _model_path

    options = session_options(1)
    if optimized_path is not None:
        options.optimized_model_filepath = str(optimized_path)
    return ort.InferenceSession(str(_model_path()), sess_options=options,
                                providers=["CPUExecutionProvider"])


def _ops(graph: bytes) -> set[str]:
    """The operator names that occur in a serialized graph (enough to tell what runs)."""
    names = ("SkipLayerNormalization", "MultiHeadAttention", "BiasGelu", "Softmax", "Erf")
    return {name for name in names if name.encode() in graph}


def test_the_encoder_runs_the_fused_graph(tmp_path: Path) -> None:
    """The encoder's sessions run the shipped fused graph: one MultiHeadAttention and one
    BiasGelu a layer, no Softmax or Erf of their own, and no SkipLayerNormalization; the
    model file's own graph with every fusion has the last and not the first two (so each
    check can fail)."""
    from mealink.semantic.encoder import Encoder, _model_path, fused_graph, new_session

    assert Encoder(threads=1).fused
    graph = fused_graph(_model_path())
    assert graph is not None
    ours, plain = tmp_path / "ours.onnx", tmp_path / "plain.onnx"
    new_session(_model_path(), 1, graph=graph, optimized_path=ours)
    _plain_session(plain)
    assert _ops(ours.read_bytes()) == {"MultiHeadAttention", "BiasGelu"}
    assert _ops(plain.read_bytes()) == {"SkipLayerNormalization", "Softmax", "Erf"}


def test_a_graph_that_is_not_the_recorded_one_is_refused(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A fused graph whose bytes are not the ones its record names is an error, not run."""
    import shutil

    from mealink.semantic import encoder as module

    folder = tmp_path / "minilm"
    shutil.copytree(module.data_folder(), folder)
    graph = folder / module.FUSED_GRAPH
    raw = graph.read_bytes()
    graph.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # one bit of the last byte turned
    monkeypatch.setattr(module, "data_folder", lambda: folder)
    with pytest.raises(module.EncoderError, match=r"not the file fused\.toml records"):
        module.fused_graph(module._model_path())


def test_vectors_of_the_fused_graph_are_the_plain_ones() -> None:
    """The fused graph computes the same sums in another order: every coordinate of every
    vector within 1e-5 of the model file's own graph's, on real sentences of many lengths
    embedded in padded batches (so the attention mask is exercised)."""
    import numpy as np

    from mealink.semantic.encoder import Encoder

    texts = _sentences()
    encoder = Encoder(threads=1)
    assert encoder.fused
    for at in range(0, 96, 16):
        batch = texts[at:at + 16]  # unsorted: lengths differ within a batch
        ours = encoder._run(batch, encoder.session())
        plain = encoder._run(batch, _plain_session())
        assert np.abs(ours - plain).max() < 1e-5
