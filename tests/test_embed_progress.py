"""The embedding progress counts texts as they are embedded: a small corpus does not jump
from nothing to all, and the count never goes back or past the total."""

from __future__ import annotations

from pathlib import Path

from mealink.store import ingest, open_store
from mealink.store.search.vectors import embed_paragraphs
from tests.conftest import INVENTED


def test_progress_is_reported_batch_by_batch(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "progress.db"))
    try:
        ingest(store, [INVENTED])
        seen: list[tuple[int, int]] = []
        summary = embed_paragraphs(store, on_progress=lambda done, total: seen.append(
            (done, total)))
        total = seen[-1][1]
        assert total == summary.embedded > 32  # more than one batch of the encoder
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # never goes back
        assert all(t == total and 0 < d <= total for d, t in seen)
        assert seen[0][0] < total  # the first report comes before the end
        assert seen[-1][0] == total
    finally:
        store.dispose()
