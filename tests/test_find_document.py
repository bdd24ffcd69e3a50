"""What a reader types finds the text: a citation that names no convention, or is written in
French or Spanish, finds the one stored text it can mean, and says so when it could mean
several (never picks one of them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mealink.errors import NotFoundError
from mealink.link.identifiers import parse_keys
from mealink.store import ingest, open_store
from mealink.store.corpus.status import document_id, status

# (typed, a key it must yield, a key it must not yield)
KEYS = [
    ("Decision 19.30", "cites/decision/19.30", None),
    ("Decisiones 19.30 y 19.31", "cites/decision/19.30", None),
    ("Décision 19.211", "cites/decision/19.211", None),
    ("CMS Decision 13.7", "cms/decision/13.7", "cites/decision/13.7"),
    ("CITES Decision 13.7", "cites/decision/13.7", "cms/decision/13.7"),
    ("decision XIV/11", "cbd/decision/XIV-11", None),
]


@pytest.mark.parametrize(("typed", "wanted", "unwanted"), KEYS, ids=[k[0] for k in KEYS])
def test_every_convention_a_number_fits(typed: str, wanted: str, unwanted: str | None) -> None:
    ids = [k.id for k in parse_keys(typed)]
    assert wanted in ids
    assert unwanted not in ids


def test_a_citation_without_its_convention_finds_the_one_stored_text(
        db_url: str, realdocs_dir: Path, tmp_path: Path) -> None:
    for name in ("cites-dec-19.30-19.31.txt", "cites-dec-19.30-19.31.es.txt",
                 "cms-res-11.10.txt"):
        shutil.copy(realdocs_dir / name, tmp_path / name)
    store = open_store(db_url)
    ingest(store, [tmp_path])
    for typed in ("Decision 19.30", "Decisions 19.30 and 19.31", "Decisiones 19.30 y 19.31",
                  "Decisión 19.31", "Resolution 11.10", "Resolución 11.10"):
        st = status(store, typed)
        assert st.document_id in ("cites/decision/19.30", "cms/resolution/11.10"), typed
    assert status(store, "Decision 19.30").document_id == "cites/decision/19.30"
    store.dispose()


_TEXT = ("Decision 13.930\n\nThe Conference of the Parties to the {name},\n\n"
         "1. Requests the Secretariat to report on {what} of the species concerned.\n")


def test_a_number_two_conventions_hold_is_not_guessed(db_url: str, tmp_path: Path) -> None:
    """Written for the tests (item numbers 900 and above, as tests/fixtures/invented)."""
    (tmp_path / "cites-dec-13.930.txt").write_text(_TEXT.format(
        name="Convention on International Trade in Endangered Species of Wild Fauna and "
             "Flora", what="trade"), encoding="utf-8")
    (tmp_path / "cms-dec-13.930.txt").write_text(_TEXT.format(
        name="Convention on the Conservation of Migratory Species of Wild Animals",
        what="the conservation"), encoding="utf-8")
    store = open_store(db_url)
    ingest(store, [tmp_path])
    with pytest.raises(NotFoundError) as caught:
        document_id(store, "Decision 13.930")
    message = str(caught.value)
    assert "names no convention" in message and "\n" not in message
    assert "cites/decision/13.930" in message and "cms/decision/13.930" in message
    assert document_id(store, "CMS Decision 13.930") == "cms/decision/13.930"
    assert document_id(store, "CITES Decision 13.930") == "cites/decision/13.930"
    store.dispose()
