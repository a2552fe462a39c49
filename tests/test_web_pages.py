"""The HTML pages in process (Starlette TestClient), on keyword-only indexes.

``bilingual_index_dir`` is the real corpus plus, while the Japanese working
translations have not landed, a synthetic Japanese Kanazawa aligned to the
French passages (with one 1:2 split and one 2:1 join), so the side-by-side
reading and the translation beneath results are tested either way.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from web.app import create_app
from web.chart import hits_chart
from web.i18n import negotiate
from web.paging import paging
from web.search_page import _suggestions

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SPLIT, JOIN = 5, (6, 7)  # Kanazawa ordinals: one passage translated in two, two translated as one


def _synthetic_japanese(french) -> str:
    from indexer.alignment import fingerprint

    ref = {p.ordinal: f"{p.passage_id}#{fingerprint(p.text)}" for p in french}
    chunks = ["# synthetic working translation for the web tests"]
    for p in french:
        if p.ordinal == JOIN[1]:
            continue
        if p.ordinal == JOIN[0]:
            chunks.append(f"@ {ref[JOIN[0]]} {ref[JOIN[1]]}\n第{p.ordinal}項と第{JOIN[1]}項：地方自治体の国際協力。")
        elif p.ordinal == SPLIT:
            chunks += [
                f"@ {ref[SPLIT]}\n第{SPLIT}項の前半：防災の協力。",
                f"@ {ref[SPLIT]}\n第{SPLIT}項の後半：観光の振興。",
            ]
        else:
            chunks.append(f"@ {ref[p.ordinal]}\n金沢宣言の第{p.ordinal}段落：自治体の協力と交流。")
    return "\n\n".join(chunks) + "\n"


@pytest.fixture(scope="module")
def bilingual_index_dir(tmp_path_factory, corpus, passages, keyword_index_dir):
    if any(d.lang == "ja" for d in corpus.documents):
        return keyword_index_dir
    from indexer.build import build_index
    from indexer.corpus import load_corpus

    root = tmp_path_factory.mktemp("bilingual") / "corpus"
    shutil.copytree(CORPUS, root)
    (root / "ja").mkdir(exist_ok=True)
    french = [p for p in passages if p.doc_id == "2010-kanazawa-fr"]
    (root / "ja" / "2010-kanazawa.txt").write_text(_synthetic_japanese(french), encoding="utf-8")
    with open(root / "declarations.toml", "a", encoding="utf-8") as manifest:
        manifest.write(
            '\n[[document]]\nid = "2010-kanazawa-ja"\ntitle = "金沢宣言"\nedition = 2\ncity = "Kanazawa"\n'
            'country = "Japon"\ndate = "2010-05-13"\nlang = "ja"\npath = "ja/2010-kanazawa.txt"\n'
            'status = "参考訳"\ntranslation_of = "2010-kanazawa-fr"\n'
        )
    target = tmp_path_factory.mktemp("bilingual-index") / "index"
    build_index(load_corpus(root), target, None)
    return target


@pytest.fixture(scope="module")
def bilingual(bilingual_index_dir):
    with TestClient(create_app(bilingual_index_dir, warm_model=False)) as c:
        yield c


def _ok(client, url, **kw):
    r = client.get(url, **kw)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


# -- search page -------------------------------------------------------------------------------------


def test_landing_page_has_the_form_and_the_declarations(client):
    html = _ok(client, "/")
    assert '<html lang="fr">' in html and 'name="q"' in html
    assert 'value="keyword" checked' in html  # a keyword-only index defaults to the mode it can serve
    assert 'value="semantic" disabled' in html
    assert "/documents/2010-kanazawa-fr" in html and "/documents/2012-chartres-fr" in html


def test_results_are_highlighted_paged_and_counted(client):
    html = _ok(client, "/", params={"q": "coopération"})
    assert html.count('class="result"') == 10
    assert "<mark>" in html and 'rel="next"' in html and "page=2" in html
    assert re.search(r'data-doc="2012-chartres-fr">.*?<span class="count">(\d+)</span>', html, re.S)
    assert "<svg" in html and 'class="chart-bar chart-bar-fr"' in html
    assert 'details class="scores"' in html
    page2 = _ok(client, "/", params={"q": "coopération", "page": "2"})
    ids1 = set(re.findall(r"/passages/([\w:-]+)\?", html))
    ids2 = set(re.findall(r"/passages/([\w:-]+)\?", page2))
    assert ids2 and not ids1 & ids2


def test_declaration_facet_filters_and_keeps_other_counts(client):
    html = _ok(client, "/", params={"q": "coopération", "doc": "2010-kanazawa-fr"})
    linked = set(re.findall(r'class="result-doc" href="/documents/([\w-]+)', html))
    assert linked == {"2010-kanazawa-fr"}
    counts = dict(re.findall(r'data-doc="([\w-]+)">.*?<span class="count">(\d+)</span>', html, re.S))
    assert int(counts["2012-chartres-fr"]) > 0  # the other declaration's count survives the filter


def test_empty_result_says_so_and_suggests_a_way_out(client):
    html = _ok(client, "/", params={"q": "xylophone", "lang": "fr"})
    assert "Aucun passage ne correspond à « xylophone »" in html
    assert "Chercher dans toutes les langues" in html


def test_suggestions_offer_the_other_modes_when_the_index_has_vectors():
    state = SimpleNamespace(has_vectors=True)
    t = lambda key, **v: f"{key}:{v.get('mode', '')}"  # noqa: E731
    out = _suggestions({"q": "x", "mode": "keyword", "lang": "", "doc": ""}, state, t)
    assert [p["mode"] for _, p in out] == ["hybrid", "semantic"]


@pytest.mark.parametrize(
    "params, message, japanese",
    [
        ({"q": "x", "mode": "nope"}, "Valeur inconnue", "の値"),
        ({"q": "x", "page": "0"}, "doit être compris entre 1 et", "の範囲で指定"),
        ({"q": "x", "page": "deux"}, "nombre entier", "までの整数"),
        ({"q": "x" * 3000}, "la limite est 2000", "上限は2000文字"),
        ({"q": "x", "doc": "nope"}, "Déclaration inconnue", "不明な宣言"),
    ],
)
def test_bad_parameters_are_400_pages_with_a_message_in_the_interface_language(client, params, message, japanese):
    r = client.get("/", params=params)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert message in r.text and 'name="q"' in r.text
    r = client.get("/", params={**params, "ui": "ja"})
    assert r.status_code == 400 and japanese in r.text and "must be" not in r.text


def test_api_errors_follow_the_interface_language(client):
    r = client.get("/api/search", params={"q": "x", "limit": "-5"}, headers={"accept-language": "ja"})
    assert r.status_code == 400 and "limit は 1 から 1000 の範囲" in r.json()["error"]
    r = client.get("/nope", params={"ui": "ja"})
    assert r.status_code == 404 and "/nope というページはありません" in r.text


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_user_text_is_escaped_everywhere(client, hostile):
    for url in ("/", "/documents/2010-kanazawa-fr", "/passages/2010-kanazawa-fr:3"):
        html = client.get(url, params={"q": hostile, "doc": hostile}).text
        assert "<script>alert" not in html and "<img src=x" not in html
    shown = client.get("/", params={"q": hostile}).text
    assert str(escape(hostile)) in shown  # echoed in the form, escaped
    assert "<img" not in client.get(f"/documents/{hostile}").text


def test_only_our_mark_tags_come_from_snippets(client):
    html = _ok(client, "/", params={"q": "tourisme culturel"})
    for snippet in re.findall(r'<div class="snippet" lang="fr">(.*?)</div>', html, re.S):
        assert not set(re.findall(r"</?(\w+)", snippet)) - {"mark"}


def test_content_security_policy_and_no_inline_code(client):
    r = client.get("/", params={"q": "jeunesse"})
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)  # every script is a file under /static
    assert " style=" not in r.text and "<style" not in r.text and " on" not in re.sub(r">[^<]*<", "><", r.text)
    assert client.get("/static/app.js").status_code == 200


# -- interface language ---------------------------------------------------------------------------


def test_interface_language_from_parameter_or_header(client):
    assert '<html lang="ja">' in _ok(client, "/", params={"ui": "ja"})
    html = _ok(client, "/about", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    assert '<html lang="ja">' in html and "ライセンス" in html
    assert '<html lang="fr">' in _ok(client, "/about", params={"ui": "xx"}, headers={"Accept-Language": "en"})


def test_chosen_interface_language_follows_links(client):
    html = _ok(client, "/", params={"q": "coopération", "ui": "ja"})
    assert "ui=ja" in re.search(r'href="(/documents/[^"]+)"', html).group(1)
    assert 'name="ui" value="ja"' in html


@pytest.mark.parametrize(
    "header, expected",
    [(None, "fr"), ("ja", "ja"), ("en-US,fr;q=0.3,ja;q=0.8", "ja"), ("fr-CA", "fr"), ("ja;q=bad", "fr"), ("*", "fr")],
)
def test_negotiate(header, expected):
    assert negotiate(None, header) == expected
    assert negotiate("JA ", header) == "ja"


# -- reading pages ---------------------------------------------------------------------------------


def test_document_page_marks_the_query_and_anchors_each_passage(client):
    html = _ok(client, "/documents/2012-chartres-fr", params={"q": "tourisme culturel"})
    assert 'id="2012-chartres-fr:55"' in html and "<mark>" in html and "has-hit" in html
    assert "aligned-two" in html and "pas encore de traduction japonaise" not in html


def test_document_side_by_side_rows(bilingual):
    html = _ok(bilingual, "/documents/2010-kanazawa-fr", params={"q": "協力"})
    assert "aligned-two" in html
    rows = html.split('<div class="aligned-row')[1:]
    both = [r for r in rows if 'lang="fr"' in r and 'lang="ja"' in r]
    assert len(both) >= 30
    assert "<mark>協力</mark>" in html
    same = _ok(bilingual, "/documents/2010-kanazawa-ja")
    assert same.count('<div class="aligned-row') == len(rows)  # same rows whichever side is asked for


def test_split_joined_and_unaligned_passages_find_their_rows():
    from search.lookup import Passage, pair_rows

    def fr(n, *ja):
        return Passage("d-fr", "fr", n, "paragraph", "", f"fr {n}", 0, 1, tuple(f"d-ja:{j}" for j in ja))

    def ja(n):
        return Passage("d-ja", "ja", n, "paragraph", "", f"ja {n}", 0, 1)

    # fr0→ja0; fr1 split into ja1+ja2; fr2 and fr3 joined as ja3; ja4 translates nothing; fr4 untranslated.
    rows = pair_rows([fr(0, 0), fr(1, 1, 2), fr(2, 3), fr(3, 3), fr(4)], [ja(n) for n in range(5)])
    shape = [([p.ordinal for p in r.left], [p.ordinal for p in r.right]) for r in rows]
    assert shape == [([0], [0]), ([1], [1, 2]), ([2, 3], [3]), ([], [4]), ([4], [])]


def test_results_show_the_aligned_translation(bilingual):
    html = _ok(bilingual, "/", params={"q": "décentralisée", "doc": "2010-kanazawa-fr"})
    assert '<div class="translation-text" lang="ja">' in html
    ja = _ok(bilingual, "/", params={"q": "協力", "lang": "ja"})
    assert '<div class="snippet" lang="ja">' in ja and "<mark>協力</mark>" in ja


def test_passage_page_translation_neighbours_and_citation_slot(bilingual):
    html = _ok(bilingual, "/passages/2010-kanazawa-fr:10", params={"q": "coopération"})
    assert "/passages/2010-kanazawa-fr:9" in html and "/passages/2010-kanazawa-fr:11" in html
    assert 'lang="ja"' in html and 'id="citations"' in html
    assert "Cité par" in html and "pas encore calculés" not in html


def test_unknown_ids_are_404_pages(client):
    for url in ("/documents/nope", "/passages/nope", "/passages/2010-kanazawa-fr:99999", "/no/such/page"):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), url
        assert "Introuvable" in r.text


def test_about_page_names_the_texts_model_and_licences(client):
    html = _ok(client, "/about")
    assert "texte officiel" in html and "MIT" in html and "multilingual-e5-small" in html
    assert "aucun (index par mots-clés seulement)" in html  # this test index has no vectors
    assert "Takamatsu" in html  # an edition without a text is listed as such


def test_documents_page_lists_every_document(bilingual):
    html = _ok(bilingual, "/documents")
    assert html.count('class="card"') == len(bilingual.app.state.jumelage.index.store.documents)
    assert "参考訳" in html


# -- pieces ----------------------------------------------------------------------------------------


def test_paging_window():
    assert paging(1, 105).window == [1, 2, 3, None, 11]
    assert paging(6, 200).window == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert paging(3, 0).pages == 1 and paging(2, 15).last == 15


def test_chart_scales_to_the_largest_count_and_keeps_empty_rows():
    chart = hits_chart({"a": 10, "b": 1}, [("a", "A", "fr"), ("b", "B", "fr"), ("c", "C", "ja")])
    a, b, c = chart.bars
    assert a.width == chart.max_bar and 0 < b.width < a.width and c.width == 0 and not chart.empty
    assert hits_chart({}, [("a", "A", "fr")]).empty


def test_page_title_holds_a_long_query_truncated(client):
    import re

    for repeat, status in ((130, 200), (400, 400)):
        r = client.get("/", params={"q": "mondialisation " * repeat, "mode": "keyword"})
        title = re.search(r"<title>(.*?)</title>", r.text, re.S).group(1)
        assert r.status_code == status and len(title) < 100 and "…" in title


def test_results_page_has_a_heading_and_interface_text_carries_no_foreign_lang(client):
    html = _ok(client, "/", params={"q": "tourisme", "mode": "keyword", "ui": "ja"})
    # the query, typed in the other language, is tagged with its own
    assert re.search(r'<h1[^>]*>「<span lang="fr">tourisme</span>」の検索結果</h1>', html)
    # "フランス語" is interface text (Japanese): never inside lang="fr"
    assert not re.search(r'lang="fr">\s*フランス語', html) and not re.search(r'lang="ja">\s*Japonais', html)


def test_chart_is_a_named_list_of_links_not_an_image(client):
    html = _ok(client, "/", params={"q": "tourisme", "mode": "keyword"})
    chart = html[html.index('<figure class="chart">') : html.index("</figure>", html.index('<figure class="chart">'))]
    assert 'role="img"' not in chart and '<ul class="chart-list" aria-labelledby="chart-caption">' in chart
    assert chart.count('<a class="chart-link"') == 4 and chart.count('aria-hidden="true"') == 4


def test_text_in_the_other_language_is_tagged_and_escaped():
    """``lang_runs``: Japanese runs in a French label, Latin words in a Japanese one (WCAG 3.1.2)."""
    from web.templating import lang_runs

    assert str(lang_runs("traduction de travail (参考訳), non officielle", "fr")) == (
        'traduction de travail (<span lang="ja">参考訳</span>), non officielle'
    )
    assert str(lang_runs("「coopération <b>」の検索結果", "ja")) == (
        '「<span lang="fr">coopération</span> &lt;b&gt;」の検索結果'
    )
    assert str(lang_runs("Résultats", "fr")) == "Résultats"
