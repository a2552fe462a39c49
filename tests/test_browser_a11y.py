"""Accessibility checked by axe-core in Chromium (issue 16, item 5): contrast, languages, landmarks, headings.

axe-core comes from npm into ``var/node`` (``make browser`` installs the
pinned version; nothing is downloaded at test time) and is injected with
Playwright into each page type, under both interface languages. The module
skips when axe-core or Chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import chromium_browser

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: The rules the issue names: contrast, the language of the page and of its parts, landmarks, headings.
RULES = [
    "color-contrast",
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
    "page-has-heading-one",
    "region",
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "landmark-main-is-top-level",
    "heading-order",
    "empty-heading",
    "list",
    "listitem",
]
#: One of each page type: results, side by side with a query, a passage, commitments, about, an error.
PAGES = [
    "/?q=coop%C3%A9ration&mode=keyword",
    "/?q=%E4%BA%A4%E6%B5%81&mode=keyword",
    "/documents/2012-chartres-fr?q=coop%C3%A9ration",
    "/passages/2012-chartres-fr:8",
    "/commitments",
    "/about",
    "/nope",
    "/?q=coop%C3%A9ration&mode=nope",
]


@pytest.fixture(scope="module")
def base_url(keyword_server_url):
    return keyword_server_url


@pytest.fixture(scope="module")
def browser():
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `make browser`")
    with chromium_browser() as b:
        yield b


#: Text whose language its nearest ``lang`` must name: kana or kanji is Japanese; a word with a French
#: accented letter is French (axe checks that ``lang`` values are valid, not that they are right).
#: Form fields are left out: a field's value is plain text and cannot tag a part of itself (the
#: "cite" reference line quotes a Japanese title inside a French reference).
WRONG_LANG = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim(), el = n.parentElement;
    if (!text || el.closest('script, style, textarea, [aria-hidden=true]')) continue;
    const lang = (el.closest('[lang]') || document.documentElement).lang.slice(0, 2);
    const want = /[\u3040-\u30ff\u4e00-\u9fff]/.test(text) ? 'ja'
      : /[a-z]*[éèêàâçîôûœ][a-z]*/i.test(text) ? 'fr' : null;
    if (want && want !== lang) out.push(`lang: <${el.tagName.toLowerCase()} class="${el.className}"> is ${lang}, holds ${want}: ${text.slice(0, 40)}`);
  }
  return [...new Set(out)];
}"""


def _violations(browser, url: str) -> list[str]:
    # bypass_csp: the site forbids inline scripts, and axe is injected as one.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url)
        wrong_lang = page.evaluate(WRONG_LANG)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']})",
            RULES,
        )
    finally:
        context.close()
    # One line per rule and kind of element (the last part of its selector), with one example.
    seen: dict[str, str] = {}
    for v in result["violations"]:
        for node in v["nodes"]:
            kind = f"{v['id']}: {str(node['target'][-1]).split(' > ')[-1]}"
            seen.setdefault(kind, " ".join(node.get("failureSummary", "").split())[:200])
    return [f"{kind} {example}" for kind, example in seen.items()] + wrong_lang


@pytest.mark.parametrize("ui", ["fr", "ja"])
def test_axe_finds_no_contrast_language_or_landmark_violation(browser, base_url, ui):
    found = []
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        found += [f"{path} ({ui}) {v}" for v in _violations(browser, f"{base_url}{path}{sep}ui={ui}")]
    assert not found, "\n".join(found)
