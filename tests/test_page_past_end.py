"""A result page past the last one says so and links to the last page; it used to say nothing matches."""

from __future__ import annotations

import html
import re

import pytest

from web.paging import paging

QUERY = {"q": "coopération", "mode": "keyword"}


@pytest.mark.parametrize(
    "ui, past_end, last_link, no_match",
    [
        ("fr", "La page 50 est au-delà de la dernière page de résultats", "Aller à la dernière page", "Aucun passage"),
        ("ja", "50ページは最後のページ", "最後のページ", "に一致する箇所はありません"),
    ],
)
def test_page_past_the_end_says_so_and_links_to_the_last_page(client, ui, past_end, last_link, no_match):
    total = client.get("/api/search", params=QUERY).json()["total"]
    last = -(-total // 10)
    assert 1 < last < 50
    r = client.get("/", params={**QUERY, "page": "50", "ui": ui})
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert past_end in text and no_match not in text
    assert str(total) in re.search(r'<p class="summary">(.*?)</p>', text, re.S).group(1)  # the total is still shown
    (href,) = [
        h for h, label in re.findall(r'<a class="button" href="([^"]*)">([^<]*)</a>', text) if last_link in label
    ]
    assert href == f"/?q=coop%C3%A9ration&mode=keyword&page={last}&ui={ui}"
    previous = re.search(r'<a rel="prev" class="pager-step" href="([^"]*)"', text)
    assert previous is not None and previous.group(1) == href


def test_paging_past_the_end_steps_back_to_the_last_page():
    assert paging(50, 45).past_end and paging(50, 45).previous == 5
    assert not paging(5, 45).past_end and paging(5, 45).previous == 4
    assert not paging(2, 0).past_end  # no result at all: "no passage matches" stays the message
