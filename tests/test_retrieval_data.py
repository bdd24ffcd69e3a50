"""The retrieval test collection (tests/data/retrieval.toml) is well formed and its judgments
name paragraphs that exist when the invented fixtures and the gold corpus are ingested."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mealink.store import ingest, open_store
from mealink.store.engine.schema import ParagraphRow
from tests.conftest import INVENTED, REPO

COLLECTION = REPO / "tests" / "data" / "retrieval.toml"
STYLES = {"question", "phrase", "keywords"}


def load_queries() -> list[dict[str, Any]]:
    with COLLECTION.open("rb") as f:
        return list(tomllib.load(f)["query"])


QUERIES = load_queries()


@pytest.fixture(scope="module")
def paragraph_ids(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
                  ) -> Iterator[set[str]]:
    """Ids of every paragraph stored from the invented fixtures and the gold corpus (SQLite)."""
    store = open_store(str(tmp_path_factory.mktemp("retrieval") / "corpus.db"))
    try:
        summary = ingest(store, [INVENTED, corpus_dir])
        failed = [o for o in summary.outcomes if o.outcome == "failed"]
        assert not failed, failed
        with store.engine.connect() as conn:
            yield set(conn.execute(select(ParagraphRow.id)).scalars())
    finally:
        store.dispose()


def test_twenty_queries_with_unique_ids() -> None:
    ids = [q["id"] for q in QUERIES]
    assert len(ids) == 20
    assert len(set(ids)) == len(ids), ids


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q["id"])
def test_query_is_well_formed(query: dict[str, Any]) -> None:
    assert isinstance(query["text"], str) and query["text"].strip()
    assert query["style"] in STYLES
    relevant = query["relevant"]
    assert len(relevant) >= 2
    assert all(isinstance(r, str) and r for r in relevant)
    assert len(set(relevant)) == len(relevant), "duplicate ids in the relevant list"


def test_every_relevant_paragraph_exists(paragraph_ids: set[str]) -> None:
    missing = {q["id"]: sorted(set(q["relevant"]) - paragraph_ids) for q in QUERIES}
    missing = {qid: ids for qid, ids in missing.items() if ids}
    assert not missing, missing
