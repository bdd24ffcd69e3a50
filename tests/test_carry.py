"""A mandate's history follows its paragraph across revisions, on SQLite and PostgreSQL:
with both versions of a text stored (in either order), each mandate of the earlier one is
carried to the mandate of the aligned paragraph with the same actor (unchanged, renumbered,
reworded) or superseded by the later text; progress recorded on the earlier mandate shows
on the later one, marked with its version, and its recorded status holds there when the
paragraph was carried unchanged or renumbered (a reworded one may ask anew). On the real
CITES Decision 17.170 (Rev. CoP18) and (Rev. CoP19), and on an invented CMS pair (a paragraph
inserted, two renumbered, one deleted)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mealink.store import ingest, open_store, reparse
from mealink.store.engine.database import Store
from mealink.store.engine.schema import MandateCarryRow
from mealink.store.mandates import MandateFilters, list_mandates, mandate, recorded_statuses
from mealink.store.progress import add_progress, history
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import REPO, make_db

PAIR = REPO / "tests" / "fixtures" / "invented-versions"
CITES = ("cites-dec-17.170-rev-cop18.txt", "cites-dec-17.170-rev-cop19.txt")
CMS = ("cms-res-11.927.txt", "cms-res-11.927-rev-cop13.txt")
C18 = "cites/decision/17.170-rev-cop18/op_1/standing-committee"
C19 = "cites/decision/17.170-rev-cop19/op_1/standing-committee"
OLD, NEW = "cms/resolution/11.927", "cms/resolution/11.927-rev-cop13"
LATER = "CMS Resolution 11.927 (Rev.COP13)"
#: the earlier version's mandates -> (where each went, how), checked by hand against the texts
CMS_CARRIES = {
    f"{OLD}/para_1/secretariat": (f"{NEW}/para_2/secretariat", "renumbered"),
    f"{OLD}/para_2/parties": (f"{NEW}/para_3/parties", "renumbered, reworded"),
    f"{OLD}/para_3/scientific-council": (None, "superseded"),
    f"{OLD}/para_4/parties": (f"{NEW}/para_4/parties", "unchanged"),
}
CITES_CARRIES = {C18: (C19, "reworded")}  # "19th meeting" became "20th meeting", and more
T1, T2, T3 = (datetime(2025, 3, d, 9, tzinfo=UTC) for d in (1, 2, 3))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _store(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    gen = make_db(engine, tmp_path, request)
    store = open_store(next(gen))
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture
def store(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _store(engine, tmp_path, request)


def _ingest(store: Store, files: list[Path]) -> None:
    for f in files:  # one at a time: the earlier version may come after the later one
        assert ingest(store, [f]).counts()["failed"] == 0, f


def _carries(store: Store) -> dict[str, tuple[str | None, str]]:
    with store.engine.connect() as conn:
        return {r.mandate_id: (r.to_mandate_id, r.how) for r in conn.execute(
            select(MandateCarryRow.mandate_id, MandateCarryRow.to_mandate_id,
                   MandateCarryRow.how, MandateCarryRow.by_label))}


@pytest.mark.parametrize("order", [1, -1], ids=["earlier-first", "later-first"])
@pytest.mark.parametrize(("folder", "files", "expected"), [
    ("realdocs", CITES, CITES_CARRIES),
    ("invented", CMS, CMS_CARRIES),
], ids=["cites-17.170", "invented-cms-11.927"])
def test_carried_or_superseded(store: Store, realdocs_dir: Path, folder: str,
                               files: tuple[str, str], expected: dict[str, tuple[str | None, str]],
                               order: int) -> None:
    where = realdocs_dir if folder == "realdocs" else PAIR
    _ingest(store, [where / f for f in files[::order]])
    assert _carries(store) == expected
    for old, (new, how) in expected.items():
        m = mandate(store, old)
        assert (m.status, m.in_force) == ("superseded", False)
        if new is None:
            assert m.derived_reason is not None
            assert m.derived_reason.startswith("superseded by ")
        else:
            assert m.derived_reason == f"carried on in {mandate(store, new).document_label} " \
                                       f"({how}); its history continues there"
            assert mandate(store, new).in_force


def test_deleted_paragraph_names_the_revising_text(store: Store) -> None:
    _ingest(store, [PAIR / f for f in CMS])
    m = mandate(store, f"{OLD}/para_3/scientific-council")
    assert m.derived_reason == f"superseded by {LATER}: its paragraph is not in it"
    with store.engine.connect() as conn:
        assert conn.execute(select(MandateCarryRow.by_label).where(
            MandateCarryRow.mandate_id == m.id)).scalar() == LATER
    # counted once: of the Scientific Council's and the Secretariat's, only the later
    # version's mandates are in force
    live = {v.id for v in list_mandates(store, MandateFilters(in_force=True))}
    assert live == {f"{NEW}/para_{n}/{a}" for n, a in (
        (1, "standing-committee"), (2, "secretariat"), (3, "parties"), (4, "parties"))}


@pytest.mark.parametrize("order", [1, -1], ids=["earlier-first", "later-first"])
def test_cites_history_follows_the_paragraph(store: Store, realdocs_dir: Path,
                                             order: int) -> None:
    _ingest(store, [realdocs_dir / f for f in CITES[::order]])
    add_progress(store, C18, "CITES Secretariat", status="implemented",
                 note="Reported at CoP19", evidence=["CoP19 Doc. 46"], now=T1)
    add_progress(store, C19, "Standing Committee", note="Review restarted", now=T2)
    seen = [(e.mandate_id, e.seq, e.version, e.status) for e in history(store, C19)]
    assert seen == [(C18, 1, "CITES Decision 17.170 (Rev.CoP18)", "implemented"),
                    (C19, 1, "CITES Decision 17.170 (Rev.CoP19)", None)]
    assert [e.mandate_id for e in history(store, C18)] == [C18]  # the old one's own only
    # CoP19 reworded the ask (report at CoP20, not CoP19): "implemented" on the CoP18 ask
    # is in its history, not its status
    derived = mandate(store, C19).status
    assert derived != "implemented"
    # adding on the old id still works (append-only) and shows on the new one
    add_progress(store, C18, "CITES Secretariat", status="stagnant", expected_seq=1, now=T3)
    assert [(e.mandate_id, e.seq) for e in history(store, C19)] == [(C18, 1), (C19, 1),
                                                                   (C18, 2)]
    assert mandate(store, C19).status == derived
    add_progress(store, C19, "CITES Secretariat", status="active", expected_seq=1, now=T3)
    assert mandate(store, C19).status == "active"  # its own recorded status holds
    listed = {v.id: v for v in list_mandates(store, MandateFilters())}
    assert listed[C19].entries == 4 and listed[C19].latest is not None
    assert (listed[C19].latest.mandate_id, listed[C19].latest.seq) == (C19, 2)
    assert mandate(store, C18).status == "superseded"
    with store.engine.connect() as conn:  # asked for both at once, as the review asks
        assert recorded_statuses(conn, [C18, C19]) == {C18: "stagnant", C19: "active"}
        assert recorded_statuses(conn, [C19]) == {C19: "active"}


def test_reingest_and_reparse_keep_the_carries(store: Store) -> None:
    _ingest(store, [PAIR / f for f in CMS])
    add_progress(store, f"{OLD}/para_1/secretariat", "CMS Secretariat", status="implemented",
                 now=T1)
    before = _carries(store), history(store, f"{NEW}/para_2/secretariat")
    _ingest(store, [PAIR / f for f in CMS])
    assert (_carries(store), history(store, f"{NEW}/para_2/secretariat")) == before
    reparse(store)
    assert (_carries(store), history(store, f"{NEW}/para_2/secretariat")) == before
    assert mandate(store, f"{NEW}/para_2/secretariat").status == "implemented"


def test_page_and_api_show_the_carried_history(engine: str, tmp_path: Path,
                                               request: pytest.FixtureRequest) -> None:
    gen = make_db(engine, tmp_path, request)
    url = next(gen)
    store = open_store(url)
    _ingest(store, [PAIR / f for f in CMS])
    add_progress(store, f"{OLD}/para_2/parties", "Party focal point", note="Retrofit begun",
                 now=T1)
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as client:
        body = client.get(f"/api/v1/mandates/{NEW}/para_3/parties").json()
        assert [(h["mandate"], h["version"]) for h in body["history"]] == [
            (f"{OLD}/para_2/parties", "CMS Resolution 11.927")]
        page = client.get(f"/mandate/{NEW}/para_3/parties").text
        assert "Retrofit begun" in page
        assert "recorded on CMS Resolution 11.927, an earlier version" in page
    app.state.store.dispose()
    for _ in gen:
        pass
