"""The web application in a real headless Chromium (Debian's ``chromium`` driven by
Playwright for Python; nothing is downloaded): read a document, follow a reference, search
and filter, sign in, change a mandate's status and see it in the history. Every main page
is saved as a screenshot at laptop and phone width in ``artifacts/screenshots``.

Without a browser these tests skip on a developer machine and fail where
``MEALINK_REQUIRE_BROWSER=1`` (CI installs Debian's chromium first).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink.store import open_store
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import REPO, skip_or_fail
from tests.webapp import PASSWORD, fill, serving

SHOTS = Path(os.environ.get("MEALINK_ARTIFACTS", REPO / "artifacts")) / "screenshots"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def _chromium() -> str:
    path = os.environ.get("MEALINK_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not path:
        skip_or_fail("no Chromium: install Debian's chromium package (apt-get install "
                     "chromium) or set MEALINK_CHROMIUM", "MEALINK_REQUIRE_BROWSER")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mealink serve`` as it runs on loopback, in a thread of this process."""
    folder = tmp_path_factory.mktemp("browser")
    db = str(folder / "web.db")
    store = open_store(db)
    fill(store, folder)
    store.dispose()
    app = create_app(WebConfig(db=db, secure_cookies=False))  # plain HTTP on loopback
    with serving(app) as address:
        yield address


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    path = _chromium()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    """A fresh page that fails the test on any console error (a CSP refusal included)."""
    ctx = browser.new_context(viewport=LAPTOP, base_url=server)  # type: ignore[attr-defined]
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"console errors: {errors}"


def shot(pg: object, name: str) -> None:
    """Save the page at laptop width (whole page) and at phone width (first screen)."""
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    pg.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / f"{name}-phone.png"))  # type: ignore[attr-defined]
    pg.set_viewport_size(LAPTOP)  # type: ignore[attr-defined]


def test_read_a_document_and_follow_a_reference(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/")
    expect(page.get_by_role("heading", name="Conventions")).to_be_visible()
    shot(page, "home")
    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_role("link", name="CMS Resolution 13.905").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CMS Resolution 13.905")
    expect(page.locator("#para_3 mark.actor")).to_have_text("Scientific Council")
    expect(page.locator("mark.deadline").first).to_be_visible()
    shot(page, "document")
    page.goto("/cbd/decision/15-908")  # cites CITES Res. Conf. 13.910 (Rev. CoP19), ingested
    page.locator("a.ref", has_text="13.910").first.click()
    expect(page).to_have_url("/cites/resolution/13.910-rev-cop19")
    expect(page.get_by_role("heading", level=1)).to_contain_text("13.910")
    page.go_back()
    page.get_by_role("link", name="Lineage", exact=True).click()
    expect(page.locator("svg.lineage")).to_be_visible()
    shot(page, "lineage")


def test_permalink_lands_on_the_paragraph(page: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cms/resolution/13.905/para_3(b)")  # a paragraph id redirects to its anchor
    expect(page).to_have_url(f"{server}/cms/resolution/13.905#para_3(b)")
    target = page.locator(":target")
    expect(target).to_have_attribute("id", "para_3(b)")
    expect(target).to_be_in_viewport()


def test_search_and_filter(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/search")
    page.get_by_label("Search the paragraphs").fill("invasive alien species")
    page.keyboard.press("Enter")
    expect(page.locator("#h-hits")).to_contain_text("Closest paragraphs by meaning and words")
    page.locator(".facet", has_text="Convention").get_by_role("link", name="CITES").click()
    expect(page.get_by_role("link", name="Remove filter convention: CITES")).to_be_visible()
    for text in page.locator(".hit .where a").all_inner_texts():
        assert text.startswith("CITES")
    expect(page.locator(".hit mark").first).to_be_visible()
    shot(page, "search")
    page.locator(".hit .where a").first.click()
    expect(page.locator(":target")).to_be_visible()


def test_sign_in_and_change_a_mandate_status(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/mandates?actor=Scientific+Council")
    expect(page.get_by_role("heading", name="By actor and status")).to_be_visible()
    shot(page, "mandates")
    page.locator("ol.mandates .what a").first.click()
    mandate_url = page.url
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    page.get_by_role("link", name="Sign in", exact=True).first.click()
    page.get_by_label("Name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash")).to_contain_text("Signed in as ana")
    page.goto(mandate_url)
    page.get_by_label("New status").select_option("implemented")
    page.get_by_label("Note", exact=True).fill("Review delivered to the Sessional Committee.")
    page.get_by_label("Evidence").fill("CMS Decision 14.911")
    page.get_by_role("button", name="Record as ana").click()
    expect(page.locator(".flash")).to_have_text("Progress recorded.")
    history = page.locator("ol.history li").last
    expect(history).to_contain_text("ana")
    expect(history).to_contain_text("implemented")
    expect(history).to_contain_text("CMS Decision 14.911")
    expect(history.get_by_role("link", name="CMS Decision 14.911")).to_have_attribute(
        "href", "/cms/decision/14.910")  # evidence given as a symbol leads to the text
    expect(page.locator("dl.facts .status").first).to_have_text("implemented")
    shot(page, "mandate")


def test_review_page_and_its_annex(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/review")
    page.get_by_label("Convention").select_option("CMS")
    page.get_by_label("As of").fill("COP15")
    page.get_by_role("button", name="Review").click()
    expect(page.locator("h2.count")).to_contain_text("for CMS as of COP15")
    shot(page, "review")
    page.get_by_role("link", name="draft annex (text)").click()
    expect(page.locator("body")).to_contain_text("CMS")


def test_keyboard_and_labels(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/mandates")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for path in ("/", "/mandates", "/search?q=bycatch", "/cms/resolution/13.905", "/sign-in"):
        page.goto(path)
        missing = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(e => !e.labels.length
            && !e.getAttribute('aria-label')).map(e => e.name)""")
        assert missing == [], path
        assert page.evaluate("document.documentElement.lang") == "en"


def test_synergies_page_shows_pairs_and_leads(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/")
    page.get_by_role("link", name="Synergies").click()
    expect(page.get_by_role("heading", name="Cross-cutting issues")).to_be_visible()
    expect(page.locator("table.list").first).to_contain_text("CMS")
    page.get_by_label("Topic").select_option("invasive-alien-species")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#h-pairs")).to_contain_text("overlapping pair")
    assert page.locator("#h-pairs + table mark").count() > 0
    shot(page, "synergies")
    page.locator("#h-pairs + table a").first.click()
    expect(page.locator("h1")).to_be_visible()
