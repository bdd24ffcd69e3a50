"""Static sentence vectors: a text's vector is the mean of its WordPiece tokens' rows in a
table distilled from the sentence encoder (``mealink.semantic.distill``), L2-normalised.

No neural network runs: tokenising and one gather per text, so it embeds thousands of texts
a second on one core where the encoder embeds tens. It ranks less well than the encoder
(README, "Static vectors"), so search re-ranks its top hits with the encoder. The table
(``data/minilm/static.npz``, int8 rows with a float32 scale each) ships in mealink and is
checked against the SHA-256 that ``data/minilm/static.toml`` records; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import threading
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mealink.errors import MealinkError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["StaticEncoder", "TextEncoder", "static_encoder", "table_record"]


class TextEncoder(Protocol):
    """What turns texts into unit vectors of one named space (the encoder, the static
    table)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str], *, batch_size: int = 32,
               on_batch: Callable[[int], None] | None = None) -> NDArray[np.float32]: ...

    def encode_one(self, text: str) -> NDArray[np.float32]: ...


@cache
def table_record() -> dict[str, Any]:
    """What ``data/minilm/static.toml`` records of the shipped table (sha256, vocab, dims,
    the parameters and the encoder it was distilled from)."""
    raw = resources.files("mealink.data").joinpath("minilm/static.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(raw)


class StaticEncoder:
    """Texts to unit vectors through the static table; loads it on first use, safe to
    share by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: NDArray[np.float32] | None = None
        self._tokenizer: Any = None
        record = table_record()
        self._dims = int(record["dims"])
        #: names the space: a rebuilt table is another model, never compared with this one
        self._id = f"minilm-static-{self._dims}-{str(record['sha256'])[:8]}"

    @property
    def model_id(self) -> str:
        """The name stored with every vector this table makes."""
        return self._id

    @property
    def dimension(self) -> int:
        """The length of a vector."""
        return self._dims

    def _load(self) -> None:
        with self._lock:
            if self._table is not None:
                return
            from tokenizers import Tokenizer

            data = resources.files("mealink.data").joinpath("minilm/static.npz").read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != table_record()["sha256"]:
                raise MealinkError(f"data/minilm/static.npz: not the table static.toml "
                                   f"records (sha256 {digest[:12]}…); run python -m "
                                   "mealink.semantic.distill again")
            import io

            with np.load(io.BytesIO(data)) as npz:
                rows, scale = npz["rows"], npz["scale"]
            tok_file = resources.files("mealink.data").joinpath("minilm/tokenizer.json")
            tokenizer = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            # rows as float32 (31 MB at 256 dimensions): gathering them is 4x faster than
            # gathering int8 rows and scaling each
            self._table = rows.astype(np.float32) * scale.astype(np.float32)[:, None]

    def encode(self, texts: list[str], *, batch_size: int = 4096,
               on_batch: Callable[[int], None] | None = None) -> NDArray[np.float32]:
        """One unit vector per text, rows in the order given (a text without tokens gets
        zeros). ``on_batch(n)`` is told after each batch how many texts are done."""
        if self._table is None:
            self._load()
        table = self._table
        assert table is not None
        out = np.zeros((len(texts), self._dims), dtype=np.float32)
        for at in range(0, len(texts), batch_size):
            chunk = texts[at:at + batch_size]
            encodings = self._tokenizer.encode_batch(chunk, add_special_tokens=False)
            lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64,
                                  count=len(chunk))
            if lengths.sum():
                flat = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64,
                                   count=int(lengths.sum()))
                has = np.flatnonzero(lengths)
                starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[has]
                sums = np.add.reduceat(table[flat], starts, axis=0)
                norms = np.linalg.norm(sums, axis=1, keepdims=True)
                out[at + has] = sums / np.clip(norms, 1e-12, None)
            if on_batch is not None:
                on_batch(at + len(chunk))
        return out

    def encode_one(self, text: str) -> NDArray[np.float32]:
        """The unit vector of one text (a query)."""
        row: NDArray[np.float32] = self.encode([text])[0]
        return row


@cache
def static_encoder() -> StaticEncoder:
    """The process's shared static encoder (the table loads once, on first use)."""
    return StaticEncoder()
