"""The web application and the API on SQLite and PostgreSQL, through the real ASGI app
(FastAPI's TestClient over HTTPS, so the Secure session cookie travels as it would):
pages, permalinks, facets, JSON and CSV of list pages, the API's pages and error shape."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mealink.store import open_store
from mealink.store.search import facets as facets_module
from mealink.synergies.overlaps import MandateItem
from mealink.web.app import create_app
from mealink.web.render import ordinal_suffix, place
from mealink.web.security import WebConfig
from tests.conftest import make_db
from tests.webapp import HOSTILE_ID, fill

M_3B = "cms/resolution/13.905/para_3(b)/scientific-council"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[TestClient]:
    """The application over the invented fixtures (read-only tests), once per engine."""
    folder = tmp_path_factory.mktemp("web")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    store = open_store(url)
    fill(store, folder)
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()
    for _ in gen:
        pass


@pytest.mark.parametrize(("path", "expected"), [
    ("/", ["Conventions", "Mandates by status", "CMS"]),
    ("/documents", ["CMS Resolution 13.905", "in force"]),
    ("/documents?convention=CITES", ["CITES Resolution Conf. 13.910 (Rev.CoP19)"]),
    ("/cms/resolution/13.905", ["CMS Resolution 13.905", 'id="para_3(b)"', 'href="#para_3(b)"',
                              '<mark class="actor"', "Lineage"]),
    ("/search?q=invasive+alien+species", ["Closest paragraphs by meaning and words",
                                          "contain all the words", "Convention", "Actor",
                                          'class="why"', "similarity 0."]),
    ("/search?q=invasive+alien+species&mode=keyword", ["paragraphs match", "Convention"]),
    ("/synergies", ["Cross-cutting issues", "Suggested lead", "CMS Resolution 13.905",
                    "Ramsar Resolution XIV.907", "<mark>"]),
    ("/synergies?topic=climate-change", ["climate change", "CMS"]),
    ("/mandates", ["By actor and status", "Scientific Council"]),
    ("/mandates?actor=Scientific+Council&status=active", ["Scientific Council", "request"]),
    (f"/mandate/{M_3B}", ["History", "Scientific Council", "Sign in"]),
    ("/review?convention=CMS&as_of=COP15", ["proposal", "draft annex"]),
    ("/lineage/cms/resolution/12.921-rev-cop14", ["<svg", "As a table", "revises"]),
    ("/sign-in", ["Password", 'name="csrf_token"']),
])
def test_pages_show_what_a_reader_needs(client: TestClient, path: str,
                                        expected: list[str]) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    for text in expected:
        assert text in r.text, f"{text!r} missing from {path}"


def test_references_lead_to_the_cited_text_or_say_it_is_missing(client: TestClient) -> None:
    html = client.get("/cms/resolution/13.905").text
    # CBD decision XIV/911 is cited but not ingested
    assert '<a class="ref missing" href="/cbd/decision/XIV-911" title="CBD Decision XIV/911: ' \
        'not in the corpus">' in html
    html = client.get("/cbd/decision/15-908").text
    assert '<a class="ref" href="/cites/resolution/13.910-rev-cop19"' in html
    followed = client.get("/cites/resolution/13.910-rev-cop19")
    assert followed.status_code == 200 and "Trade in alien invasive species" in followed.text


@pytest.mark.parametrize(("path", "target"), [
    ("/CMS Resolution 13.905", "/cms/resolution/13.905"),
    ("/UNEP/CMS/Resolution 13.905", "/cms/resolution/13.905"),
    ("/cms/resolution/13.905/para_3(b)", "/cms/resolution/13.905#para_3(b)"),
])
def test_symbols_and_paragraph_ids_redirect_to_the_permalink(client: TestClient, path: str,
                                                             target: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (301, 302)
    assert r.headers["location"] == target


def test_unknown_document_is_a_404_page_with_one_clear_line(client: TestClient) -> None:
    r = client.get("/cms/resolution/99.99")
    assert r.status_code == 404
    assert "is not in the corpus" in r.text and "<h1>Not found</h1>" in r.text


def test_search_facets_count_the_hits_and_filter(client: TestClient) -> None:
    data = client.get("/search", params={"q": "invasive alien species",
                                         "format": "json"}).json()
    by_conv = {f["value"]: f["count"] for f in data["facets"]["convention"]}
    assert sum(by_conv.values()) == data["facets"]["total"] > 0
    assert {"CMS", "CBD", "CITES"} <= set(by_conv)
    narrowed = client.get("/search", params={"q": "invasive alien species",
                                             "convention": "CITES", "format": "json"}).json()
    assert narrowed["facets"]["total"] == by_conv["CITES"]
    assert {h["convention"] for h in narrowed["items"]} == {"CITES"}
    page = client.get("/search", params={"q": "invasive alien species", "convention": "CITES"})
    assert "Remove filter convention: CITES" in page.text
    assert "<mark>" in page.text


@pytest.mark.parametrize("sample", [None, 5])
def test_facet_counts_say_about_only_past_the_sample(client: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     sample: int | None) -> None:
    """Past the sample (5 here, 2,000 served), every count in the API, the JSON and the
    page is marked as an estimate; up to it, none is."""
    if sample is not None:
        monkeypatch.setattr(facets_module, "SAMPLE", sample)
    q = {"q": "Parties", "mode": "keyword"}
    api = client.get("/api/v1/search", params=q).json()["facets"]
    page = client.get("/search", params={**q, "format": "json"}).json()["facets"]
    html = client.get("/search", params=q).text
    for fac in (api, page):
        values = [v for name in ("convention", "kind", "in_force") for v in fac[name]]
        assert values and all(v["about"] is (sample is not None) for v in values)
        assert (fac["sampled"] is None) is (sample is None)
    assert ('<span class="n">about ' in html) is (sample is not None)
    assert ("are estimated from" in html) is (sample is not None)


@pytest.mark.parametrize(("path", "first_column"), [
    ("/documents?format=csv", "id"),
    ("/search?q=bycatch+OR+invasive&format=csv", "paragraph_id"),
    ("/mandates?actor=Parties&format=csv", "id"),
    ("/review?convention=CMS&as_of=COP15&format=csv", "action"),
    ("/lineage/cms/resolution/12.921-rev-cop14?format=csv", "source"),
])
def test_list_pages_download_as_csv(client: TestClient, path: str, first_column: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][0] == first_column and len(rows) > 1
    # a yes/no is true/false in every CSV of mealink, on every engine
    assert not {c for row in rows[1:] for c in row} & {"True", "False"}
    for name in {"in_force", "time_bound", "is_stub"} & set(rows[0]):
        at = rows[0].index(name)
        assert {row[at] for row in rows[1:]} <= {"true", "false", ""}, name


def test_list_pages_as_json_match_the_api(client: TestClient) -> None:
    page = client.get("/mandates", params={"actor": "Scientific Council", "format": "json"})
    api = client.get("/api/v1/mandates", params={"actor": "Scientific Council",
                                                 "in_force": "true", "limit": 500})
    assert page.json()["total"] == api.json()["total"] > 0
    assert [m["id"] for m in page.json()["items"]] == [m["id"] for m in api.json()["items"]]


def test_api_lists_are_paginated_and_filtered(client: TestClient) -> None:
    whole = client.get("/api/v1/documents", params={"limit": 500}).json()
    assert whole["total"] == len(whole["items"]) >= 8
    seen = []
    for offset in range(0, whole["total"], 3):
        page = client.get("/api/v1/documents", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == whole["total"] and page["offset"] == offset
        seen += [d["id"] for d in page["items"]]
    assert seen == [d["id"] for d in whole["items"]]
    cms = client.get("/api/v1/documents", params={"convention": "cms"}).json()
    assert cms["items"] and {d["convention"] for d in cms["items"]} == {"CMS"}
    stubs = client.get("/api/v1/documents", params={"in_corpus": "false"}).json()
    assert stubs["items"] and not any(d["in_corpus"] for d in stubs["items"])
    m1 = client.get("/api/v1/mandates", params={"limit": 2, "offset": 0}).json()
    m2 = client.get("/api/v1/mandates", params={"limit": 2, "offset": 2}).json()
    assert m1["total"] == m2["total"] > 4
    assert not {m["id"] for m in m1["items"]} & {m["id"] for m in m2["items"]}
    due = client.get("/api/v1/mandates", params={"due_before": "COP14", "limit": 1}).json()
    assert due["total"] >= 1 and len(due["items"]) == 1


def test_api_documents_paragraphs_lineage_review(client: TestClient) -> None:
    doc = client.get("/api/v1/documents/cms/resolution/13.905").json()
    assert doc["label"] == "CMS Resolution 13.905" and doc["in_force"]
    para = next(p for p in doc["paragraphs"] if p["anchor"] == "para_3")
    assert "Scientific Council" in para["actors"]
    actor = next(m for m in para["marks"] if m["kind"] == "actor")
    assert para["text"][actor["start"]:actor["end"]] == "Scientific Council"
    same = client.get("/api/v1/paragraphs/cms/resolution/13.905/para_3").json()
    assert same["id"] == para["id"]
    by_symbol = client.get("/api/v1/documents/UNEP/CMS/Resolution 13.905").json()
    assert by_symbol["id"] == "cms/resolution/13.905"
    lin = client.get("/api/v1/lineage/cms/resolution/12.921-rev-cop14").json()
    assert any(e["relation"] == "revises" for e in lin["edges"])
    rev = client.get("/api/v1/review", params={"convention": "CMS", "as_of": "COP15"}).json()
    assert rev["convention"] == "CMS" and rev["proposals"]
    m = client.get(f"/api/v1/mandates/{M_3B}").json()
    assert m["actor"] == "Scientific Council" and m["history"] == []
    assert client.get(f"/api/v1/mandates/{M_3B}/progress").json() == {
        "total": 0, "limit": 50, "offset": 0, "items": []}


def test_api_status_says_what_it_rests_on(client: TestClient) -> None:
    st = client.get("/api/v1/status/CMS Resolution 11.928").json()
    assert (st["state"], st["in_force"], st["in_corpus"]) == ("repealed", False, False)
    [ev] = st["evidence"]
    assert ev["kind"] == "act" and ev["document_id"] == "cms/resolution/13.905"
    assert ev["paragraph_id"] and ev["paragraph_id"].startswith("cms/resolution/13.905/")
    cited = client.get("/api/v1/status/CBD Decision XIII/913").json()
    assert (cited["state"], cited["in_force"]) == ("no repeal known", None)
    then = client.get("/api/v1/status/CMS Resolution 11.928", params={"as_of": "COP12"})
    assert then.json()["state"] == "no repeal known"
    lapsed = client.get("/api/v1/status/CMS Decision 14.911",
                        params={"as_of": "COP15"}).json()
    assert (lapsed["state"], lapsed["lapses_at"]) == ("expected to have lapsed", "COP15")
    assert any(e["kind"] == "rule" for e in lapsed["evidence"])
    listed = client.get("/api/v1/in-force", params={"convention": "CMS"}).json()
    assert listed["items"] and all(i["in_corpus"] and i["evidence"] for i in listed["items"])
    stored = client.get("/api/v1/in-force").json()
    with_cited = client.get("/api/v1/in-force", params={"include_cited": "true"}).json()
    assert with_cited["total"] > stored["total"]
    assert {i["state"] for i in with_cited["items"] if not i["in_corpus"]} == {"no repeal known"}
    assert client.get("/api/v1/status/CMS Resolution 11.928",
                      params={"as_of": "soon"}).status_code == 400


def test_document_page_shows_what_the_status_rests_on(client: TestClient) -> None:
    page = client.get("/cms/resolution/11.928").text  # known only from citations
    assert "What the status rests on" in page and "no evidence either way" not in page
    assert "repealed by CMS Resolution 13.905" in page
    stub = client.get("/cbd/decision/XIII-913").text
    assert "no repeal known (text not in the corpus)" in stub and "no evidence either way" in stub
    fixture = client.get("/cms/resolution/13.905").text
    assert "Adopted by" in fixture and "Identified by" in fixture


@pytest.mark.parametrize(("path", "status", "code", "words"), [
    ("/api/v1/documents/cms/resolution/99.99", 404, "not_found", "not in the corpus"),
    ("/api/v1/paragraphs/cms/resolution/13.905/para_99", 404, "not_found", "no paragraph"),
    ("/api/v1/mandates/nothing/here", 404, "not_found", "no mandate"),
    ("/api/v1/documents?limit=0", 422, "invalid_request", "limit"),
    ("/api/v1/search", 422, "invalid_request", "q"),
    ("/api/v1/search?q=%22%22", 400, "bad_request", "no words"),
    ("/api/v1/mandates?status=finished", 400, "bad_request", "finished"),
    ("/api/v1/mandates?due_before=someday", 400, "bad_request", "someday"),
    ("/api/v1/review?convention=XYZ", 404, "not_found", "XYZ"),
    ("/api/v1/nowhere", 404, "not_found", ""),
    ("/api/v1/documents?q=%00", 400, "bad_request", "NUL"),
])
def test_api_errors_have_one_shape(client: TestClient, path: str, status: int, code: str,
                                   words: str) -> None:
    r = client.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert words in body["error"]["message"]
    assert "\n" not in body["error"]["message"]


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/documents", "/api/v1/search", "/api/v1/mandates",
              "/api/v1/mandates/{mandate_id}/progress", "/api/v1/review",
              "/api/v1/lineage/{document_id}"):
        assert p in paths, p
    assert "post" in paths["/api/v1/mandates/{mandate_id}/progress"]
    assert not any(p.startswith("/search") for p in paths)  # pages are not the API


def test_hostile_text_is_shown_as_text(client: TestClient) -> None:
    for path in (f"/{HOSTILE_ID}", "/mandates?document=" + HOSTILE_ID + "&in_force="):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    # PostgreSQL's headline drops what its parser takes for tags; SQLite keeps them: escaped
    found = client.get("/search?q=publish+quotes").text
    assert "CMS Resolution 13.999" in found and "<script>alert" not in found
    api = client.get(f"/api/v1/documents/{HOSTILE_ID}").json()
    assert any("<script>alert(1)</script>" in p["text"] for p in api["paragraphs"])


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


# --- exports by URL suffix -------------------------------------------------------------------
def test_document_exports_by_suffix(client: TestClient) -> None:
    """The document page links its exports; the API serves them, valid and streamed."""
    from lxml import etree

    from mealink.export import akn_schema

    page = client.get("/cms/resolution/13.905").text
    assert 'href="/api/v1/documents/cms/resolution/13.905.akn.xml"' in page
    akn = client.get("/api/v1/documents/cms/resolution/13.905.akn.xml")
    assert akn.status_code == 200 and akn.headers["content-type"] == "application/akn+xml"
    root = etree.fromstring(akn.content)
    assert akn_schema()(root)
    assert root.find(".//{*}docNumber").text == "UNEP/CMS/Resolution 13.905"
    # the hostile text's markup is text in the XML, never elements
    hostile = client.get(f"/api/v1/documents/{HOSTILE_ID}.akn.xml")
    assert b"<script>" not in hostile.content and b"&lt;script&gt;" in hostile.content
    assert akn_schema()(etree.fromstring(hostile.content))
    rows = client.get("/api/v1/export/paragraphs.csv", params={"document": HOSTILE_ID})
    assert rows.status_code == 200 and rows.headers["content-type"].startswith("text/csv")
    lines = rows.text.splitlines()
    assert lines[0].startswith("id,document_id,seq,kind")
    assert all(line.startswith(HOSTILE_ID) for line in lines[1:]) and len(lines) > 2
    for path, status in (("/api/v1/documents/cms/resolution/99.99.akn.xml", 404),
                         ("/api/v1/export/things.csv", 400)):
        r = client.get(path)
        assert r.status_code == status and r.json()["error"]["status"] == status


def test_hybrid_hits_say_why_they_come_in_their_order(client: TestClient) -> None:
    """A hit's similarity alone can be below the next one's in hybrid mode: the page says the
    order is both rankings together and gives each hit's place in each, and the order is
    that of the fused score."""
    data = client.get("/search", params={"q": "invasive alien species on islands",
                                         "format": "json"}).json()
    scores = [h["score"] for h in data["items"]]
    assert len(scores) > 3 and scores == sorted(scores, reverse=True)
    page = client.get("/search", params={"q": "invasive alien species on islands"}).text
    assert "In order of both rankings together" in page
    ranks = re.findall(r'<span class="ranks">([^<]*)</span>', page)
    assert len(ranks) == len(re.findall(r'<li class="hit">', page)) > 3
    assert all(re.fullmatch(r"(\d+(st|nd|rd|th) by words|not among the word matches), "
                            r"(\d+(st|nd|rd|th) by meaning|not among the closest in meaning)",
                            r) for r in ranks), ranks


@pytest.mark.parametrize(("n", "written"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                            (11, "11th"), (12, "12th"), (13, "13th"),
                                            (21, "21st"), (22, "22nd"), (101, "101st"),
                                            (111, "111th")])
def test_ordinals(n: int, written: str) -> None:
    assert f"{n}{ordinal_suffix(n)}" == written


@pytest.mark.parametrize(("document", "number", "shown"), [
    ("CMS Resolution 13.5", "5", "CMS Resolution 13.5 ¶5"),
    ("island-notes.txt", "5", "CMS text without symbol or title ¶5"),
    ("island-notes.txt", None, "CMS text without symbol or title (“compile a list of”)"),
])
def test_synergy_tables_never_name_a_text_by_its_file(document: str, number: str | None,
                                                      shown: str) -> None:
    item = MandateItem("k", "p", "d", document, "CMS", number, "secretariat", ("Secretariat",),
                       "compile a list of", "active", ("m",))
    assert place(item) == shown
