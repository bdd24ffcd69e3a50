"""Reading the pages in a real headless Chromium (issue 17, "Reading"), at laptop width and
at 375 px: the contents of a document and its jump, the preamble's type, where citations
and "N mandates" links land, one id per element, a one-row header and filters within reach
on a phone, bars in their status's colour, placeholders that fit their fields and a focus
ring that can be seen (3:1 at least against what lies behind it).

Without a browser these tests skip on a developer machine and fail where
``MEALINK_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from mealink.store import open_store
from mealink.store.search.vectors import embed_paragraphs
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.test_browser import LAPTOP, _chromium
from tests.test_reading import fill_reading
from tests.webapp import serving

PHONE = {"width": 375, "height": 812}
#: pages with forms, and the pages a reader goes through
PAGES = ["/", "/documents", "/search?q=invasive+alien+species", "/mandates",
         "/synergies?topic=invasive-alien-species", "/review", "/cms/resolution/13.905"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, realdocs_dir: object) -> Iterator[str]:
    """``mealink serve`` over the reading corpus, in a thread of this process."""
    folder = tmp_path_factory.mktemp("browser-reading")
    db = str(folder / "web.db")
    store = open_store(db)
    fill_reading(store, folder)
    embed_paragraphs(store)
    store.dispose()
    app = create_app(WebConfig(db=db, secure_cookies=False))
    with serving(app) as address:
        yield address


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(params=["laptop", "phone"])
def page(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Any]:
    """A fresh page at laptop or phone width that fails the test on any console error."""
    ctx = browser.new_context(viewport=LAPTOP if request.param == "laptop" else PHONE,
                              base_url=server)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"console errors: {errors}"


def test_contents_jump_to_the_operative_part(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/cms/resolution/13.905")
    toc = page.get_by_role("navigation", name="Contents")
    expect(toc.get_by_role("link")).to_have_text(["Preamble", "Operative part",
                                                  "Go to the operative part"])
    toc.get_by_role("link", name="Go to the operative part").click()
    target = page.locator(":target")
    expect(target).to_have_attribute("id", "para_1")
    expect(target).to_be_in_viewport()
    toc.get_by_role("link", name="Preamble").click()
    expect(page.locator(":target")).to_have_attribute("id", "pre_1")


def test_preamble_is_roman_with_its_lead_in_italics(page: Any) -> None:
    page.goto("/cms/resolution/13.905")
    styles = page.evaluate("""() => [...document.querySelectorAll('.para.preamble')].map(p => [
        getComputedStyle(p.querySelector('.body > p')).fontStyle,
        getComputedStyle(p.querySelector('em.lead-words')).fontStyle,
        p.querySelector('em.lead-words').textContent])""")
    assert len(styles) == 9
    assert {(body, lead) for body, lead, _ in styles} == {("normal", "italic")}
    assert [w for _, _, w in styles][:3] == ["Recalling", "Recalling also", "Aware"]


def test_citation_of_a_text_not_in_the_corpus_leads_to_its_status(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/cms/resolution/13.905")
    page.locator("#pre_6 a.ref.missing", has_text="decision XIV/911").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CBD Decision XIV/911")
    expect(page.get_by_role("heading", name="Not in the corpus")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("no repeal known")


def test_mandates_link_lands_on_the_mandate_on_another_page(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/cms/resolution/11.10")
    links = page.locator(".para .meta a", has_text="mandate")
    last = links.last
    anchor = last.evaluate("a => a.closest('.para').id")
    last.click()
    expect(page).to_have_url(f"{page.url.split('/mandates')[0]}/mandates?document="
                             f"cms%2Fresolution%2F11.10&page=2#m-{anchor}")
    target = page.locator(":target")
    expect(target).to_have_attribute("id", f"m-{anchor}")
    expect(target).to_be_in_viewport()
    expect(target.locator(".where")).to_contain_text(f"paragraph {anchor.split('_', 1)[1]}")


def test_mandates_pages_have_unique_ids(page: Any) -> None:
    for path in ("/mandates", "/mandates?document=cbd/decision/15-908&in_force=",
                 "/cms/resolution/11.10"):
        page.goto(path)
        repeated = page.evaluate("""() => { const seen = {}; for (const e of
            document.querySelectorAll('[id]')) seen[e.id] = (seen[e.id] || 0) + 1;
            return Object.keys(seen).filter(k => seen[k] > 1); }""")
        assert repeated == [], path


def test_header_is_one_row(page: Any) -> None:
    for path in PAGES:
        page.goto(path)
        rows = page.evaluate("""() => {
            const bar = document.querySelector('header.site .bar');
            const kids = [...bar.children].map(c => c.getBoundingClientRect());
            return {height: document.querySelector('header.site').getBoundingClientRect()
                    .height, tops: kids.map(r => Math.round(r.top + r.height / 2))}; }""")
        assert rows["height"] <= 60, (path, rows)
        assert max(rows["tops"]) - min(rows["tops"]) <= 4, (path, rows)
    # every menu entry is still there to reach (the menu scrolls sideways on a phone)
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Documents", "Search", "Mandates", "Synergies", "Review"):
        link = nav.get_by_role("link", name=name)
        link.scroll_into_view_if_needed()
        assert link.is_visible(), name


def test_search_filters_are_reachable_from_the_top(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/search?q=invasive+alien+species")
    screen = page.viewport_size["height"]
    facets = page.locator("aside.facets")
    if page.viewport_size["width"] > 600:
        expect(facets).to_be_in_viewport()
        return
    link = page.get_by_role("link", name="Filters", exact=True)
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= screen, box
    link.click()
    expect(facets).to_be_in_viewport()
    expect(facets.get_by_role("heading", name="Convention")).to_be_in_viewport()


def test_status_bars_have_the_colour_of_their_status(page: Any) -> None:
    from PIL import Image

    page.goto("/")
    rows = page.locator(".bars li")
    assert rows.count() >= 2
    seen = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        status = row.locator(".status").inner_text()
        badge = row.locator(".status").evaluate("e => getComputedStyle(e).color")
        shot = Image.open(io.BytesIO(row.locator("meter").screenshot())).convert("RGB")
        # the filled part starts at the left: a pixel inside it, in the middle row
        bar = shot.getpixel((4, shot.height // 2))
        want = tuple(int(v) for v in badge[badge.index("(") + 1:badge.index(")")].split(","))
        assert max(abs(a - b) for a, b in zip(bar, want[:3], strict=True)) <= 12, \
            (status, bar, badge)
        seen[status] = bar
    assert len(set(seen.values())) == len(seen), seen


def test_placeholders_fit_their_fields(page: Any) -> None:
    for path in PAGES:
        page.goto(path)
        cut = page.evaluate("""() => {
            const c = document.createElement('canvas').getContext('2d');
            return [...document.querySelectorAll('input[placeholder]')].filter(i => {
                const s = getComputedStyle(i);
                c.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                const room = i.clientWidth - parseFloat(s.paddingLeft)
                    - parseFloat(s.paddingRight);
                return i.offsetParent !== null && c.measureText(i.placeholder).width > room;
            }).map(i => i.id + ': ' + i.placeholder); }""")
        assert cut == [], (path, cut)


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The WCAG contrast ratio of two sRGB colours (0-255 each)."""
    def lum(c: tuple[float, ...]) -> float:
        lin = [v / 255 / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4
               for v in c[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_focus_ring_has_3_to_1_contrast(page: Any) -> None:
    page.goto("/search?q=invasive+alien+species")
    checked = 0
    for _ in range(25):  # header, form and result links, one after another
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            if (s.outlineStyle === 'none' || !parseFloat(s.outlineWidth)) return null;
            let p = e.parentElement, bg = 'rgba(0, 0, 0, 0)';
            while (p && (bg = getComputedStyle(p).backgroundColor) === 'rgba(0, 0, 0, 0)')
                p = p.parentElement;
            return [s.outlineColor, bg, e.textContent.trim().slice(0, 30)]; }""")
        if ring is None:
            continue
        colour, behind, name = ring
        nums = [tuple(float(v) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3])
                for c in (colour, behind)]
        assert _contrast(*nums) >= 3, (name, colour, behind, _contrast(*nums))
        checked += 1
    assert checked >= 10
