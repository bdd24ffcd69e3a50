"""Reading the pages (issue 17, "Reading") on SQLite and PostgreSQL through the real ASGI
app: a document's contents and its preamble as printed, citations of texts not in the
corpus that lead somewhere, "N mandates" links that land on the mandate, mandates that
read as sentences, texts named by their titles and listed after identified ones, the home
page's dates, the topic menu and the words the synergies table marks."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mealink.store import Store, ingest, open_store
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import REALDOCS, make_db
from tests.webapp import fill

#: real texts beside the invented fixtures: CMS Resolution 11.10 (34 mandates, more than a
#: page of the mandates list) and a CITES decision whose page gave neither symbol nor title
REAL = ["cms-res-11.10.txt", "cites-dec-nomenclature-app-iii-sc.txt"]
UNIDENTIFIED = "cites/document/cites-dec-nomenclature-app-iii-sc"


def fill_reading(store: Store, folder: Path) -> None:
    """The web tests' corpus and the real texts above."""
    fill(store, folder)
    summary = ingest(store, [REALDOCS / name for name in REAL])
    assert not [o for o in summary.outcomes if o.outcome == "failed"], summary.outcomes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           realdocs_dir: Path) -> Iterator[TestClient]:
    """The application over that corpus, once per engine."""
    folder = tmp_path_factory.mktemp("reading")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    store = open_store(url)
    fill_reading(store, folder)
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()
    for _ in gen:
        pass


def test_document_has_contents_and_a_jump_to_the_operative_part(client: TestClient) -> None:
    html = client.get("/cms/resolution/13.905").text
    toc = html[html.index('<nav class="toc"'):html.index("</nav>", html.index('class="toc"'))]
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc) == [
        ("pre_1", "Preamble"), ("para_1", "Operative part")]
    assert '<a class="button" href="#para_1">Go to the operative part</a>' in toc


def test_preamble_sets_only_its_lead_in_italics(client: TestClient) -> None:
    html = client.get("/cms/resolution/13.905").text
    assert '<p><em class="lead-words">Recalling</em> Article III' in html
    assert '<p><em class="lead-words">Noting with appreciation</em> the review' in html


def test_citations_of_texts_not_in_the_corpus_lead_to_their_status(client: TestClient
                                                                    ) -> None:
    html = client.get("/cms/resolution/13.905").text
    # CBD decision XIV/911 is cited but not ingested: its page says what is known of it
    m = re.search(r'<a class="ref missing" href="([^"]+)" title="CBD Decision XIV/911: not in '
                  r'the corpus">decision XIV/911<span class="visually-hidden"> \(not in the '
                  r'corpus\)</span></a>', html)
    assert m, "the missing citation is not a link"
    stub = client.get(m.group(1))
    assert stub.status_code == 200
    assert "<h1>CBD Decision XIV/911</h1>" in stub.text and "Not in the corpus" in stub.text
    assert "no repeal known (text not in the corpus)" in stub.text
    # the references list under the paragraph leads there too
    assert f'<a href="{m.group(1)}">CBD Decision XIV/911</a> <span class="missing-tag">not ' \
           'in the corpus</span>' in html


def test_mandates_links_land_on_the_mandate_on_its_page(client: TestClient) -> None:
    html = client.get("/cms/resolution/11.10").text
    links = re.findall(r'<a href="(/mandates\?[^"]+)">(\d+) mandates?</a>', html)
    assert len(links) > 10
    later = [href for href, _ in links if "page=2" in href]
    assert later, "no link goes to the second page of 34 mandates"
    for href, _ in links:
        url, anchor = href.replace("&amp;", "&").split("#")
        page = client.get(url).text
        assert f'id="{anchor}"' in page, f"{href} does not land on its mandate"


def test_mandates_page_has_unique_ids(client: TestClient) -> None:
    for url in ("/mandates?document=cbd/decision/15-908&in_force=", "/mandates"):
        ids = Counter(re.findall(r'\bid="([^"]+)"', client.get(url).text))
        assert [i for i, n in ids.items() if n > 1] == [], url


