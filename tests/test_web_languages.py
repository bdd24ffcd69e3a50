"""A text stored in several languages on the web: its page names the languages and switches
between them (``?lang=fr``), each paragraph of an expression links to its counterpart, the
API gives the expressions, and the list of documents shows the work once. Over the texts in
three languages written for the tests (``tests/fixtures/invented-languages``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mealink.store import ingest, open_store
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import REPO

PAIRS = REPO / "tests" / "fixtures" / "invented-languages"
WORK = "cms/resolution/13.920"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = str(Path(tmp_path_factory.mktemp("langs")) / "c.db")
    store = open_store(url)
    summary = ingest(store, [PAIRS / f"cms-res-13.920{s}.txt" for s in ("", ".fr", ".es")])
    assert [o.outcome for o in summary.outcomes] == ["added"] * 3
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()


def test_the_page_names_its_languages_and_links_each(client: TestClient) -> None:
    page = client.get(f"/{WORK}").text
    assert '<span aria-current="page" lang="en">EN</span>' in page
    assert f'href="/{WORK}?lang=fr" hreflang="fr"' in page
    assert f'href="/{WORK}?lang=es" hreflang="es"' in page
    assert '<div class="paragraphs" lang="en">' in page


def test_the_switch_shows_the_other_language_with_its_counterparts(client: TestClient) -> None:
    r = client.get(f"/{WORK}?lang=fr")
    assert r.status_code == 200
    page = r.text
    assert '<div class="paragraphs" lang="fr">' in page and "Exhorte les " in page
    assert '<span aria-current="page" lang="fr">FR</span>' in page
    assert f'href="/{WORK}" hreflang="en"' in page  # back to the primary
    assert "Expression of" in page and "same numbers (13.920)" in page
    assert f'href="/{WORK}#para_1">The same paragraph in the primary text</a>' in page
    assert "(aligned by number)" in page


def test_a_language_not_stored_is_a_404_naming_those_that_are(client: TestClient) -> None:
    r = client.get(f"/{WORK}?lang=de")
    assert r.status_code == 404
    assert "not stored in &#39;de&#39;; it is in en, es, fr" in r.text


def test_the_api_gives_the_expressions_and_each_paragraph_its_counterpart(
        client: TestClient) -> None:
    doc = client.get(f"/api/v1/documents/{WORK}").json()
    assert doc["expressions"] == [
        {"id": WORK, "language": "en", "primary": True},
        {"id": f"{WORK}@es", "language": "es", "primary": False},
        {"id": f"{WORK}@fr", "language": "fr", "primary": False}]
    assert doc["expression_of"] is None
    es = client.get(f"/api/v1/documents/{WORK}", params={"lang": "es"}).json()
    assert es["id"] == f"{WORK}@es" and es["expression_of"] == WORK
    para = {p["id"]: p for p in es["paragraphs"]}[f"{WORK}@es/para_2"]
    assert para["aligned_to"] == f"{WORK}/para_2" and para["aligned_by"] == "number"
    assert para["mandates"] == 1  # its counterpart's mandate, counted there
    assert es["mandates"] == doc["mandates"]


def test_the_list_of_documents_shows_the_work_once(client: TestClient) -> None:
    items = client.get("/api/v1/documents").json()["items"]
    assert [d["id"] for d in items] == [WORK]


def test_a_search_hit_shows_the_same_paragraph_in_the_other_languages(
        client: TestClient) -> None:
    page = client.get("/search", params={"q": "lumière artificielle nocturne"}).text
    assert '<p class="snippet" lang="fr">' in page
    assert '<ul class="counterparts" aria-label="The same paragraph in other languages">' in page
    assert 'hreflang="en">EN</a> Urges Parties to reduce artificial light' in page
    hits = client.get("/api/v1/search", params={"q": "lumière artificielle nocturne"}).json()
    first = hits["items"][0] if "items" in hits else hits["hits"][0]
    assert first["language"] == "fr"
    assert {c["language"] for c in first["counterparts"]} == {"en", "es"}


def test_an_expression_downloads_as_its_own_akoma_ntoso_expression(client: TestClient) -> None:
    r = client.get(f"/api/v1/documents/{WORK}@fr.akn.xml")
    assert r.status_code == 200, r.text
    assert "/13-920/fra@" in r.text and 'eId="para_1"' in r.text
    assert client.get(f"/lineage/{WORK}@fr").status_code == 200
