"""The static table shipped in mealink: it is the file its record names, of the recorded
shape, and a text's static vector is a deterministic unit vector that ranks texts by
meaning (the same subject in other words above another subject)."""

from __future__ import annotations

import hashlib
import io
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from mealink.semantic.distill import DistillParams, distil, quantise, write_table
from mealink.semantic.encoder import MODEL_ID, MODEL_SHA256
from mealink.semantic.static import StaticEncoder, static_encoder, table_record


def test_the_shipped_table_is_the_one_the_script_recorded() -> None:
    record = table_record()
    data = resources.files("mealink.data").joinpath("minilm/static.npz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == record["sha256"]
    assert len(data) == record["bytes"]
    with np.load(io.BytesIO(data)) as npz:
        rows, scale = npz["rows"], npz["scale"]
    assert rows.dtype == np.int8 and scale.dtype == np.float32
    assert rows.shape == (record["vocab"], record["dims"]) and scale.shape == (record["vocab"],)
    # distilled from the encoder mealink runs today
    assert (record["teacher"], record["teacher_sha256"]) == (MODEL_ID, MODEL_SHA256)
    assert static_encoder().model_id.startswith(f"minilm-static-{record['dims']}-")
    assert static_encoder().model_id != MODEL_ID


def test_a_texts_static_vector_is_deterministic_and_unit() -> None:
    text = ("Urges Parties to develop and implement national action plans to prevent the "
            "introduction of invasive alien species on islands;")
    a = StaticEncoder().encode([text, "Decides to close the meeting."])
    b = StaticEncoder().encode(["Decides to close the meeting.", text])
    assert a.shape == (2, table_record()["dims"]) and a.dtype == np.float32
    assert np.array_equal(a[0], b[1]) and np.array_equal(a[1], b[0])
    assert np.array_equal(static_encoder().encode_one(text), a[0])
    assert np.linalg.norm(a, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)


def test_a_text_without_tokens_gets_zeros() -> None:
    out = static_encoder().encode(["", "  ", "climate change"])
    assert not out[0].any() and not out[1].any() and out[2].any()


@pytest.mark.parametrize(("query", "same", "other"), [
    ("plastic rubbish in the sea",
     "Requests Parties to reduce marine litter and microplastics in the oceans;",
     "Approves the budget of the Secretariat for the biennium;"),
    ("global warming and migrating animals",
     "Noting that climate change affects migratory species and their habitats,",
     "Invites Parties to report on the trade in specimens of listed species;"),
    ("money for developing countries",
     "Urges donors to provide financial resources to developing country Parties;",
     "Decides that the next meeting shall be held in Geneva;"),
])
def test_static_vectors_rank_by_meaning(query: str, same: str, other: str) -> None:
    q, s, o = static_encoder().encode([query, same, other])
    assert float(q @ s) > float(q @ o)


def test_quantising_keeps_each_row_within_half_a_step() -> None:
    rng = np.random.default_rng(20261206)
    table = rng.normal(size=(50, 8)).astype(np.float32)
    table[0] = 0
    rows, scale = quantise(table)
    assert np.all(np.abs(rows.astype(np.float32) * scale[:, None] - table)
                  <= scale[:, None] / 2 + 1e-7)
    assert not rows[0].any()


def test_distil_reduces_weights_and_leaves_unused_tokens_zero() -> None:
    rng = np.random.default_rng(20261206)
    raw = rng.normal(size=(1200, 384)).astype(np.float32)
    table = distil(raw, DistillParams(dims=16))
    assert table.shape == (1200, 16) and not table[:999].any()
    norms = np.linalg.norm(table[999:], axis=1)
    # SIF: the first (most frequent) tokens weigh less than the last
    assert norms[:20].mean() < norms[-20:].mean()


def test_the_script_records_what_it_writes(tmp_path: Path) -> None:
    rng = np.random.default_rng(20261206)
    rows, scale = quantise(rng.normal(size=(1100, 12)).astype(np.float32))
    digest = write_table(tmp_path, rows, scale, DistillParams(dims=12))
    record = tomllib.loads((tmp_path / "static.toml").read_text(encoding="utf-8"))
    data = (tmp_path / "static.npz").read_bytes()
    assert record["sha256"] == digest == hashlib.sha256(data).hexdigest()
    assert (record["vocab"], record["dims"], record["bytes"]) == (1100, 12, len(data))
    with np.load(io.BytesIO(data)) as npz:
        assert np.array_equal(npz["rows"], rows) and np.array_equal(npz["scale"], scale)
