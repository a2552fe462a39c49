"""Web defects a new user found: each test failed before its fix."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT, chromium_browser

STYLE = ROOT / "web" / "static" / "style.css"


def test_commitments_page_emits_no_inline_style_the_csp_would_block(client):
    """The CSP is ``style-src 'self'``: an inline ``style=`` is dropped, so nothing may depend on one."""
    page = client.get("/commitments")
    assert page.status_code == 200
    assert "style-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"\sstyle=", page.text)
    assert "--editions" not in STYLE.read_text(encoding="utf-8")


@pytest.mark.slow
def test_real_commitments_page_with_three_editions_keeps_cards_in_their_columns(tmp_path, capsys):
    """A third declaration added to a corpus copy: in Chromium, under the real CSP, every card of a
    timeline row sits in the column of its edition's heading (with 3 editions it fell to 2 columns)."""
    import shutil

    from jumelage.cli import main
    from tests.helpers import CORPUS, served_in_thread
    from web.app import create_app

    corpus, index, text = tmp_path / "corpus", tmp_path / "index", tmp_path / "t.md"
    shutil.copytree(CORPUS, corpus)
    text.write_text(
        "# Déclaration de Takamatsu\n\nNous, réunis à Takamatsu pour les 4èmes Rencontres.\n\n"
        "## Culture et patrimoine\n\nLes villes signataires, conscientes de la richesse de leur patrimoine, s'engagent à développer les échanges culturels entre leurs musées, leurs écoles d'art et leurs associations, et nous convenons d'organiser chaque année une semaine du patrimoine partagé.\n",
        encoding="utf-8",
    )
    assert main(["index", "--corpus", str(corpus), "--index", str(index), "--keyword-only"]) == 0
    args = ["--id", "2014-takamatsu-fr", "--lang", "fr", "--index", str(index), "--keyword-only"]
    assert main(["add", str(text), "--corpus", str(corpus), *args]) == 0, capsys.readouterr().err
    with served_in_thread(create_app(index, warm_model=False)) as url, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/commitments")
        timeline = page.locator("#theme-culture .timeline")
        heads = [h.bounding_box() for h in timeline.locator(".timeline-edition").all()]
        assert len(heads) == 3 and len({round(h["y"]) for h in heads}) == 1
        for head, cell in zip(heads, timeline.locator(".timeline-cell").all(), strict=True):
            for card in cell.locator(".commitment").all():
                box = card.bounding_box()
                assert head["x"] - 1 <= box["x"] < head["x"] + head["width"] and box["y"] > head["y"]
        assert timeline.locator(".commitment").count() >= 3


def _timeline(editions: int) -> str:
    heads = "".join(f'<h3 class="timeline-edition">E{n}</h3>' for n in range(editions))
    cells = "".join(
        f'<ol class="timeline-cell"><li class="commitment" data-edition="{n}">c{n}</li></ol>' for n in range(editions)
    )
    return f'<section class="theme-row"><div class="timeline">{heads}{cells}</div></section>'


@pytest.mark.slow
@pytest.mark.parametrize("editions", [2, 3, 5])
def test_each_commitment_sits_under_its_edition_heading(editions):
    """Chromium lays the template's markup out with the real stylesheet: card n is in heading n's column."""
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_content(f"<!doctype html><html><body>{_timeline(editions)}</body></html>")
        page.add_style_tag(content=STYLE.read_text(encoding="utf-8"))
        heads = [h.bounding_box() for h in page.query_selector_all(".timeline-edition")]
        cards = [c.bounding_box() for c in page.query_selector_all(".commitment")]
        assert len({round(h["y"]) for h in heads}) == 1  # the headings share one row
        for head, card in zip(heads, cards, strict=True):
            assert head["x"] - 1 <= card["x"] < head["x"] + head["width"]
            assert card["y"] > head["y"]


@pytest.mark.slow
@pytest.mark.parametrize("query", [None, "tourisme"])
def test_document_column_headers_sit_at_the_top_of_the_reading_card(keyword_server_url, query):
    """No empty bar above the FR/JA headers: they start where the card starts, with or without a query."""
    url = keyword_server_url
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/documents/2012-chartres-fr" + (f"?q={query}" if query else ""))
        page.evaluate("window.scrollTo(0, 0)")  # a query scrolls to its first hit
        card = page.query_selector(".aligned").bounding_box()
        head = page.query_selector(".aligned-head").bounding_box()
        first_row = page.query_selector(".aligned-row").bounding_box()
        assert head["y"] - card["y"] <= 2
        assert first_row["y"] >= head["y"] + head["height"] - 1  # the header covers no passage


@pytest.mark.parametrize("params", [{"offset": "-5"}, {"offset": "abc"}, {"limit": "0"}, {"limit": "5000"}])
@pytest.mark.parametrize("ui", ["fr", "ja"])
def test_search_page_rejects_what_the_api_rejects(client, params, ui):
    """The same bounds as /api/search: a 400 page in the interface language, not a silently ignored value."""
    query = {"q": "tourisme", "mode": "keyword", **params}
    assert client.get("/api/search", params=query).status_code == 400
    page = client.get("/", params={**query, "ui": ui})
    assert page.status_code == 400
    assert ("エラー" if ui == "ja" else "Impossible de répondre") in page.text
    assert "must be" not in page.text  # not the English line


