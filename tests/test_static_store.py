"""A store searched with static vectors (`mealink embed --model static`): the switch is
recorded, the former model's vectors go once every text has its new one, search never
compares two models' vectors, and the full encoder re-ranks the closest hits. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import text

from mealink.errors import StoreError
from mealink.semantic.encoder import MODEL_ID
from mealink.semantic.static import static_encoder
from mealink.store import Store, ingest, open_store
from mealink.store.search.find import find
from mealink.store.search.vectors import (
    embed_paragraphs,
    search_model,
    vector_index,
    vectors_of,
)
from tests.conftest import INVENTED
from tests.model import ENCODER
from tests.test_cli import run

QUERY = "what are Parties asked to do about non-native species on islands?"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    ingest(s, [INVENTED])
    embed_paragraphs(s, model=ENCODER)
    yield s
    s.dispose()


def models(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return dict(conn.execute(text(  # type: ignore[arg-type]
            "SELECT model, COUNT(*) FROM embeddings GROUP BY model")).all())


def test_switching_to_static_replaces_every_vector(store: Store) -> None:
    full = models(store)[MODEL_ID]
    before = vector_index(store)
    done = embed_paragraphs(store, model=static_encoder())
    static_id = static_encoder().model_id
    assert (done.model, done.former, done.embedded, done.replaced) == \
        (static_id, MODEL_ID, full, full)
    assert models(store) == {static_id: full}  # nothing of the former model is left
    with store.engine.connect() as conn:
        assert search_model(conn) == static_id
    after = vector_index(store)  # read again: the switch is a new corpus generation
    assert after.model == static_id and after.matrix.shape == (len(before), 256)
    assert after.ids == before.ids
    # embedding again with the store's model does nothing
    again = embed_paragraphs(store)
    assert (again.embedded, again.former, again.replaced) == (0, None, 0)


def test_switching_back_is_the_same_as_never_switching(store: Store) -> None:
    first = vector_index(store).matrix.copy()
    embed_paragraphs(store, model=static_encoder())
    done = embed_paragraphs(store, model=ENCODER)
    assert (done.model, done.former) == (MODEL_ID, static_encoder().model_id)
    assert set(models(store)) == {MODEL_ID}
    assert np.allclose(vector_index(store).matrix, first, atol=1e-6)


def test_overlaps_keep_the_full_encoders_vectors(store: Store) -> None:
    # vectors_of answers in the full encoder's space whatever the store is searched with
    texts = ["Urges Parties to eradicate invasive alien species from priority islands;"]
    want = ENCODER.encode(texts)
    embed_paragraphs(store, model=static_encoder())
    got = vectors_of(store, texts, model=ENCODER)
    assert got.shape == (1, 384) and np.allclose(got, want, atol=1e-6)


def test_the_full_encoder_reorders_the_static_head(store: Store) -> None:
    embed_paragraphs(store, model=static_encoder())
    plain = [h.paragraph_id for h in find(store, QUERY, mode="semantic", limit=10,
                                          model=ENCODER, rerank=0, floor=-1)]
    reranked = find(store, QUERY, mode="semantic", limit=10, model=ENCODER, rerank=30,
                    floor=-1)
    ids = [h.paragraph_id for h in reranked]
    top30 = [h.paragraph_id for h in find(store, QUERY, mode="semantic", limit=30,
                                          model=ENCODER, rerank=0, floor=-1)]
    assert set(ids) <= set(top30) and ids != plain
    # the head is in the full encoder's order
    q = ENCODER.encode_one(QUERY)
    with store.engine.connect() as conn:
        by_id = dict(conn.execute(text("SELECT id, text FROM paragraphs")).all())  # type: ignore[arg-type]
    full = [float(ENCODER.encode([by_id[i]])[0] @ q) for i in ids]
    assert full == sorted(full, reverse=True)
    # the similarity shown stays the static cosine (one scale per store)
    s = static_encoder().encode([by_id[ids[0]]])[0] @ static_encoder().encode_one(QUERY)
    assert reranked[0].why is not None
    assert reranked[0].why.similarity == pytest.approx(float(s), abs=1e-5)
    # pages of one query cut one ranking
    second = [h.paragraph_id for h in find(store, QUERY, mode="semantic", limit=10, offset=10,
                                           model=ENCODER, rerank=30, floor=-1)]
    assert not set(second) & set(ids)


def test_embed_model_option(db_url: str) -> None:
    s = open_store(db_url)
    ingest(s, [INVENTED])
    s.dispose()
    got = run("embed", "--db", db_url, "--model", "static")
    assert got.returncode == 0, got.stderr
    assert "Sentence vectors (static)" in got.stdout
    assert "instead of full" in got.stdout
    bad = run("embed", "--db", db_url, "--model", "bert")
    assert bad.returncode != 0 and "--model 'bert': use one of full, static" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_a_vector_of_another_length_is_named_not_misread(store: Store) -> None:
    """The matrix is read as one buffer, so a stored vector cut short must stop the read
    with the paragraph it belongs to, not shift every row after it."""
    index = vector_index(store)
    damaged = index.ids[3]
    with store.engine.begin() as conn:
        conn.execute(text(  # type: ignore[arg-type]
            "UPDATE embeddings SET vector = :v WHERE text_hash = (SELECT text_hash FROM "
            "paragraphs WHERE id = :id)"), {"v": b"\0" * 12, "id": damaged})
        conn.execute(text(  # type: ignore[arg-type]
            "UPDATE app_settings SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(20)) "
            "WHERE key = 'corpus_generation'"))
    with pytest.raises(StoreError, match=rf"paragraph {damaged} is 12 bytes long where the "
                                         rf"others are {4 * index.matrix.shape[1]}"):
        vector_index(store)
