"""Keyword search over the real index (Whoosh BM25F), snippets, filters and paging."""

import pytest

from search.errors import BadRequest
from search.request import make_request


def search(service, query, **params):
    return service.search(make_request(query, mode="keyword", **params))


def ids(response):
    return [r["passage_id"] for r in response["results"]]


def test_seisme_finds_both_table_rows(keyword_service):
    response = search(keyword_service, "seisme")
    texts = [r["text"] for r in response["results"]]
    assert any("Shirakawa" in t for t in texts) and any("Rennes" in t for t in texts)


def test_mondialisation_ranks_the_passages_that_use_it(keyword_service):
    response = search(keyword_service, "mondialisation")
    assert response["total"] >= 4
    assert all("mondialis" in r["text"].lower() for r in response["results"])
    assert all("<mark>" in r["snippet_html"] for r in response["results"])


def test_quoted_phrase_is_required_verbatim(keyword_service):
    loose = search(keyword_service, "tourisme culturel", limit=100)
    exact = search(keyword_service, '"tourisme culturel"', limit=100)
    assert 0 < exact["total"] < loose["total"]
    assert all("tourisme culturel" in r["text"] for r in exact["results"])


def test_exact_phrase_is_never_ranked_below_a_passage_without_it(keyword_service):
    response = search(keyword_service, "tourisme culturel", limit=50)
    holds = ["tourisme culturel" in r["text"].lower() for r in response["results"]]
    assert holds[0] and holds == sorted(holds, reverse=True)


def test_section_heading_is_searchable(keyword_service):
    response = search(keyword_service, "Environnement", limit=50)
    assert any(r["section"] == "Environnement" for r in response["results"])


def test_filters_lang_and_doc(keyword_service):
    chartres = search(keyword_service, "coopération", doc="2012-chartres-fr", limit=100)
    assert chartres["total"] > 0 and {r["doc_id"] for r in chartres["results"]} == {"2012-chartres-fr"}
    assert search(keyword_service, "coopération", lang="fr", limit=100)["total"] >= chartres["total"]
    with pytest.raises(BadRequest, match="unknown doc"):
        search(keyword_service, "coopération", doc="1999-nowhere")


def test_paging_is_stable_and_complete(keyword_service):
    everything = search(keyword_service, "coopération développement", limit=100)
    total = everything["total"]
    assert total > 20
    pages = [search(keyword_service, "coopération développement", limit=7, offset=o) for o in range(0, total, 7)]
    assert {p["total"] for p in pages} == {total}
    paged = [pid for p in pages for pid in ids(p)]
    assert paged == ids(everything)[: len(paged)] and len(paged) == total
    assert [r["rank"] for r in pages[1]["results"]] == list(range(8, 8 + len(pages[1]["results"])))


def test_no_hit_is_total_zero_not_an_error(keyword_service):
    response = search(keyword_service, "xylophonique")
    assert response["total"] == 0 and response["results"] == []


def test_snippets_mark_through_offsets_and_escape_the_rest(keyword_service):
    response = search(keyword_service, "Tarascon")
    (row,) = [r for r in response["results"] if "LiveWithRisk" in r["text"]]
    assert '"LiveWithRisk"' in row["snippet_html"]  # quotes kept, text escaped only where needed
    assert row["snippet_html"].count("<mark>") == 2
    assert "<mark>Tarascon</mark>" in row["snippet_html"]


def test_results_have_the_documented_shape(keyword_service):
    response = search(keyword_service, "Takamatsu")
    assert {"query", "mode", "lang", "total", "took_ms", "results"} <= response.keys()
    result = response["results"][0]
    assert {
        "rank",
        "passage_id",
        "doc_id",
        "lang",
        "section",
        "text",
        "snippet_html",
        "score",
        "scores",
        "aligned_passage_ids",
    } <= result.keys()
    assert result["scores"]["keyword_rank"] == 1 and result["scores"]["semantic"] is None


@pytest.mark.parametrize(
    "params,message",
    [
        ({"query": "  "}, "empty"),
        ({"query": "x", "mode": "fuzzy"}, "unknown mode"),
        ({"query": "x", "limit": "0"}, "limit"),
        ({"query": "x", "limit": "1001"}, "limit"),
        ({"query": "x", "offset": "-1"}, "offset"),
        ({"query": "x", "limit": "ten"}, "whole number"),
        ({"query": "x", "lang": "de"}, "unknown lang"),
        ({"query": "x", "alpha": "2"}, "alpha"),
    ],
)
def test_bad_requests_are_rejected_with_a_message(params, message):
    with pytest.raises(BadRequest, match=message):
        make_request(**params)


def test_bm25_statistics_count_only_passages_of_the_field_language(keyword_service):
    from search.bm25 import field_lang

    assert (field_lang("text_fr"), field_lang("section_ja"), field_lang("passage_id")) == ("fr", "ja", None)
    searcher = keyword_service.keyword._searcher()
    french = [p for p in keyword_service.index.store.passages if p.lang == "fr"]
    scorer = searcher.weighting.scorer(searcher, "text_fr", "cooperation")
    expected = searcher.field_length("text_fr") / len(french)
    assert scorer.avgfl == pytest.approx(expected)
