"""A text whose every key another stored text already answers to is stored, not refused by
the database: 'Decision 14.911' given alone after 'Decisions 14.910 to 14.912' (invented
fixtures), on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.store import Store, ingest, open_store
from tests.conftest import INVENTED, make_db

ALONE = """Decision 14.911 - Invasive Alien Species and Migratory Species

14.911
The Scientific Council shall:
a) Finalize the guidance on biosecurity at sites of importance for migratory species;
b) Review the findings of the IPBES thematic assessment of invasive alien species.
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    gen = make_db(request.param, tmp_path, request)
    s = open_store(next(gen))
    yield s
    s.dispose()
    for _ in gen:
        pass


def test_a_text_whose_keys_are_all_held_is_stored(store: Store, tmp_path: Path) -> None:
    first = ingest(store, [INVENTED / "cms-decisions-14.910-14.912.txt"])
    assert [o.outcome for o in first.outcomes] == ["added"]
    alone = tmp_path / "decision-alone.txt"
    alone.write_text(ALONE, encoding="utf-8")
    second = ingest(store, [alone])
    assert [(o.outcome, o.message) for o in second.outcomes if o.outcome == "failed"] == []
    assert second.stopped is None