def test_mandates_read_as_sentences(client: TestClient) -> None:
    html = client.get("/mandates?document=cms/resolution/13.905&in_force=").text
    what = re.findall(r'<p class="what"><a href="[^"]+">([^<]+)</a>', html)
    assert "requests the Scientific Council to identify the migratory species listed in the " \
           "Appendices" in " ".join(what)
    assert not [w for w in what if re.match(r"(request|urge|invite|encourage) ", w)], what
    assert '<p class="chosen-doc">Of <a href="/cms/resolution/13.905">CMS Resolution 13.905</a>' \
        in html
    one = client.get("/mandate/cms/resolution/13.905/para_3(b)/scientific-council").text
    assert '<p class="lead">requests the Scientific Council to prepare guidance on ' \
           "biosecurity" in one


@pytest.mark.parametrize(("verb", "written", "action", "sentence"), [
    ("request", "Secretariat", "compile a list", "requests the Secretariat to compile a list"),
    ("urge", "Parties", "to act", "urges Parties to act"),
    ("call on", "Parties", "contribute", "calls on Parties to contribute"),
    ("request", "Executive Secretary", "in consultation with the Bureau, to prepare a "
     "proposal", "requests the Executive Secretary, in consultation with the Bureau, to "
     "prepare a proposal"),
    ("shall", "Standing Committee", "consider it", "the Standing Committee shall consider it"),
    ("recommend", "Parties", "seek the views", "recommends that Parties seek the views"),
    ("invite", "IPBES", "Report on progress", "invites IPBES to report on progress"),
])
def test_mandate_sentence(verb: str, written: str, action: str, sentence: str) -> None:
    from mealink.mandates.extract import mandate_sentence

    assert mandate_sentence(verb, written, action) == sentence


def test_unidentified_texts_come_last_and_are_named_without_file_names(client: TestClient
                                                                       ) -> None:
    html = client.get("/documents?convention=CITES").text
    rows = re.findall(r'<tr><th scope="row"><a href="/([^"]+)">([^<]+)</a>', html)
    assert rows[-1] == (UNIDENTIFIED, "CITES text without symbol or title"), rows
    assert len(rows) > 1
    for path in ("/documents?convention=CITES", f"/{UNIDENTIFIED}",
                 f"/mandates?document={UNIDENTIFIED}&in_force="):
        assert "nomenclature-app-iii-sc.txt" not in client.get(path).text, path
    assert "<h1>CITES text without symbol or title</h1>" in client.get(f"/{UNIDENTIFIED}").text


def test_home_prints_each_date_once(client: TestClient) -> None:
    html = client.get("/").text
    due = html[html.index('id="h-due"'):]
    cells = re.findall(r'<td class="nowrap">(.*?)</td>', due)
    assert cells
    for cell in cells:
        dates = re.findall(r"\d{4}-\d\d-\d\d", cell)
        assert len(dates) == len(set(dates)), cell
    assert re.search(r'<meter class="s-active"', html)


def test_topic_menu_shows_the_topic_asked_for(client: TestClient) -> None:
    for topic in ("climate-change", "Climate change", "CLIMATE CHANGE"):
        html = client.get("/synergies", params={"topic": topic}).text
        assert re.findall(r'<option value="([^"]+)" selected>', html) == ["climate-change"], \
            topic


def test_synergies_mark_the_shared_subject_not_the_decision_wording(client: TestClient
                                                                    ) -> None:
    html = client.get("/synergies", params={"topic": "invasive-alien-species"}).text
    table = html[html.index('id="h-pairs"'):]
    marked = Counter(w.lower() for w in re.findall(r"<mark>([^<]+)</mark>", table))
    assert marked["invasive"] and marked["alien"]
    for word in ("secretariat", "secretariats", "parties", "conference", "cbd", "cites",
                 "subject", "availability", "resources", "requests"):
        assert not marked[word], (word, marked)


def test_a_citation_no_text_is_known_for_leads_to_a_search() -> None:
    from mealink.store.corpus.documents import CitationView, Mark
    from mealink.web.render import cited_href, marked

    unknown = CitationView("Resolution 99.999", "cites", None, None, False, False)
    assert cited_href(unknown) == "/search?q=Resolution+99.999"
    html = str(marked("Recalling Resolution 99.999;", [Mark("reference", 10, 27,
                                                            "Resolution 99.999")],
                      "Recalling", [unknown]))
    assert html == ('<em class="lead-words">Recalling</em> <a class="ref missing" '
                    'href="/search?q=Resolution+99.999" title="Resolution 99.999: not in the '
                    'corpus">Resolution 99.999<span class="visually-hidden"> (not in the '
                    'corpus)</span></a>;')
