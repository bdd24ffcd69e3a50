"""The values people type are taken the same way by the CLI, the API and the pages, and an
unknown one is refused in one line naming it (issue 17): meetings as COP13 or CMS:13,
documents as a symbol or citation, conventions and meetings that mealink does not know,
and the cited texts a text names among its own items."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mealink.store import ingest, open_store
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import make_db
from tests.test_cli import run

#: real texts: a CMS resolution, grouped CITES and CMS decisions that cite their own items
TEXTS = ("cms-res-11.10.txt", "cms-res-11.28.txt", "cites-dec-19.11-19.14.txt",
         "cites-dec-19.243-19.245.txt", "cms-dec-13.1-13.3.txt")


def _fill(url: str, realdocs: Path, folder: Path) -> None:
    for name in TEXTS:
        shutil.copy(realdocs / name, folder / name)
    store = open_store(url)
    ingest(store, [folder])
    store.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           realdocs_dir: Path) -> Iterator[str]:
    """A database of the real texts above, once per engine."""
    folder = tmp_path_factory.mktemp("values")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    texts = folder / "texts"
    texts.mkdir()
    _fill(url, realdocs_dir, texts)
    yield url
    for _ in gen:
        pass


@pytest.fixture(scope="module")
def api(corpus: str) -> Iterator[TestClient]:
    app = create_app(WebConfig(db=corpus))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()


def _error(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    message: str = body["error"]["message"]
    assert "\n" not in message and "--" not in message, message  # no CLI flag in the API
    return message


@pytest.mark.parametrize("meeting", ["COP11", "CMS:11", "11", "CoP 11"])
def test_api_search_takes_a_meeting_as_the_cli_and_pages_do(api: TestClient,
                                                            meeting: str) -> None:
    r = api.get("/api/v1/search", params={"q": "migratory species", "mode": "keyword",
                                          "meeting": meeting})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and {i["document_id"] for i in items} <= {"cms/resolution/11.10",
                                                           "cms/resolution/11.28"}


def test_api_search_refuses_a_meeting_it_cannot_read(api: TestClient) -> None:
    r = api.get("/api/v1/search", params={"q": "species", "meeting": "FOO:11"})
    assert r.status_code == 400
    assert "'FOO:11'" in _error(r)


@pytest.mark.parametrize("document", ["CMS Res.11.10", "UNEP/CMS/Resolution 11.10",
                                      "CMS Resolution 11.10"])
def test_api_document_filter_takes_a_symbol_as_the_readme_promises(api: TestClient,
                                                                   document: str) -> None:
    by_id = api.get("/api/v1/mandates", params={"document": "cms/resolution/11.10"}).json()
    assert by_id["total"] > 0
    r = api.get("/api/v1/mandates", params={"document": document})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == by_id["total"]
    hits = api.get("/api/v1/search", params={"q": "Secretariat", "mode": "keyword",
                                             "document": document}).json()["items"]
    assert hits and {h["document_id"] for h in hits} == {"cms/resolution/11.10"}


@pytest.mark.parametrize(("path", "params", "named"), [
    ("/api/v1/status/cms/resolution/11.10", {"as_of": "soon"}, "as_of 'soon'"),
    ("/api/v1/in-force", {"as_of": "soon"}, "as_of 'soon'"),
    ("/api/v1/review", {"convention": "CMS", "as_of": "soon"}, "as_of 'soon'"),
    ("/api/v1/mandates", {"due_before": "soon"}, "due_before 'soon'"),
    ("/api/v1/mandates", {"status": "finished"}, "status 'finished'"),
])
def test_api_errors_name_the_query_parameter_not_a_cli_flag(
        api: TestClient, path: str, params: dict[str, str], named: str) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 400, r.text
    assert named in _error(r)


def test_api_refuses_unknown_convention_and_meeting(api: TestClient) -> None:
    r = api.get("/api/v1/overlaps", params={"conventions": "CMS,FOO"})
    assert r.status_code == 400
    assert "'FOO'" in _error(r) and "CBD" in _error(r)
    r = api.get("/api/v1/review", params={"convention": "CMS", "as_of": "COP99"})
    assert r.status_code == 400
    message = _error(r)
    assert "'COP99'" in message and "COP14" in message
    assert api.get("/api/v1/review", params={"convention": "CMS",
                                             "as_of": "COP15"}).status_code == 200


def test_cli_refuses_unknown_convention_in_one_line(corpus: str) -> None:
    r = run("overlaps", "--conventions", "CMS,FOO", "--db", corpus)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "'FOO'" in r.stderr and "CITES" in r.stderr


def test_cli_review_refuses_a_meeting_the_calendar_does_not_know(corpus: str) -> None:
    r = run("review", "--convention", "CMS", "--as-of", "COP99", "--db", corpus)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "'COP99'" in r.stderr and "COP14" in r.stderr
    ok = run("review", "--convention", "CMS", "--as-of", "COP15", "--db", corpus)
    assert ok.returncode == 0, ok.stderr


def test_refs_leaves_out_a_texts_references_to_its_own_items(corpus: str) -> None:
    every = json.loads(run("refs", "--db", corpus, "-f", "json").stdout)
    missing = json.loads(run("refs", "--unresolved", "--db", corpus, "-f", "json").stdout)
    own = {"Decision 19.11", "Decision 19.12", "Decision 19.243", "Decision 19.244",
           "Decision 13.1"}
    for rows in (every, missing):
        assert not own & {r["target"] for r in rows}, rows
    # the same counting rule: the unresolved list is the part of the full one not stored
    counts = {r["target"]: r["count"] for r in every}
    assert missing == [r for r in every if not r["in_corpus"]]
    assert all(counts[r["target"]] == r["count"] for r in missing)
    table = run("refs", "--db", corpus)
    assert "citations" in table.stdout and "cited by" in table.stdout
