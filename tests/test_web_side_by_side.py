"""Side-by-side reading with a query (issue 16, item 2), in process on the keyword index."""

from __future__ import annotations

import re

import pytest

DOC = "/documents/2010-kanazawa-fr"


def _columns(html: str) -> tuple[str, str]:
    """The left and right columns' HTML, concatenated over the rows."""
    cols = re.findall(r'<div class="aligned-col">(.*?)</div>\s*(?=<div class="aligned-col">|</div>)', html, re.S)
    return "".join(cols[0::2]), "".join(cols[1::2])


@pytest.mark.parametrize("query", ["tourisme", "観光"])
def test_a_query_marks_both_columns(client, query):
    html = client.get(DOC, params={"q": query}).text
    left, right = (html.count("<mark") for html in _columns(html))
    assert left > 0 and right > 0, (query, left, right)
    counts = dict(re.findall(r'data-count="(left|right)">.*?(\d+)', html, re.S))
    for side, doc in (("left", "2010-kanazawa-fr"), ("right", "2010-kanazawa-ja")):  # each column: search's total
        assert int(counts[side]) == client.get("/api/search", params={"q": query, "doc": doc}).json()["total"]


def test_without_a_query_nothing_is_marked_and_no_hit_navigation(client):
    html = client.get(DOC).text
    assert "<mark" not in html and 'data-hit="next"' not in html


def test_table_of_contents_links_to_the_headings(client):
    html = client.get(DOC, params={"q": "tourisme"}).text
    toc = html[html.index('class="toc"') : html.index("</nav>", html.index('class="toc"'))]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors and all(f'id="{a}"' in html for a in anchors)


def test_stacked_rows_carry_language_labels(client):
    html = client.get(DOC).text
    assert '<span class="col-label" lang="fr">FR</span>' in html
    assert '<span class="col-label" lang="ja">日本語</span>' in html


def test_a_query_absent_from_the_texts_says_zero_per_column(client):
    html = client.get(DOC, params={"q": "防災"}).text  # not in the Kanazawa texts; no vectors to find it by meaning
    counts = dict(re.findall(r'data-count="(left|right)">.*?(\d+)', html, re.S))
    assert counts == {"left": "0", "right": "0"}
    assert "Aucune occurrence de « 防災 »" in html and "sont surlignées" not in html
