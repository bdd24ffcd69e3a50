"""The fused encoder graph shipped in mealink is exactly what ``mealink.semantic.fuse``
writes from the installed model (no hand-made file), and a graph of another shape is refused
with one line rather than fused wrongly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mealink.semantic.encoder import FUSED_GRAPH, FUSED_RECORD, EncoderError, data_folder
from mealink.semantic.fuse import fuse, main


def test_the_shipped_graph_is_what_the_script_writes(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["--out", str(tmp_path)])
    assert "fused 6 attentions and 6 GELUs" in capsys.readouterr().out
    assert (tmp_path / FUSED_GRAPH).read_bytes() == (data_folder() / FUSED_GRAPH).read_bytes()
    assert (tmp_path / FUSED_RECORD).read_text() == (data_folder() / FUSED_RECORD).read_text()
    record = tomllib.loads((tmp_path / FUSED_RECORD).read_text())
    assert (record["attention_fused"], record["gelu_fused"]) == (6, 6)  # one a layer


def test_an_attention_of_another_shape_is_refused() -> None:
    """A Softmax whose output is not guarded as the exported attention's is: one line
    naming what was expected, and the model is left as it was."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], "other",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph)
    before = model.SerializeToString()
    with pytest.raises(EncoderError, match="read by 0 Where, not one"):
        fuse(model)
    assert model.SerializeToString() == before
