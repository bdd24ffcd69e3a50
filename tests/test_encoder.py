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


def _sentences() -> list[str]:
    """Lines of the real texts in ``examples/``, of many lengths."""
    from pathlib import Path

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