@pytest.mark.parametrize(
    ("params", "fr", "ja"),
    [
        ({"doc": "nosuch"}, "Déclaration inconnue", "不明な宣言"),
        ({"act": "nope"}, "Valeur inconnue", "は使えません"),
        ({"theme": "nope"}, "Valeur inconnue", "は使えません"),
    ],
)
def test_commitments_page_says_a_bad_filter_in_the_interface_language(client, params, fr, ja):
    for ui, expected in (("fr", fr), ("ja", ja)):
        page = client.get("/commitments", params={**params, "ui": ui})
        assert page.status_code == 400
        assert expected in page.text
        assert "unknown" not in page.text.split('role="alert"')[1].split("</div>")[0]


def _lang_facet(html: str) -> dict[str, tuple[str, int]]:
    section = html.split('class="facet facet-lang"')[1].split("</section>")[0]
    found = re.findall(r'data-lang="(\w+)">\s*<span>([^<]*)</span>\s*<span class="count">(\d+)</span>', section)
    return {value: (label, int(count)) for value, label, count in found}


@pytest.mark.parametrize("ui", ["fr", "ja"])
def test_language_facet_says_its_counts_include_translations(client, ui):
    """Each count is what its click shows; the labels and a note say why they do not add up."""
    query = {"q": "coopération 交流", "mode": "keyword", "ui": ui}
    html = client.get("/", params=query).text
    facet = _lang_facet(html)
    assert set(facet) == {"all", "fr", "ja"}
    for value in ("fr", "ja"):
        label, count = facet[value]
        assert ("traductions comprises" if ui == "fr" else "訳文経由を含む") in label
        assert count == client.get("/api/search", params={**query, "lang": value}).json()["total"]
    assert facet["fr"][1] + facet["ja"][1] != facet["all"][1]  # the case the user met
    assert "facet-note" in html.split('class="facet facet-lang"')[1].split("</section>")[0]


def _column_counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(left|right)">.*?(\d+)', html, re.S)}


@pytest.mark.parametrize("query", ["tourisme", "観光", "coopération 交流"])
@pytest.mark.parametrize("doc", ["2012-chartres-fr", "2010-kanazawa-ja"])
def test_each_column_counts_the_search_total_for_its_declaration(client, query, doc):
    """The page's hits are search's results with ``doc=``: same floor, same total per column."""
    html = client.get(f"/documents/{doc}", params={"q": query}).text
    counts = _column_counts(html)
    family = doc.rsplit("-", 1)[0]
    for side, lang in (("left", "fr"), ("right", "ja")):
        api = client.get("/api/search", params={"q": query, "doc": f"{family}-{lang}"}).json()
        assert counts[side] == api["total"], (side, query)


def test_side_by_side_marks_the_words_search_marks(client):
    """``tourisme`` marks what search marks in the same passages (``touristique``, ``agrotourisme``…)."""
    api = client.get("/api/search", params={"q": "tourisme", "doc": "2012-chartres-fr", "limit": 100}).json()
    wanted = {m for r in api["results"] for m in re.findall(r"<mark[^>]*>(.*?)</mark>", r["snippet_html"])}
    html = client.get("/documents/2012-chartres-fr", params={"q": "tourisme"}).text
    marked = set(re.findall(r"<mark[^>]*>(.*?)</mark>", html))
    assert wanted and wanted <= marked


@pytest.mark.slow
def test_hybrid_side_by_side_is_search_with_a_doc_filter(model_index_dir):
    """With vectors: counts are the hybrid totals, a row is a hit exactly when it holds one of search's
    results (the page marked the 5 best semantic hits whatever their score), and hits found by meaning
    carry the semantic mark."""
    from starlette.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(model_index_dir, warm_model=False)) as client:
        for query, doc in (("tourisme", "2012-chartres-fr"), ("防災", "2012-chartres-ja")):
            html = client.get(f"/documents/{doc}", params={"q": query}).text
            counts = _column_counts(html)
            found: set[str] = set()
            for side, d in (("left", "2012-chartres-fr"), ("right", "2012-chartres-ja")):
                api = client.get("/api/search", params={"q": query, "doc": d, "limit": 1000}).json()
                assert counts[side] == api["total"], (query, side)
                found |= {r["passage_id"] for r in api["results"]}
            rows = re.findall(r'<div class="aligned-row.*?(?=<div class="aligned-row|\Z)', html, re.S)
            for row in rows:
                ids = set(re.findall(r'class="passage [^"]*" id="([^"]+)"', row))
                assert ("has-hit" in row.split(">", 1)[0]) == bool(ids & found), (query, ids)
        html = client.get("/documents/2012-chartres-fr", params={"q": "tourisme"}).text
        assert '<mark class="sem">' in html  # hits found by meaning: their closest sentence, semantic mark


def test_side_by_side_keeps_the_mode_of_the_search_it_came_from(client):
    """A result links to its declaration with the search's mode; the page searches with that mode."""
    results = client.get("/", params={"q": "tourisme", "mode": "keyword"}).text
    assert re.search(r'href="/documents/[^"]*q=tourisme&amp;mode=keyword', results)
    page = client.get("/documents/2012-chartres-fr", params={"q": "tourisme", "mode": "keyword"}).text
    assert 'href="/?q=tourisme&amp;mode=keyword"' in page
    assert client.get("/documents/2012-chartres-fr", params={"q": "tourisme", "mode": "nope"}).status_code == 400
    # this index has no vectors: a semantic search is refused here as on /api/search
    assert client.get("/documents/2012-chartres-fr", params={"q": "tourisme", "mode": "semantic"}).status_code == 400
