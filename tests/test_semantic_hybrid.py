"""Semantic and hybrid search with the real embedding model over the real corpus."""

import numpy as np
import pytest

from indexer.manifest import IndexUnusable
from search.request import make_request
from search.service import SearchService

pytestmark = pytest.mark.slow


def search(service, query, **params):
    return service.search(make_request(query, **params))


def texts(response):
    return [r["text"] for r in response["results"]]


def test_semantic_finds_natural_risk_passages(model_service):
    top = texts(search(model_service, "catastrophes naturelles et prévention", mode="semantic", limit=5, lang="fr"))
    assert sum("risques" in t or "catastrophes" in t or "inondations" in t for t in top) >= 3


def test_semantic_reaches_seisme_without_the_word(model_service):
    response = search(model_service, "tremblement de terre au Japon", mode="semantic", limit=10, lang="fr")
    assert any("séisme" in t for t in texts(response))
    no_overlap = [r for r in response["results"] if "<mark>" not in r["snippet_html"]]
    assert no_overlap and all('<mark class="sem">' in r["snippet_html"] for r in no_overlap)


def test_semantic_highlight_marks_one_sentence_of_a_long_passage(model_service):
    response = search(model_service, "baisse du nombre des naissances", mode="semantic", limit=10, lang="fr")
    (hit,) = [r for r in response["results"] if r["text"].startswith("La dénatalité marque surtout le Japon")][:1]
    marked = hit["snippet_html"].split('<mark class="sem">')[1].split("</mark>")[0]
    assert marked in hit["text"] and len(marked) < len(hit["text"])


def test_every_result_carries_both_sides(model_service):
    response = search(model_service, "tourisme", mode="hybrid", limit=30)
    for r in response["results"]:
        assert set(r["scores"]) == {"keyword", "keyword_rank", "semantic", "semantic_rank"}
        assert r["scores"]["keyword"] is not None or r["scores"]["semantic"] is not None
    assert any(r["scores"]["keyword_rank"] and r["scores"]["semantic_rank"] for r in response["results"])
    semantic_only = search(model_service, "tourisme", mode="semantic", limit=5)
    assert all(r["scores"]["keyword"] is None for r in semantic_only["results"])


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_page_two_neither_repeats_nor_drops(model_service, mode):
    query = "coopération entre collectivités"
    whole = search(model_service, query, mode=mode, limit=20)
    first = search(model_service, query, mode=mode, limit=10)
    second = search(model_service, query, mode=mode, limit=10, offset=10)
    ids = [r["passage_id"] for r in first["results"] + second["results"]]
    assert ids == [r["passage_id"] for r in whole["results"]] and len(set(ids)) == 20
    assert first["total"] == second["total"] == whole["total"]


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_exact_phrase_is_never_below_a_passage_without_it(model_service, mode):
    response = search(model_service, "risques naturels", mode=mode, limit=50, lang="fr")
    holds = ["risques naturels" in r["text"].lower() for r in response["results"]]
    assert sum(holds) >= 3 and holds == sorted(holds, reverse=True)


def test_weighted_fusion_and_alpha(model_service):
    keyword_like = search(model_service, "Takamatsu", mode="hybrid", fusion="weighted", alpha=1.0, limit=3)
    assert all("Takamatsu" in t for t in texts(keyword_like))
    assert keyword_like["fusion"] == "weighted"


def test_filters_apply_to_the_semantic_side(model_service):
    response = search(model_service, "environnement", mode="semantic", doc="2010-kanazawa-fr", limit=50)
    assert response["results"] and {r["doc_id"] for r in response["results"]} == {"2010-kanazawa-fr"}


def test_query_vectors_are_normalised_and_cached(embedding_model):
    first = embedding_model.encode_query("risques naturels")
    assert first.dtype == np.float32 and abs(float(np.linalg.norm(first)) - 1.0) < 1e-4
    again = embedding_model.encode_query("risques naturels")
    assert np.array_equal(first, again)


def test_an_index_built_with_another_model_says_to_reindex(model_service):
    class OtherModel:
        model_id = "some-other-model"

        def encode_query(self, text):
            raise AssertionError("must not be called")

    service = SearchService(model_service.index, lambda: OtherModel())
    with pytest.raises(IndexUnusable, match="re-index"):
        service.search(make_request("séisme", mode="semantic"))


def test_manifest_records_the_model(model_service, embedding_model):
    model = model_service.index.manifest.model
    assert model.model_id == embedding_model.model_id and model.dimension == 384
    assert model.prompts.get("query") == "query: "
