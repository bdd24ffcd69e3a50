"""The real sentence encoder, shared by the test modules that embed the judged collection:
it remembers each text's vector, so a second store of the same texts (the other engine, the
next module) is embedded without running the model again. The vectors are the model's own,
not a stand-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mealink.semantic.encoder import DIMENSION, Encoder

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["ENCODER"]


class RememberingEncoder(Encoder):
    """``Encoder`` that runs the model once per distinct text."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[str, NDArray[np.float32]] = {}

    def encode(self, texts: list[str], *, batch_size: int = 32,
               on_batch: Callable[[int], None] | None = None) -> NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if missing:
            for t, v in zip(missing, super().encode(missing, batch_size=batch_size),
                            strict=True):
                self._seen[t] = v
        if on_batch is not None:
            on_batch(len(texts))  # remembered texts are embedded at once
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self._seen[t] for t in texts])


ENCODER = RememberingEncoder()
