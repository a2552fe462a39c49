"""The JSON API beyond search: documents, passages, OpenAPI, errors, headers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from web.app import create_app


def test_documents_list(client, corpus):
    body = client.get("/api/documents").json()
    assert [d["doc_id"] for d in body["documents"]] == [d.id for d in corpus.documents]
    kanazawa = body["documents"][0]
    assert kanazawa["status"] == "official" and kanazawa["passage_count"] > 10
    assert kanazawa["edition_label"]["ja"].startswith("第2回")
    assert {e["number"] for e in body["editions"]} >= {1, 2, 3, 4}


def test_document_with_its_passages_in_reading_order(client):
    body = client.get("/api/documents/2012-chartres-fr").json()
    ordinals = [p["ordinal"] for p in body["passages"]]
    assert ordinals == sorted(ordinals) and len(ordinals) == body["passage_count"]
    assert set(body["passages"][0]) >= {"passage_id", "text", "section", "start", "end", "aligned_passage_ids"}


def test_passage_with_neighbours(client):
    body = client.get("/api/passages/2010-kanazawa-fr:3").json()
    assert body["passage_id"] == "2010-kanazawa-fr:3" and body["text"]
    assert body["previous_id"] == "2010-kanazawa-fr:2" and body["next_id"] == "2010-kanazawa-fr:4"
    assert [q["passage_id"] for q in body["aligned"]] == body["aligned_passage_ids"] != []
    assert all(q["lang"] == "ja" for q in body["aligned"])
    assert client.get("/api/passages/2010-kanazawa-fr:0").json()["previous_id"] is None


@pytest.mark.parametrize(
    "url", ["/api/passages/nope", "/api/passages/2010-kanazawa-fr:99999", "/api/documents/nope", "/api/nothing-here"]
)
def test_unknown_ids_are_404_json(client, url):
    r = client.get(url)
    assert r.status_code == 404 and r.json()["error"]


def test_wrong_method_is_405_not_500(client):
    r = client.post("/api/search", data={"q": "x"})
    assert r.status_code == 405 and r.json()["status"] == 405


def test_openapi_schema_describes_the_endpoints(client):
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/healthz",
        "/api/search",
        "/api/passages/{passage_id}",
        "/api/documents",
        "/api/documents/{doc_id}",
    }
    params = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    # The schema offers what this index can run: a keyword-only index has one mode.
    assert params["mode"]["schema"]["enum"] == ["keyword"] and params["q"]["required"]
    assert params["q"]["schema"]["maxLength"] == 2000 and params["limit"]["schema"]["maximum"] == 1000
    assert set(params["doc"]["schema"]["enum"]) >= {"2010-kanazawa-fr", "2012-chartres-ja"}
    assert "404" in schema["paths"]["/api/passages/{passage_id}"]["get"]["responses"]
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len({op["operationId"] for op in operations}) == len(operations)
    assert all("schema" in op["responses"]["200"]["content"]["application/json"] for op in operations)


def test_security_headers_on_api_and_pages(client):
    for url in ("/api/documents", "/", "/static/style.css", "/api/passages/nope"):
        headers = client.get(url).headers
        assert "default-src 'none'" in headers["content-security-policy"], url
        assert headers["x-content-type-options"] == "nosniff"


def test_healthz_says_whether_semantic_search_is_available(client):
    body = client.get("/healthz").json()
    assert body["semantic"] is False and body["manifest"]["model"] is None


def test_hybrid_on_a_keyword_only_index_is_a_400_that_says_what_to_do(client):
    r = client.get("/api/search", params={"q": "séisme", "mode": "hybrid"})
    assert r.status_code == 400 and "mode=keyword" in r.json()["error"] and "/" not in r.json()["error"]
    # Without ?mode= the API uses what the index can run, as the search page does.
    r = client.get("/api/search", params={"q": "séisme"})
    assert r.status_code == 200 and r.json()["mode"] == "keyword"


def test_search_paging_is_consistent(client):
    full = client.get("/api/search", params={"q": "coopération", "mode": "keyword", "limit": 20}).json()
    page2 = client.get("/api/search", params={"q": "coopération", "mode": "keyword", "limit": 10, "offset": 10}).json()
    assert [r["passage_id"] for r in full["results"][10:]] == [r["passage_id"] for r in page2["results"]]


def test_a_bug_is_a_logged_500_without_a_traceback(keyword_index_dir, caplog):
    from starlette.routing import Route

    async def broken(request):
        raise RuntimeError("secret internals")

    app = create_app(keyword_index_dir, warm_model=False)
    app.router.routes += [Route("/api/broken", broken), Route("/broken", broken)]
    with TestClient(app, raise_server_exceptions=False) as c:
        api, page = c.get("/api/broken"), c.get("/broken")
    assert api.status_code == 500 and api.json()["error"] and "secret" not in api.text
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "secret" not in page.text and "Traceback" not in page.text
    assert "secret internals" in caplog.text  # the details go to the log, not to the user
