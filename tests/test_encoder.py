"""The encoder's onnxruntime session: its idle threads sleep instead of spinning, so a query
embedded just before the matrix-vector product does not leave two threads busy-waiting on
the cores the product needs (benchmarks/README.md, search by meaning)."""

from __future__ import annotations

import pytest

from mealink.semantic.encoder import session_options


@pytest.mark.parametrize("key", ["session.intra_op.allow_spinning",
                                 "session.inter_op.allow_spinning"])
def test_idle_threads_do_not_spin(key: str) -> None:
    assert session_options(2).get_session_config_entry(key) == "0"


def test_threads_as_asked() -> None:
    opts = session_options(3)
    assert (opts.intra_op_num_threads, opts.inter_op_num_threads) == (3, 1)
