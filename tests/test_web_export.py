"""Export of whole result lists, the "cite" line and results per page (issue 16, item 1), in process."""

from __future__ import annotations

import csv
import io

import pytest

from web.cite import reference_line
from web.export import COLUMNS

QUERY = "coopération"


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def test_csv_export_holds_every_result_not_only_the_page(client):
    total = client.get("/api/search", params={"q": QUERY, "mode": "keyword"}).json()["total"]
    assert total > 10, "the query must give more than one page for this test to mean anything"
    r = client.get("/api/search", params={"q": QUERY, "mode": "keyword", "limit": 3, "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    assert not r.content.startswith(b"\xef\xbb\xbf"), "no BOM"
    rows = _rows(r.content)
    assert len(rows) == total
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["permalink"].endswith("/passages/" + rows[0]["passage_id"])
    assert all(row["text"] and row["declaration"] and row["edition"] for row in rows)


def test_csv_export_keeps_japanese_text_and_commas_intact(client):
    r = client.get("/api/search", params={"q": "防災", "mode": "keyword", "format": "csv"})
    rows = _rows(r.content)
    total = client.get("/api/search", params={"q": "防災", "mode": "keyword"}).json()["total"]
    assert len(rows) == total
    if rows:  # the Japanese text round-trips byte for byte through the CSV quoting
        one = client.get(f"/api/passages/{rows[0]['passage_id']}").json()
        assert rows[0]["text"] == one["text"]


def test_json_export_matches_the_filters_of_the_page(client):
    params = {"q": QUERY, "mode": "keyword", "doc": "2012-chartres-fr"}
    total = client.get("/api/search", params=params).json()["total"]
    body = client.get("/api/search", params={**params, "format": "json"}).json()
    assert body["total"] == total == len(body["results"])
    assert {row["passage_id"].split(":")[0] for row in body["results"]} <= {"2012-chartres-fr"}


def test_unknown_export_format_is_a_400_naming_the_choices(client):
    r = client.get("/api/search", params={"q": QUERY, "format": "xlsx"})
    assert r.status_code == 400
    assert "csv" in r.json()["error"]


def test_result_list_links_to_both_exports_and_a_cite_line(client):
    page = client.get("/", params={"q": QUERY, "mode": "keyword"}).text
    assert 'data-export="csv"' in page and 'data-export="json"' in page
    assert "format=csv" in page and "format=json" in page
    assert "« Déclaration de" in page and "§" in page


def test_cite_line_follows_the_interface_language():
    args = dict(
        title="Déclaration de Kanazawa",
        edition="第2回日仏自治体交流会議（金沢、2010年5月）",
        city="Kanazawa",
        date="2010-05-13",
        ordinal=12,
        url="http://x/passages/2010-kanazawa-fr:12",
    )
    ja = reference_line("ja", **args)
    assert ja.startswith("『Déclaration de Kanazawa』") and "第12段落" in ja and ja.endswith(args["url"])
    fr = reference_line("fr", **{**args, "edition": "deuxièmes Rencontres"})
    assert "§ 12" in fr and "2010-05-13" in fr and "Kanazawa" in fr


@pytest.mark.parametrize("per", [10, 20, 50])
def test_results_per_page_is_selectable(client, per):
    total = client.get("/api/search", params={"q": QUERY, "mode": "keyword"}).json()["total"]
    page = client.get("/", params={"q": QUERY, "mode": "keyword", "per": per}).text
    assert page.count('class="result"') == min(per, total)
    if per < total:  # the pager keeps the size
        assert f"per={per}" in page or per == 10


def test_other_page_sizes_are_refused_with_a_400(client):
    r = client.get("/", params={"q": QUERY, "mode": "keyword", "per": 7})
    assert r.status_code == 400
    assert "10, 20, 50" in r.text


def test_the_label_table_has_no_key_written_twice():
    """A repeated key silently replaces the first label (it happened: two ``export_csv``)."""
    import ast
    from pathlib import Path

    import web.i18n

    tree = ast.parse(Path(web.i18n.__file__).read_text(encoding="utf-8"))
    table = next(
        n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "_LABELS"
    )
    keys = [k.value for k in table.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


@pytest.mark.parametrize(
    "filters",
    [{}, {"lang": "fr"}, {"lang": "ja"}, {"edition": "2"}, {"edition": "3", "lang": "ja"}, {"doc": "2012-chartres-fr"}],
)
def test_every_facet_count_is_the_total_its_click_gives(client, filters):
    """Declaration, language and edition facets (issue 16, item 7), under each kind of filter."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    page = client.get("/", params={"q": "coopération 交流", "mode": "keyword", **filters}).text
    links = re.findall(
        r'<a href="([^"]+)"[^>]*data-(?:doc|lang|edition)="[^"]+">.*?<span class="count">(\d+)</span>', page, re.S
    )
    assert sum("edition=" in h or "data-edition" in h for h, _ in links) >= 2
    assert len(links) >= 8
    for href, count in links:
        params = dict(parse_qsl(urlsplit(href.replace("&amp;", "&")).query))
        total = client.get("/api/search", params=params).json()["total"]
        assert total == int(count), (href, count, total)


def test_edition_filter_keeps_only_that_editions_declarations(client):
    """``edition=N`` on the API: every result belongs to a declaration of edition N; the counts add up."""
    params = {"q": "coopération", "mode": "keyword", "limit": 1000}
    every = client.get("/api/search", params=params).json()
    docs = {d["doc_id"]: d["edition"] for d in client.get("/api/documents").json()["documents"]}
    by_edition = {}
    for edition in (2, 3):
        body = client.get("/api/search", params={**params, "edition": edition}).json()
        assert body["edition"] == edition
        assert {docs[r["doc_id"]] for r in body["results"]} <= {edition}
        by_edition[edition] = body["total"]
    assert min(by_edition.values()) > 0
    assert sum(by_edition.values()) == every["total"]
    assert every["facets_any_doc"]["edition"] == {str(k): v for k, v in by_edition.items()}


@pytest.mark.parametrize("bad", ["x", "0", "-1", "1000"])
def test_bad_edition_is_a_400_naming_the_parameter(client, bad):
    response = client.get("/api/search", params={"q": "coopération", "mode": "keyword", "edition": bad})
    assert response.status_code == 400
    assert "edition" in response.text
