"""Distil the sentence encoder into a static table: one vector per WordPiece token.

model2vec's method, done with what mealink ships (the int8 ONNX encoder and its tokenizer;
no PyTorch, nothing downloaded): every vocabulary token is embedded as the one-token text
"[CLS] token [SEP]" and the encoder's output at the token's own position is its row (on the
judged queries of ``tests/data/retrieval.toml`` this gave semantic P@10 0.455 where the
mean over the three positions gave 0.410; see the README), the rows are reduced by PCA to
``dims`` dimensions, and each row is weighted by SIF (``sif / (sif + p)``, with ``p`` the
token's Zipf probability from its rank in the vocabulary, which the BERT vocabulary lists
most frequent first), so that frequent tokens count for little in a text's mean. Rows are
stored as int8 with one float32 scale per row.

Run once (about a minute on two cores), by hand, when the encoder or the method changes:
``python -m mealink.semantic.distill``; it writes ``data/minilm/static.npz`` and records
the file's SHA-256, the dimensions and the parameters in ``data/minilm/static.toml``, which
``mealink.semantic.static`` checks before use.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mealink.semantic.encoder import MODEL_ID, MODEL_SHA256, Encoder

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["DistillParams", "distil", "quantise", "write_table"]

#: tokens of the BERT vocabulary that never occur in text: padding and [unused0..993]
_FIRST_REAL = 999
_CLS, _SEP = 101, 102


@dataclass(frozen=True, slots=True)
class DistillParams:
    """The choices of a distillation (recorded beside the table)."""

    dims: int = 256
    sif: float = 1e-4
    batch: int = 1024


def token_vectors(enc: Encoder, vocab_size: int, *, batch: int = 1024
                  ) -> NDArray[np.float32]:
    """The encoder's output at the token's position for each token alone,
    "[CLS] token [SEP]" (rows of the tokens that never occur in text are zero)."""
    session = enc.session()
    out = np.zeros((vocab_size, 384), dtype=np.float32)
    for at in range(_FIRST_REAL, vocab_size, batch):
        ids = np.arange(at, min(at + batch, vocab_size), dtype=np.int64)
        x = np.stack([np.full_like(ids, _CLS), ids, np.full_like(ids, _SEP)], axis=1)
        hidden = session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x),
                                    "token_type_ids": np.zeros_like(x)})[0]
        out[ids] = hidden[:, 1]
    return out


def distil(raw: NDArray[np.float32], params: DistillParams) -> NDArray[np.float32]:
    """PCA of the real tokens' rows to ``params.dims``, each row weighted by SIF on its
    Zipf probability (rank in the vocabulary)."""
    real = raw[_FIRST_REAL:].astype(np.float64)
    centred = real - real.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:params.dims].T
    rank = np.arange(1, len(real) + 1, dtype=np.float64)
    zipf = (1 / rank) / (1 / rank).sum()
    weight = params.sif / (params.sif + zipf)
    table = np.zeros((len(raw), params.dims), dtype=np.float32)
    table[_FIRST_REAL:] = (reduced * weight[:, None]).astype(np.float32)
    return table


def quantise(table: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
    """int8 rows and the float32 scale of each (row ≈ int8 × scale)."""
    scale = np.abs(table).max(axis=1) / 127
    scale = np.where(scale > 0, scale, 1).astype(np.float32)
    rows = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    return rows, scale


def write_table(folder: Path, rows: NDArray[np.int8], scale: NDArray[np.float32],
                params: DistillParams) -> str:
    """Write ``static.npz`` and its record ``static.toml``; return the file's SHA-256."""
    buf = io.BytesIO()
    np.savez_compressed(buf, rows=rows, scale=scale)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    (folder / "static.npz").write_bytes(data)
    (folder / "static.toml").write_text(
        "# Written by `python -m mealink.semantic.distill`: the static table distilled from\n"
        "# the sentence encoder (see that module). Do not edit by hand.\n"
        f'sha256 = "{digest}"\n'
        f"vocab = {rows.shape[0]}\n"
        f"dims = {rows.shape[1]}\n"
        f"sif = {params.sif}\n"
        f'teacher = "{MODEL_ID}"\n'
        f'teacher_sha256 = "{MODEL_SHA256}"\n'
        f"bytes = {len(data)}\n", encoding="utf-8")
    return digest


def main() -> None:
    """Distil the encoder and write the table into the package's data folder."""
    default = DistillParams()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", type=int, default=default.dims)
    ap.add_argument("--sif", type=float, default=default.sif)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "data" / "minilm")
    args = ap.parse_args()
    params = DistillParams(dims=args.dims, sif=args.sif)
    enc = Encoder()
    t0 = time.perf_counter()
    raw = token_vectors(enc, enc.vocab_size(), batch=params.batch)
    rows, scale = quantise(distil(raw, params))
    seconds = time.perf_counter() - t0
    digest = write_table(args.out, rows, scale, params)
    print(f"{args.out / 'static.npz'}: {rows.shape[0]} x {rows.shape[1]} int8, "
          f"sha256 {digest[:12]}…, {seconds:.0f} s")


if __name__ == "__main__":
    main()
