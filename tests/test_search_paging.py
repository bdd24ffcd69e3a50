"""Search pages cut one ranking per query, on SQLite and PostgreSQL, with the real model.

For random queries drawn (fixed seed) from the real texts of ../shared/realdocs, in every
mode: pages of size k put end to end are the first places of one large page, hold no
paragraph twice, number ``total`` in all, and a page past the end is empty and says so.
The same holds for the API, the web page's pager ("Page p of n", Chromium included) and
``mealink search --limit --offset`` run as a user runs it.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from mealink.store import Store, ingest, open_store
from mealink.store.search.find import MODES, Mode, find
from mealink.store.search.hits import SearchFilters
from mealink.store.search.vectors import embed_paragraphs
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import INVENTED, make_db
from tests.model import ENCODER
from tests.webapp import serving

SEED = 20261206
PAGE = 25  # the web pages' page size
_WORDS = re.compile(r"[A-Za-z][a-z]{3,}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def collection(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               realdocs_dir: Path, corpus_dir: Path) -> Iterator[tuple[Store, str]]:
    """The real texts, the gold corpus and the invented fixtures, embedded, per engine."""
    gen = make_db(request.param, tmp_path_factory.mktemp("paging"), request)
    url = next(gen)
    store = open_store(url)
    summary = ingest(store, [realdocs_dir, corpus_dir, INVENTED])
    # a few real files are refused as not decisions (a French CITES text); the rest stay
    assert sum(o.outcome != "failed" for o in summary.outcomes) > 70
    embed_paragraphs(store, model=ENCODER)
    yield store, url
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(scope="module")
def store(collection: tuple[Store, str]) -> Store:
    return collection[0]


def real_queries(store: Store, n: int) -> list[str]:
    """``n`` queries cut from paragraphs of the real texts: one word, two or three words in
    a row, some as a "quoted phrase"; the same ones on every engine."""
    with store.engine.connect() as conn:
        texts = list(conn.execute(text(
            "SELECT p.text FROM paragraphs p JOIN documents d ON d.id = p.document_id "
            "WHERE p.kind = 'operative' ORDER BY p.id")).scalars())
    rng = random.Random(SEED)
    out: list[str] = []
    while len(out) < n:
        words = _WORDS.findall(rng.choice(texts))
        if len(words) < 3:
            continue
        size = rng.choice((1, 2, 2, 3))
        at = rng.randrange(len(words) - size + 1)
        query = " ".join(words[at:at + size])
        if size > 1 and rng.random() < 0.25:
            query = f'"{query}"'
        if query not in out:
            out.append(query)
    return out


@pytest.fixture(scope="module")
def queries(store: Store) -> list[str]:
    return [*real_queries(store, 10), "Parties", "migratory species",
            "invasive alien species on islands"]


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.paragraph_id for h in hits]


@pytest.mark.parametrize("mode", MODES)
def test_pages_end_to_end_are_one_large_page(store: Store, queries: list[str],
                                             mode: Mode) -> None:
    rng = random.Random(f"{SEED}-{mode}")
    for query in queries:
        for filters in (None, SearchFilters(convention="CMS")):
            first = find(store, query, filters, mode=mode)
            total = first.ranked
            whole = find(store, query, filters, mode=mode, limit=max(total, 1) + 50)
            assert whole.ranked == total and len(whole) == total, (query, mode)
            k = rng.randint(3, 30)
            paged: list[str] = []
            for offset in range(0, total + k, k):
                page = find(store, query, filters, mode=mode, limit=k, offset=offset)
                assert page.ranked == total, (query, mode, offset)
                paged += ids(page)
            assert paged == ids(whole), (query, mode, k)
            assert len(set(paged)) == len(paged) == total, (query, mode)
            assert ids(first) == ids(whole)[:20]


@pytest.mark.parametrize("mode", MODES)
def test_a_page_past_the_end_is_empty_and_says_so(store: Store, queries: list[str],
                                                  mode: Mode) -> None:
    for query in queries:
        total = find(store, query, mode=mode).ranked
        past = find(store, query, mode=mode, limit=10, offset=total + 10)
        assert past == [] and past.ranked == total
        if total:
            assert past.past_the_end and not past.nothing_close
            assert past.message == (
                f"Past the end: '{query}' finds {total:,} paragraph"
                f"{'s' if total != 1 else ''}, so none is shown from number "
                f"{total + 11:,} on.")


@pytest.mark.parametrize("mode", ["keyword", "semantic"])
def test_equal_scores_go_in_the_order_paragraphs_were_stored(store: Store, queries: list[str],
                                                             mode: Mode) -> None:
    # the same text in two documents scores the same: stored order decides, on every page
    with store.engine.connect() as conn:
        pk = dict(conn.execute(text("SELECT id, pk FROM paragraphs")).all())
    ties = 0
    for query in queries:
        hits = find(store, query, mode=mode, limit=1000)
        for a, b in pairwise(hits):
            if a.score == b.score:
                ties += 1
                assert pk[a.paragraph_id] < pk[b.paragraph_id], (query, mode, a.paragraph_id)
    assert ties, "the queries should meet equal scores"


def test_keyword_pages_on_through_every_paragraph_with_the_words(store: Store) -> None:
    # "Parties" is in far more paragraphs than one ranking is read deep: paging reaches all
    whole = find(store, "Parties", mode="keyword", limit=5000)
    assert whole.ranked == len(whole) > 100
    deep = find(store, "Parties", mode="keyword", limit=7, offset=97)
    assert ids(deep) == ids(whole)[97:104]
    assert [h.why.keyword_rank for h in deep if h.why] == list(range(98, 105))


# --- the API and the web page --------------------------------------------------------------

@pytest.fixture(scope="module")
def client(collection: tuple[Store, str]) -> Iterator[TestClient]:
    app = create_app(WebConfig(db=collection[1]))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()


API_QUERIES = ["migratory species", "invasive alien species on islands", "Parties"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", API_QUERIES)
def test_api_pages_are_one_ranking_and_total_is_what_they_reach(
        client: TestClient, store: Store, query: str, mode: str) -> None:
    whole = client.get("/api/v1/search", params={"q": query, "mode": mode,
                                                 "limit": 500}).json()
    total = whole["total"]
    assert total == find(store, query, mode=mode).ranked  # type: ignore[arg-type]
    paged: list[str] = []
    for offset in range(0, total + 10, 10):
        page = client.get("/api/v1/search", params={"q": query, "mode": mode, "limit": 10,
                                                    "offset": offset}).json()
        assert page["total"] == total
        paged += [h["paragraph_id"] for h in page["items"]]
    assert len(paged) == len(set(paged)) == total
    assert paged[:500] == [h["paragraph_id"] for h in whole["items"]]
    past = client.get("/api/v1/search", params={"q": query, "mode": mode, "limit": 10,
                                                "offset": total + 10}).json()
    assert past["items"] == [] and past["total"] == total and not past["nothing_close"]
    assert past["message"].startswith(f"Past the end: '{query}' finds {total:,} paragraph")
    page_json = client.get("/search", params={"q": query, "mode": mode,
                                              "format": "json"}).json()
    assert page_json["total"] == total


_PAGER = re.compile(r"Page ([\d,]+) of ([\d,]+)")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", API_QUERIES)
def test_the_pager_counts_the_same_pages_on_every_page(client: TestClient, store: Store,
                                                       query: str, mode: str) -> None:
    total = find(store, query, mode=mode).ranked  # type: ignore[arg-type]
    last = max(1, math.ceil(total / PAGE))
    whole = ids(find(store, query, mode=mode, limit=total + 1))  # type: ignore[arg-type]
    for page in range(1, last + 1):
        html = client.get("/search", params={"q": query, "mode": mode, "page": page}).text
        shown = _PAGER.findall(html)
        assert shown == ([(str(page), f"{last:,}")] if last > 1 else []), (page, shown)
        assert f'<ol class="hits" start="{(page - 1) * PAGE + 1}">' in html
        hits = re.findall(r'<li class="hit">\s*<p class="where"><a href="([^"]+)"', html)
        expected = whole[(page - 1) * PAGE:page * PAGE]
        assert len(hits) == len(expected)
        for href, pid in zip(hits, expected, strict=True):
            assert href.endswith("#" + pid.rsplit("/", 1)[-1])
        assert ('rel="next"' in html) == (page < last)
        assert ('rel="prev"' in html) == (page > 1)
    if mode == "keyword":
        assert f"{total:,} paragraph{'s' if total != 1 else ''} match" in html
    for beyond in (last + 1, 100_000):
        html = client.get("/search", params={"q": query, "mode": mode, "page": beyond}).text
        assert not _PAGER.search(html) and '<li class="hit">' not in html
        assert (f'<p class="past-end" role="status">Page {beyond:,} is past the end: '
                f"{total:,} paragraph") in html
        assert f'page={last}">Go to page {last}</a>' in html


# --- the CLI, as a user runs it ---------------------------------------------------------------

def run_search(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mealink.cli", "search", *args, "--db", url],
                          capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_cli_limit_and_offset_page_through_one_ranking(collection: tuple[Store, str]) -> None:
    store, url = collection
    query = "invasive alien species on islands"
    whole = find(store, query, mode="keyword", limit=1000)
    total = whole.ranked
    paged: list[str] = []
    offset = 0
    while True:
        r = run_search(url, query, "--mode", "keyword", "--limit", "40", "--offset",
                       str(offset), "-f", "json")
        assert r.returncode == 0, r.stderr
        page = [h["paragraph_id"] for h in json.loads(r.stdout)]
        if not page:
            assert r.stderr.splitlines() == [
                f"Past the end: '{query}' finds {total:,} paragraphs, so none is shown "
                f"from number {offset + 1:,} on."]
            break
        assert r.stderr == ""
        paged += page
        offset += 40
    assert paged == ids(whole) and len(paged) == total
    r = run_search(url, query, "--mode", "keyword", "--limit", "5", "--offset", "10")
    assert r.returncode == 0, r.stderr
    assert f"Paragraphs 11-15 of {total:,} for '{query}'" in r.stdout
    r = run_search(url, query, "--offset", "-1")
    assert r.returncode != 0 and "--offset" in r.stderr


# --- the pager in a real browser --------------------------------------------------------------

@pytest.fixture(scope="module")
def server(collection: tuple[Store, str]) -> Iterator[str]:
    """``mealink serve`` on the collection, on loopback, in a thread of this process."""

    app = create_app(WebConfig(db=collection[1], secure_cookies=False))
    with serving(app) as address:
        yield address


def test_a_reader_pages_to_the_end_and_back_in_chromium(server: str, store: Store) -> None:
    from tests.test_browser import _chromium

    path = _chromium()
    from playwright.sync_api import expect, sync_playwright

    query = "migratory species"
    total = find(store, query).ranked
    last = math.ceil(total / PAGE)
    assert last >= 3, "the query should fill several pages"
    whole = ids(find(store, query, limit=total))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = browser.new_page(base_url=server)
        page.goto("/search?q=migratory+species")
        seen: list[str] = []
        for number in range(1, last + 1):
            expect(page.locator("nav.pager span")).to_have_text(f"Page {number} of {last}")
            hrefs = page.locator("li.hit p.where a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))")
            seen += [h.rsplit("#", 1)[-1] for h in hrefs]
            if number < last:
                page.get_by_role("link", name="Next →").click()
        expect(page.get_by_role("link", name="Next →")).to_have_count(0)
        assert seen == [pid.rsplit("/", 1)[-1] for pid in whole]
        page.get_by_role("link", name="← Previous").click()
        expect(page.locator("nav.pager span")).to_have_text(f"Page {last - 1} of {last}")
        page.goto("/search?q=migratory+species&page=100000")
        expect(page.locator("p.past-end")).to_contain_text(
            f"Page 100,000 is past the end: {total:,} paragraphs fill {last} pages.")
        expect(page.locator("nav.pager")).to_have_count(0)
        page.get_by_role("link", name=f"Go to page {last}").click()
        expect(page.locator("nav.pager span")).to_have_text(f"Page {last} of {last}")
        browser.close()
