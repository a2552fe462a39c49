"""Web workflows in a real browser (issue 16): export downloads, citing, hit navigation, phone layout.

Chromium (Playwright) against uvicorn on 127.0.0.1, serving the session's
keyword index (no model: the module starts in seconds). Screenshots at
390×844 and 1280×800 go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.helpers import chromium_browser

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
QUERY = "coopération"
DOC = "/documents/2010-kanazawa-fr"


@pytest.fixture(scope="module")
def base_url(keyword_server_url):
    return keyword_server_url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="fr-FR")
    p = context.new_page()
    yield p
    context.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def _total(page, base_url: str, **params) -> int:
    return page.request.get(f"{base_url}/api/search", params={"q": QUERY, "mode": "keyword", **params}).json()["total"]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_links_download_every_result(page, base_url, fmt):
    page.goto(f"{base_url}/?q={QUERY}&mode=keyword")
    with page.expect_download() as info:
        page.click(f'a[data-export="{fmt}"]')
    body = Path(info.value.path()).read_bytes()
    total = _total(page, base_url)
    assert total > 10  # more than the page shows
    if fmt == "csv":
        assert not body.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
        assert len(rows) == total and rows[0]["passage_id"] and rows[0]["permalink"].startswith(base_url)
    else:
        import json

        assert len(json.loads(body)["results"]) == total


def test_cite_action_gives_a_reference_line_in_the_interface_language(page, base_url):
    for ui, start, para in (("fr", "« ", "§ "), ("ja", "『", "段落")):
        page.goto(f"{base_url}/?q={QUERY}&mode=keyword&ui={ui}")
        page.locator("details.cite summary").first.click()
        line = page.locator("textarea.cite-line").first.input_value()
        assert line.startswith(start) and para in line and "/passages/" in line


def test_results_per_page_switch(page, base_url):
    page.goto(f"{base_url}/?q={QUERY}&mode=keyword")
    page.click('.per-page a:text-is("20")')
    assert page.locator("article.result").count() == min(20, _total(page, base_url))
    assert "per=20" in page.url


@pytest.mark.parametrize("query", ["tourisme", "観光"])
def test_both_columns_are_marked_and_n_p_move_focus_between_marks(page, base_url, query):
    page.goto(f"{base_url}{DOC}?q={query}")
    cols = page.locator(".aligned-row .aligned-col")
    counts = page.evaluate("""() => {
        const out = [0, 0];
        document.querySelectorAll('.aligned-row').forEach(r => r.querySelectorAll(':scope > .aligned-col').forEach(
            (c, i) => { out[i] += c.querySelectorAll('mark').length; }));
        return out; }""")
    assert cols.count() > 0 and counts[0] > 0 and counts[1] > 0, counts
    marks = page.locator(".aligned mark")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.aligned mark')[0]")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.aligned mark')[1]")
    page.click('button[data-hit="prev"]')
    assert page.evaluate("document.activeElement === document.querySelectorAll('.aligned mark')[0]")
    assert marks.nth(0).evaluate("m => m.classList.contains('is-current')")
    box = marks.nth(0).bounding_box()
    assert box and 0 <= box["y"] <= DESKTOP["height"], "the focused mark is scrolled into view"


def test_screenshots_desktop(page, base_url):
    page.goto(f"{base_url}/?q={QUERY}&mode=keyword")
    _shot(page, "workflows-results-1280")
    page.goto(f"{base_url}{DOC}?q=tourisme")
    page.keyboard.press("n")
    _shot(page, "workflows-document-1280")
    toc = page.locator("nav.toc").bounding_box()
    assert toc and toc["x"] < 400, "the table of contents sits left of the text"


def test_phone_layout(browser, base_url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/?q={QUERY}&mode=keyword")
        assert not page.locator("details.filters-panel").evaluate("d => d.open"), "folded on a phone"
        filters = page.locator("details.filters-panel > summary").bounding_box()
        first = page.locator("article.result").first.bounding_box()
        assert filters and first and filters["y"] < first["y"], "filters come before the results"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "workflows-results-390")
        page.locator("details.filters-panel > summary").click()
        assert page.locator("details.filters-panel .facet-list").first.is_visible()
        page.goto(f"{base_url}{DOC}?q=tourisme")
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "workflows-document-390-top")
        version = page.locator("a.doc-version").last.bounding_box()
        assert version and version["height"] < 120 and version["width"] > 200, version
        assert page.locator(".col-label", has_text="日本語").first.is_visible()
        assert page.locator(".col-label", has_text="FR").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.keyboard.press("n")
        nav = page.locator(".hit-nav").bounding_box()
        assert nav and nav["height"] < 60, "the sticky hit bar stays one line on a phone"
        _shot(page, "workflows-document-390")
    finally:
        context.close()
