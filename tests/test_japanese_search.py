"""Keyword search over the Japanese working translations, and across the alignment."""

import pytest

from search.evaluation import score_ranking
from search.request import make_request


def search(service, query, **params):
    return service.search(make_request(query, mode="keyword", **params))


def aligned_french(service, result):
    store = service.index.store
    return [store.get(pid).text for pid in result["aligned_passage_ids"]]


@pytest.mark.parametrize(
    "query,french_words",
    [
        ("震災", ("séisme",)),
        ("観光", ("touris",)),
        ("グローバル化", ("mondialis",)),
        (
            "持続可能な開発",
            ("développement durable", "développement local durable", "développement territorial durable"),
        ),
    ],
)
def test_japanese_hits_stand_for_the_french_passages_a_french_user_expects(keyword_service, query, french_words):
    response = search(keyword_service, query, lang="ja", limit=5)
    assert response["total"] >= 1 and response["query_lang"] == "ja"
    for result in response["results"]:
        assert result["lang"] == "ja" and "<mark>" in result["snippet_html"]
        french = " ".join(aligned_french(keyword_service, result)).lower()
        assert any(word in french for word in french_words), (query, result["text"], french)


def test_shinsai_finds_the_great_east_japan_earthquake_row(keyword_service):
    (top,) = search(keyword_service, "震災", lang="ja", limit=1)["results"]
    assert "東日本大<mark>震災</mark>" in top["snippet_html"]
    assert "grand séisme de l'Est du Japon" in aligned_french(keyword_service, top)[0]


def test_a_japanese_query_filtered_to_french_goes_through_the_alignment(keyword_service):
    response = search(keyword_service, "グローバル化", lang="fr", limit=10)
    assert response["total"] >= 3
    assert all(r["lang"] == "fr" and "mondialis" in r["text"] for r in response["results"])
    by_doc = search(keyword_service, "観光", lang="fr", doc="2010-kanazawa-fr", limit=10)
    assert by_doc["results"] and {r["doc_id"] for r in by_doc["results"]} == {"2010-kanazawa-fr"}


def test_without_a_filter_a_translation_pair_is_shown_once(keyword_service):
    response = search(keyword_service, "高松", limit=50)
    ids = [r["passage_id"] for r in response["results"]]
    for r in response["results"]:
        assert not set(r["aligned_passage_ids"]) & set(ids)


def test_evaluation_counts_japanese_passages_through_their_alignment(keyword_service):
    store = keyword_service.index.store
    ja = store.get("2012-chartres-ja:59")
    assert ja.aligned_passage_ids == ("2012-chartres-fr:59",)
    relevant = {"2012-chartres-fr:59", "2012-chartres-fr:67"}
    figures = score_ranking(store, ["2012-chartres-ja:59", "2012-chartres-fr:59", "2012-chartres-fr:67"], relevant)
    assert figures["mrr"] == 1.0 and figures["recall"] == 1.0
    assert figures["ndcg"] < 1.0  # the French twin of a credited Japanese hit earns nothing more
