"""Sentence vectors of the stored paragraphs: computed once per distinct text, kept in the
database, searched exactly in memory.

Vectors are keyed by model and text hash (``embeddings``), not by paragraph, so storing a
document again embeds only the paragraphs whose text is new. A store is searched with one
model, recorded in ``app_settings`` (``embedding_model``; the full encoder when unset):
embedding with another model replaces every vector of the former one when it has finished,
so an index never holds vectors of two models. Search reads every vector once
into a float32 matrix (about 150 MB at 100,000 paragraphs) and keeps it while the corpus
generation is unchanged; a query is then one matrix-vector product, which runs at the
machine's memory bandwidth. On both engines vectors are stored as bytes (pgvector is not
needed: exact search in process is faster than a scan in the server at this size).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Connection, bindparam, delete, insert, select, text

from mealink.errors import StoreError
from mealink.semantic.encoder import MODEL_ID, encoder
from mealink.semantic.models import by_id
from mealink.semantic.static import TextEncoder
from mealink.store.engine.database import Store, writing
from mealink.store.engine.driver import run
from mealink.store.engine.schema import (
    AppSettingRow,
    EmbeddingRow,
    MandateRow,
    ParagraphRow,
)
from mealink.store.engine.vector_keys import text_hash

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["EmbedSummary", "VectorIndex", "bump_generation", "embed_paragraphs",
           "generation", "pks_where", "search_model", "vector_index", "vectors_of"]

_GENERATION = "corpus_generation"
_MODEL = "embedding_model"
#: texts embedded per transaction: an interrupted run keeps what it finished
_CHUNK = 512


@dataclass(frozen=True, slots=True)
class EmbedSummary:
    """What ``embed_paragraphs`` did: texts embedded now, texts whose vector was kept,
    vectors dropped because no paragraph or mandate has that text any more; the model, and
    when the store was searched with another before, that one and how many of its vectors
    were replaced."""

    embedded: int
    kept: int
    dropped: int
    model: str = MODEL_ID
    former: str | None = None
    replaced: int = 0


def bump_generation(conn: Connection) -> None:
    """Tell processes holding vectors in memory that the corpus changed."""
    conn.execute(text("UPDATE app_settings SET value = CAST(CAST(value AS INTEGER) + 1 AS "
                      "VARCHAR(20)) WHERE key = :k"), {"k": _GENERATION})


def generation(conn: Connection) -> int:
    """The corpus generation (0 on a database that never changed). Asked at every search,
    so handed to the driver as SQL compiled once (a third of the time of a ``select()``)."""
    value = run(conn, "SELECT value FROM app_settings WHERE key = :k",
                {"k": _GENERATION}).scalar()
    return int(value or 0)


def search_model(conn: Connection) -> str:
    """The id of the model the store is searched with (the full encoder when unset)."""
    value = conn.execute(select(AppSettingRow.value).where(AppSettingRow.key == _MODEL)).scalar()
    return value or MODEL_ID


def embed_paragraphs(store: Store, *, model: TextEncoder | None = None,
                     on_progress: Callable[[int, int], None] | None = None) -> EmbedSummary:
    """Embed every paragraph text (headings aside) and every mandate's action that has no
    vector yet; drop vectors no text uses any more. ``on_progress(done, total)`` is called
    as texts are embedded (after each batch of the encoder).

    ``model`` defaults to the store's; another one becomes the store's model once every
    text has its vector, and the former model's vectors are then deleted (in the same
    transaction), so search never compares vectors of two models."""
    with store.engine.connect() as conn:
        current = search_model(conn)
    enc = model or by_id(current)
    model_id = enc.model_id
    with store.engine.connect() as conn:
        have = set(conn.execute(select(EmbeddingRow.text_hash).where(
            EmbeddingRow.model == model_id)).scalars())
        wanted: dict[str, str] = {}
        for h, t in conn.execute(select(ParagraphRow.text_hash, ParagraphRow.text).where(
                ParagraphRow.kind != "heading", ParagraphRow.text_hash.is_not(None))):
            if h is not None:
                wanted.setdefault(h, t)
        for (action,) in conn.execute(select(MandateRow.action).distinct()):
            wanted.setdefault(text_hash(action), action)
    # by length across the whole run, so each chunk's batches pad little (the encoder sorts
    # only within the texts it is given)
    missing = sorted((h for h in wanted if h not in have), key=lambda h: (len(wanted[h]), h))
    done = 0
    for at in range(0, len(missing), _CHUNK):
        chunk = missing[at:at + _CHUNK]

        def embedded(n: int, before: int = done) -> None:
            if on_progress is not None:
                on_progress(before + n, len(missing))

        vectors = enc.encode([wanted[h] for h in chunk], on_batch=embedded)
        with writing(store) as conn:  # another process may have embedded some meanwhile
            meanwhile = set(conn.execute(select(EmbeddingRow.text_hash).where(
                EmbeddingRow.model == model_id, EmbeddingRow.text_hash.in_(chunk))).scalars())
            rows = [{"model": model_id, "text_hash": h, "vector": v.tobytes()}
                    for h, v in zip(chunk, vectors, strict=True) if h not in meanwhile]
            if rows:
                conn.execute(insert(EmbeddingRow), rows)
            bump_generation(conn)
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, len(missing))
    unused = sorted(have - wanted.keys())
    if unused:
        with store.engine.begin() as conn:
            for at in range(0, len(unused), 1000):
                conn.execute(delete(EmbeddingRow).where(
                    EmbeddingRow.model == model_id,
                    EmbeddingRow.text_hash.in_(unused[at:at + 1000])))
            bump_generation(conn)
    replaced = 0
    if model_id != current:
        with writing(store) as conn:
            replaced = conn.execute(delete(EmbeddingRow).where(
                EmbeddingRow.model != model_id)).rowcount
            conn.execute(delete(AppSettingRow).where(AppSettingRow.key == _MODEL))
            conn.execute(insert(AppSettingRow), [{"key": _MODEL, "value": model_id}])
            bump_generation(conn)
    return EmbedSummary(len(missing), len(have) - len(unused), len(unused), model_id,
                        current if model_id != current else None, replaced)


def vectors_of(store: Store, texts: list[str], *, model: TextEncoder | None = None
               ) -> NDArray[np.float32]:
    """The vectors of ``texts`` by ``model`` (the full encoder by default, whatever the
    store is searched with): stored ones read, the others computed (not stored)."""
    enc = model or encoder()
    hashes = [text_hash(t) for t in texts]
    out = np.zeros((len(texts), enc.dimension), dtype=np.float32)
    found: dict[str, bytes] = {}
    with store.engine.connect() as conn:
        unique = sorted(set(hashes))
        for at in range(0, len(unique), 1000):
            found.update((r.text_hash, r.vector) for r in conn.execute(
                select(EmbeddingRow.text_hash, EmbeddingRow.vector).where(
                    EmbeddingRow.model == enc.model_id,
                    EmbeddingRow.text_hash.in_(unique[at:at + 1000]))))
    todo = [i for i, h in enumerate(hashes) if h not in found]
    for i, h in enumerate(hashes):
        if h in found:
            out[i] = np.frombuffer(found[h], dtype=np.float32)
    if todo:
        out[todo] = enc.encode([texts[i] for i in todo])
    return out


@dataclass(frozen=True, slots=True)
class VectorIndex:
    """Every embedded paragraph of one corpus generation, as rows of one matrix of the
    store's model.

    ``conventions`` holds an index into ``convention_names`` per row (-1: none).
    """

    generation: int
    model: str
    pks: NDArray[np.int64]
    ids: tuple[str, ...]
    conventions: NDArray[np.int16]
    convention_names: tuple[str, ...]
    in_force: NDArray[np.bool_]
    operative: NDArray[np.bool_]
    matrix: NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.ids)

    def convention_code(self, name: str) -> int:
        """The code of a convention (-2 when no row has it)."""
        lower = name.lower()
        return next((i for i, c in enumerate(self.convention_names) if c.lower() == lower), -2)


_cache: dict[str, VectorIndex] = {}
_cache_lock = threading.Lock()


def _load(conn: Connection, gen: int, model_id: str) -> VectorIndex:
    """Every embedded paragraph's row, read in one query; the vectors joined into one
    buffer that becomes the matrix, and each column made an array at once (a row at a
    time took about as long as the query itself at 100,000 paragraphs)."""
    rows = run(conn, "SELECT p.pk, p.id, p.convention, p.in_force, p.kind, e.vector "
                     "FROM paragraphs p JOIN embeddings e ON e.model = :m "
                     "AND e.text_hash = p.text_hash ORDER BY p.pk", {"m": model_id}).all()
    if not rows:
        empty = np.zeros(0, dtype=np.bool_)
        return VectorIndex(gen, model_id, np.zeros(0, dtype=np.int64), (),
                           np.zeros(0, dtype=np.int16), (), empty, empty,
                           np.zeros((0, 0), dtype=np.float32))
    pks, ids, conventions, in_force, kinds, vectors = zip(*rows, strict=True)
    width = Counter(map(len, vectors)).most_common(1)[0][0]  # the length nearly all have
    odd = next((i for i, v in enumerate(vectors) if len(v) != width), None)
    if odd is not None:
        raise StoreError(f"the stored vector of paragraph {ids[odd]} is "
                         f"{len(vectors[odd])} bytes long where the others are {width}")
    if width % 4:
        raise StoreError(f"the stored vectors are {width} bytes long, not a whole number of "
                         "32-bit floats")
    names = tuple(sorted({c for c in conventions if c}))
    code = {c: i for i, c in enumerate(names)}
    matrix = np.frombuffer(bytearray(b"".join(vectors)), dtype=np.float32).reshape(
        len(rows), width // 4)
    return VectorIndex(
        gen, model_id, np.array(pks, dtype=np.int64), ids,
        np.array([code.get(c, -1) for c in conventions], dtype=np.int16), names,
        np.array([bool(f) for f in in_force], dtype=np.bool_),
        np.array([k == "operative" for k in kinds], dtype=np.bool_), matrix)


def vector_index(store: Store) -> VectorIndex:
    """The vectors of the corpus as it stands, read again only when it has changed."""
    with store.engine.connect() as conn:
        gen = generation(conn)  # a change of model bumps the generation too
        held = _cache.get(store.name)
        if held is not None and held.generation == gen:
            return held
        with _cache_lock:
            held = _cache.get(store.name)
            if held is not None and held.generation == gen:
                return held
            index = _load(conn, gen, search_model(conn))
            _cache[store.name] = index
            return index


def pks_where(store: Store, where: str, params: dict[str, object]) -> set[int]:
    """The pks of the paragraphs that pass an SQL filter (for filters the index lacks)."""
    with store.engine.connect() as conn:
        stmt = text(f"SELECT p.pk FROM paragraphs p WHERE 1 = 1{where}")
        if "d." in where:
            stmt = text("SELECT p.pk FROM paragraphs p JOIN documents d ON d.id = "
                        f"p.document_id WHERE 1 = 1{where}")
        return set(conn.execute(stmt.bindparams(*[bindparam(k) for k in params]),
                                params).scalars())
