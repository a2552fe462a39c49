"""The HTTP API in process (Starlette TestClient): JSON, 400s, healthz."""

import pytest
from starlette.testclient import TestClient

from web.app import create_app


@pytest.fixture(scope="module")
def client(keyword_index_dir):
    with TestClient(create_app(keyword_index_dir, warm_model=False)) as c:
        yield c


def test_search_same_json_as_cli(client):
    r = client.get("/api/search", params={"q": "séisme", "mode": "keyword"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and body["results"][0]["doc_id"] == "2012-chartres-fr"


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "x", "mode": "nope"}, {"q": "x", "limit": "-1"},
                                    {"q": "x", "offset": "abc"}, {"q": "x", "lang": "en"},
                                    {"q": "x", "doc": "nope", "mode": "keyword"}, {}])
def test_bad_parameters_are_400_with_a_message(client, params):
    r = client.get("/api/search", params=params)
    assert r.status_code == 400 and r.json()["error"]


def test_healthz_reports_the_manifest(client, keyword_index_dir):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["manifest"]["passages"] > 100
