"""The web app in a real browser: Chromium (Playwright) against uvicorn on 127.0.0.1.

Serves ``var/index`` when it is up to date with the corpus and has vectors,
else builds a full index of the corpus (slow). Screenshots of the main pages,
desktop and phone width, go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import chromium_browser, served_in_thread

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "自然災害への備え<b>太字</b>"]


@pytest.fixture(scope="module")
def served_index(model_index_dir) -> Path:
    """The session's full index of the bundled corpus (never the developer's own var/index)."""
    return model_index_dir


@pytest.fixture(scope="module")
def base_url(served_index):
    """A real uvicorn server in a thread, model loaded at start-up like `jumelage serve`."""
    from web.app import create_app

    model = str(ROOT / "var" / "model" / "multilingual-e5-small")
    with served_in_thread(create_app(served_index, model=model), start_timeout=180) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


class Watch:
    """Dialogs, CSP violations, console errors and 5xx answers seen by one page."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.server_errors.append(r.url) if r.status >= 500 else None)

    def assert_clean(self) -> None:
        assert not self.dialogs, self.dialogs
        assert not self.server_errors, self.server_errors
        assert not self.errors, self.errors  # includes "Refused to … Content Security Policy" messages


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    p = context.new_page()
    p.set_default_timeout(60_000)
    p.watch = Watch(p)
    yield p
    context.close()


def _search(page, base_url: str, query: str) -> None:
    page.goto(base_url + "/")
    page.fill("#q", query)
    with page.expect_navigation():
        page.press("#q", "Enter")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_french_query_marks_pages_filters_and_modes(page, base_url):
    _search(page, base_url, "coopération décentralisée")
    assert page.locator(".result").count() == 10
    assert page.locator(".snippet mark").count() > 0
    first_page = page.locator(".result .result-link code").all_inner_texts()

    with page.expect_navigation():
        page.click(".pager a[rel=next]")
    assert "page=2" in page.url and page.locator(".pager-current").inner_text() == "2"
    second_page = page.locator(".result .result-link code").all_inner_texts()
    assert second_page and not set(first_page) & set(second_page)

    with page.expect_navigation():  # app.js submits the form when a filter changes
        page.check("input[name=lang][value=fr]")
    assert "lang=fr" in page.url
    assert set(page.locator(".result .snippet").evaluate_all("els => els.map(e => e.lang)")) == {"fr"}

    with page.expect_navigation():
        page.check("input[name=mode][value=keyword]")
    assert "mode=keyword" in page.url and "lang=fr" in page.url
    assert page.locator(".result").count() > 0 and page.locator(".snippet mark").count() > 0
    page.locator(".result details.scores summary").first.click()
    assert page.locator(".result details.scores[open] table").first.is_visible()
    page.watch.assert_clean()


def test_declaration_facet_filters_and_the_chart_counts(page, base_url):
    _search(page, base_url, "tourisme culturel")
    assert page.locator(".chart svg rect.chart-bar").count() >= 1
    target = page.locator(".facet-list a[data-doc='2012-chartres-fr']")
    expected = int(target.locator(".count").inner_text())
    with page.expect_navigation():
        target.click()
    assert "doc=2012-chartres-fr" in page.url
    assert "2012-chartres-fr" in page.locator(".facet-list a[data-doc][aria-current]").get_attribute("data-doc")
    docs = page.locator(".result .result-link code").all_inner_texts()
    assert docs and all(d.startswith("2012-chartres-fr:") for d in docs)
    assert expected >= len(docs)
    page.watch.assert_clean()


def test_document_page_side_by_side_with_hits(page, base_url, corpus):
    _search(page, base_url, "mondialisation")
    with page.expect_navigation():
        page.locator(".result a.result-doc").first.click()
    assert "/documents/" in page.url and "q=mondialisation" in page.url
    assert page.locator(".aligned-row").count() > 10
    assert page.locator(".aligned mark").count() > 0
    assert page.locator(".passage[lang=fr]").count() > 0
    anchor = page.url.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1
    page.watch.assert_clean()
    assert any(d.lang == "ja" for d in corpus.documents), "the corpus lists Japanese translations"
    rows = page.locator(".aligned-two .aligned-row")
    both = rows.filter(has=page.locator(".passage[lang=fr]")).filter(has=page.locator(".passage[lang=ja]"))
    assert both.count() > 10


def test_japanese_query(page, base_url):
    _search(page, base_url, "自然災害への備え")
    assert page.locator(".result").count() > 0
    assert page.locator(".snippet mark, .translation mark").count() > 0
    assert page.input_value("#q") == "自然災害への備え"
    page.watch.assert_clean()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_are_shown_literally(page, base_url, text):
    _search(page, base_url, text)
    assert page.input_value("#q") == text
    assert page.locator("img").count() == 0 and page.locator("main script, main b").count() == 0
    assert text in page.locator("main").inner_text() or text in page.title()
    page.goto(f"{base_url}/documents/2010-kanazawa-fr?q={text}")
    assert text in page.locator(".hit-notice").inner_text()
    page.watch.assert_clean()


def test_interface_in_japanese(page, base_url):
    page.goto(base_url + "/?ui=ja&q=jeunesse")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("button[type=submit]").inner_text() == "検索"
    with page.expect_navigation():
        page.locator(".pager a[rel=next], .result a.result-doc").first.click()
    assert "ui=ja" in page.url  # the chosen interface language follows the reader
    page.watch.assert_clean()


def test_short_load_run_has_no_errors(base_url):
    from bench.load import run_load

    figures = run_load(base_url, seconds=3, concurrency=4, queries=["mondialisation", "防災"], mode="keyword")
    assert figures["requests"] > 0 and figures["errors"] == 0, figures


@pytest.mark.parametrize("viewport_name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots(browser, base_url, viewport_name, viewport):
    context = browser.new_context(viewport=viewport, locale="fr-FR", device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = Watch(page)
    shots = {
        "home": "/",
        "results": "/?q=tourisme+culturel",
        "results-ja-ui": "/?q=%E9%98%B2%E7%81%BD&ui=ja",
        "empty": "/?q=xylophone&mode=keyword",
        "document": "/documents/2012-chartres-fr?q=tourisme+culturel",
        "passage": "/passages/2012-chartres-fr:55?q=tourisme+culturel",
        "about": "/about",
    }
    for name, path in shots.items():
        page.goto(base_url + path)
        if viewport_name == "phone":  # nothing may stick out sideways on a phone
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} is {overflow}px wider than the phone screen"
        _shot(page, f"{name}-{viewport_name}")
    watch.assert_clean()
    context.close()
