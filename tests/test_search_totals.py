"""Exact totals, facets, quoted-phrase filters and spelling suggestions on the keyword index (fast)."""

import pytest

from search.request import make_request
from search.text import fold

QUERIES = ["coopération", "développement durable", "tourisme", "観光", "collectivités territoriales"]


def run(service, query, **params):
    return service.search(make_request(query, **params))


def every_page(service, query, size=7, **params):
    first = run(service, query, limit=size, **params)
    pages, offset = [first], size
    while offset < first["total"] + size:  # one page past the end, which must be empty
        pages.append(run(service, query, limit=size, offset=offset, **params))
        offset += size
    return pages


@pytest.mark.parametrize("query", QUERIES)
def test_total_is_the_same_on_every_page_and_the_pages_hold_exactly_that_many(keyword_service, query):
    pages = every_page(keyword_service, query, mode="keyword")
    totals = {p["total"] for p in pages}
    ids = [r["passage_id"] for p in pages for r in p["results"]]
    assert len(totals) == 1 and totals.pop() == len(ids) == len(set(ids)) > 0
    assert pages[-1]["results"] == []
    remainder = len(ids) % 7 or 7
    assert len(pages[-2]["results"]) == remainder


@pytest.mark.parametrize("query", QUERIES)
def test_facets_add_up_to_the_total(keyword_service, query):
    response = run(keyword_service, query, mode="keyword")
    for facet in ("doc_id", "lang", "edition"):
        assert sum(response["facets"][facet].values()) == response["total"], facet


@pytest.mark.parametrize("query", ["coopération", "tourisme culturel", "観光"])
def test_a_declaration_count_is_the_total_a_click_on_it_gives(keyword_service, query):
    response = run(keyword_service, query, mode="keyword")
    counts = response["facets_any_doc"]["doc_id"]
    assert sum(counts.values()) == response["total"]
    for doc, count in counts.items():
        clicked = run(keyword_service, query, mode="keyword", doc=doc, limit=1000)
        assert clicked["total"] == count == len(clicked["results"]), doc
        assert clicked["facets_any_doc"]["doc_id"] == counts  # the other counts survive the filter


@pytest.mark.parametrize(
    "query,phrase",
    [('"développement durable"', "developpement durable"), ('coopération "tourisme culturel"', "tourisme culturel")],
)
def test_every_result_of_a_quoted_query_contains_the_phrase(keyword_service, query, phrase):
    response = run(keyword_service, query, mode="keyword", lang="fr", limit=1000)
    assert response["total"] > 0
    assert all(phrase in fold(r["text"]) for r in response["results"])


def test_a_french_phrase_reaches_japanese_passages_through_their_translation(keyword_service):
    store = keyword_service.index.store
    response = run(keyword_service, '"développement durable"', mode="keyword", lang="ja", limit=1000)
    assert response["total"] > 0
    for r in response["results"]:
        assert r["lang"] == "ja"
        assert any("developpement durable" in fold(store.get(pid).text) for pid in r["aligned_passage_ids"])


def test_a_misspelt_query_gets_a_suggestion_from_the_index(keyword_service):
    response = run(keyword_service, "tourisne", mode="keyword")
    assert response["total"] == 0 and response["did_you_mean"] == "tourisme"
    assert run(keyword_service, "le sésime", mode="keyword")["did_you_mean"] == "le séisme"


def test_a_well_spelt_query_gets_no_suggestion(keyword_service):
    assert "did_you_mean" not in run(keyword_service, "tourisme", mode="keyword")
    assert "did_you_mean" not in run(keyword_service, "観光", mode="keyword")


def test_question_words_do_not_rank(keyword_service):
    from search.keyword import parse_query

    assert parse_query("Comment attirer des visiteurs ?").terms == ("attirer", "visiteur")
    assert "何" not in parse_query("何をしていますか 若者").terms
    assert parse_query("comment").terms == ("comment",)  # alone, a question word is the query


def test_gibberish_gets_no_suggestion(keyword_service):
    assert "did_you_mean" not in run(keyword_service, "xqzwv blorp", mode="keyword")
