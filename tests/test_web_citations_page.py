"""The passage page's citation lists (issue 16, item 3): levels labelled, targets linked, no duplicates."""

from __future__ import annotations

import re


def _citations(page: str) -> str:
    return page[page.index('id="citations"') : page.index("</section>", page.index('id="citations"'))]


def _block(section: str, key: str) -> str:
    start = section.index(f'class="citations-{key}"')
    return section[start : section.index("</div>", start)]


def test_cites_list_links_each_cited_declaration_once_and_never_the_passage_itself(client):
    section = _citations(client.get("/passages/2012-chartres-fr:8").text)
    cites = _block(section, "cites")
    assert "/passages/2012-chartres-fr:8" not in cites, "the current passage must not be listed as what it cites"
    doc_links = re.findall(r'class="cited-doc" href="(/documents/[^"]+)"', cites)
    assert "/documents/2010-kanazawa-fr" in doc_links
    items = re.findall(r'<li class="context-item">', cites)
    assert len(items) == len(set(re.findall(r"<li class=\"context-item\">.*?</li>", cites, re.S)))
    assert "niveau document" in section


def test_cited_by_lists_each_citing_passage_once_as_a_link(client):
    section = _citations(client.get("/passages/2010-kanazawa-fr:35").text)
    cited_by = _block(section, "cited_by")
    ids = re.findall(r'href="/passages/([^"?]+)"', cited_by)
    assert ids and len(ids) == len(set(ids))


def test_citations_api_states_the_level_of_each_relation(client):
    body = client.get("/api/passages/2012-chartres-fr:8/citations").json()
    assert body["levels"]["cites"] == {"from": "passage", "to": "document"}
    assert body["levels"]["echoes"]["to"] == "passage"


def test_citation_headings_are_japanese_under_ui_ja(client):
    section = _citations(client.get("/passages/2012-chartres-fr:8", params={"ui": "ja"}).text)
    assert "文書単位" in section


def test_one_mention_naming_two_editions_is_one_line(client):
    cites = _block(_citations(client.get("/passages/2012-chartres-fr:8").text), "cites")
    assert cites.count("<mark>déclarations finales de Nancy et de Kanazawa</mark>") == 1
    assert "Nancy" in cites and "Kanazawa" in cites
